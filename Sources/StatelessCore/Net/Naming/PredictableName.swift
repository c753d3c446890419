/// The name the booted system's udev will give a network link, so that the net stage can
/// give it first, before the link goes up.
///
/// Why: the root's udev renames `eth0` to `ens3` (systemd's predictable names), but the
/// kernel (6.1) refuses to rename a link that is up, and the net stage keeps the root's
/// link up through switch-root. udev then fails the rename, systemd-networkd waits for
/// the link forever ("pending"), and the admin's configuration for `ens3` never applies.
/// dracut and initramfs-tools avoid this by running udev, and its naming, in the
/// initramfs; we name the link the same way ourselves.
///
/// This is systemd 252's default policy (99-default.link: `NamePolicy=keep kernel
/// database onboard slot path`, udev-builtin-net_id.c) for PCI devices (virtio ones
/// through their PCI function), the case of every NIC in a server or a VM: `eno<index>`
/// from the firmware's onboard index (0–65535, `acpi_index`, else SMBIOS `index`), else
/// `ens<slot>` from the device's own PCI hotplug slot (slot numbers above 0), else
/// `enp<bus>s<slot>`, with `f<function>` on multi-function devices, `n<port-name>` or
/// `d<port>` for a second port, `P<domain>` outside domain 0; and Xen's `enX<vif>`.
/// A rename sticks: udev's `keep` then leaves a name we chose, so where we cannot be sure
/// we keep the kernel's name: USB, platform, devicetree and s390 devices, SR-IOV virtual
/// functions, and any `net.naming-scheme=` but `v252` and `latest`. ARI functions are
/// numbered as udev does. Not followed, so named differently from udev: a multi-function
/// NIC behind a bridge that has the hotplug slot (udev: `ens<bridge slot>f<n>`, here
/// `enp…`), and the root's `.link` files (use `ifname=`). `net.ifnames=0` turns it off, as
/// in the booted system.
package struct PredictableName {
    /// What sysfs says about one link.
    package struct Facts: Equatable {
        /// /sys/class/net/X/name_assign_type: 1 enumerated by the kernel, 2 predictable,
        /// 3 named by userspace, 4 renamed; nil when the driver does not say.
        package var nameAssignType: Int?
        /// ARPHRD_* (/sys/class/net/X/type): 1 Ethernet, 32 InfiniBand.
        package var hardwareType: Int
        /// The uevent's DEVTYPE: `wlan`, `wwan`, …
        package var deviceType: String?
        package var devicePort: Int?
        package var physicalPortName: String?
        package var pci: PCI?
        /// Xen netfront's `vif-N` (the device's own name).
        package var xenVIF: Int?

        package init(nameAssignType: Int? = nil, hardwareType: Int, deviceType: String? = nil, devicePort: Int? = nil, physicalPortName: String? = nil, pci: PCI? = nil, xenVIF: Int? = nil) {
            self.nameAssignType = nameAssignType
            self.hardwareType = hardwareType
            self.deviceType = deviceType
            self.devicePort = devicePort
            self.physicalPortName = physicalPortName
            self.pci = pci
            self.xenVIF = xenVIF
        }
    }

    package struct PCI: Equatable {
        package var domain: Int, bus: Int, slot: Int, function: Int
        package var multifunction: Bool
        /// `acpi_index`, else SMBIOS `index` (only when there is no `acpi_index`).
        package var onboardIndex: Int?
        /// The name of the hotplug slot whose address is this device's.
        package var hotplugSlot: Int?

        package init(domain: Int, bus: Int, slot: Int, function: Int, multifunction: Bool, onboardIndex: Int? = nil, hotplugSlot: Int? = nil) {
            (self.domain, self.bus, self.slot, self.function) = (domain, bus, slot, function)
            self.multifunction = multifunction
            self.onboardIndex = onboardIndex
            self.hotplugSlot = hotplugSlot
        }
    }

    /// The name udev would choose, or nil to keep the kernel's.
    package static func name(_ facts: Facts) -> String? {
        if let assigned = facts.nameAssignType, [2, 3, 4].contains(assigned) { return nil }  // kernel, keep
        guard let prefix = prefix(facts) else { return nil }
        if let vif = facts.xenVIF { return "\(prefix)X\(vif)" }
        guard let pci = facts.pci else { return nil }
        let port = facts.physicalPortName.map { "n" + $0 } ?? facts.devicePort.flatMap { $0 > 0 ? "d\($0)" : nil } ?? ""
        let function = pci.function > 0 || pci.multifunction ? "f\(pci.function)" : ""
        let domain = pci.domain > 0 ? "P\(pci.domain)" : ""
        var candidates: [String] = []

        if let index = pci.onboardIndex, (0...65535).contains(index) { candidates.append("\(prefix)o\(index)\(port)") }
        if let slot = pci.hotplugSlot, slot > 0 { candidates.append("\(prefix)\(domain)s\(slot)\(function)\(port)") }
        candidates.append("\(prefix)\(domain)p\(pci.bus)s\(pci.slot)\(function)\(port)")
        return candidates.first { $0.utf8.count <= 15 }
    }

    package static func prefix(_ facts: Facts) -> String? {
        switch (facts.hardwareType, facts.deviceType) {
        case (1, "wlan"?): "wl"
        case (1, "wwan"?): "ww"
        case (1, _): "en"
        case (32, _): "ib"
        default: nil
        }
    }

    /// `0000:00:03.0` → domain, bus, slot, function (all hexadecimal in sysfs).
    package static func pciAddress(_ text: Substring) -> (domain: Int, bus: Int, slot: Int, function: Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2 else { return nil }
        let slotAndFunction = parts[2].split(separator: ".", omittingEmptySubsequences: false)
        guard slotAndFunction.count == 2, slotAndFunction[0].count == 2, slotAndFunction[1].count == 1,
              let domain = Int(parts[0], radix: 16), let bus = Int(parts[1], radix: 16),
              let slot = Int(slotAndFunction[0], radix: 16), let function = Int(slotAndFunction[1], radix: 16)
        else { return nil }
        return (domain, bus, slot, function)
    }
}
