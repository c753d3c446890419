import Glibc
import StatelessCore
import StatelessProtocols

/// Reads `PredictableName.Facts` for a link from sysfs, as udev's net_id does.
package enum LinkFacts {
    package static func read(_ name: String, sysfs: String = "/sys") -> PredictableName.Facts? {
        let link = "\(sysfs)/class/net/\(name)"
        guard let type = number(link + "/type") else { return nil }
        let uevent = (try? Posix.readText(link + "/uevent")) ?? ""
        let deviceType = uevent.split(separator: "\n").first { $0.hasPrefix("DEVTYPE=") }.map { String($0.dropFirst(8)) }
        let portName = (try? Posix.readText(link + "/phys_port_name"))?.trimmingNewline()
        var facts = PredictableName.Facts(
            nameAssignType: number(link + "/name_assign_type"), hardwareType: type, deviceType: deviceType,
            devicePort: number(link + "/dev_port"), physicalPortName: portName?.isEmpty == false ? portName : nil)
        guard let resolved = realpath(link + "/device", nil) else { return facts }
        defer { free(resolved) }
        let device = String(cString: resolved)
        facts.pci = pci(device, sysfs: sysfs)
        facts.xenVIF = xenVIF(device)
        return facts
    }

    /// `…/vif-0` under xen: Xen netfront.
    package static func xenVIF(_ device: String) -> Int? {
        guard let last = device.split(separator: "/").last, last.hasPrefix("vif-"),
              device.split(separator: "/").contains("xen") else { return nil }
        return Int(last.dropFirst(4))
    }

    package static func number(_ path: String) -> Int? {
        (try? Posix.readText(path)).flatMap { Int($0.trimmingNewline()) }
    }

    /// The PCI function the link's device is, or the one a virtio device sits on
    /// (`…/0000:00:03.0/virtio0`), as udev's net_id skips virtio; nil for anything else
    /// (a USB NIC below a PCI host controller is not named after the controller).
    package static func pci(_ device: String, sysfs: String) -> PredictableName.PCI? {
        var components = device.split(separator: "/")
        if let last = components.last, last.hasPrefix("virtio"), Int(last.dropFirst(6)) != nil { components.removeLast() }
        guard let last = components.last, let address = PredictableName.pciAddress(last) else { return nil }
        let directory = "/" + components.joined(separator: "/")
        if Posix.exists(directory + "/physfn") { return nil }  // an SR-IOV VF: udev names it after its PF
        var (slot, function) = (address.slot, address.function)
        if number(directory + "/ari_enabled") == 1 { (slot, function) = (0, address.slot * 8 + address.function) }
        let header = (try? Posix.readFile(directory + "/config", limit: 16)) ?? []
        let acpiIndex = (try? Posix.readText(directory + "/acpi_index")).map { Int($0.trimmingNewline()) ?? -1 }
        return PredictableName.PCI(
            domain: address.domain, bus: address.bus, slot: slot, function: function,
            multifunction: header.count > 14 && header[14] & 0x80 != 0,
            onboardIndex: acpiIndex ?? number(directory + "/index"),
            hotplugSlot: hotplugSlot(address, sysfs: sysfs))
    }

    /// /sys/bus/pci/slots/N/address is `domain:bus:slot` without the function.
    package static func hotplugSlot(_ address: (domain: Int, bus: Int, slot: Int, function: Int), sysfs: String) -> Int? {
        let slots = sysfs + "/bus/pci/slots"
        for name in ((try? Posix.listDirectory(slots)) ?? []).sorted() {
            guard let number = Int(name), number > 0, let text = try? Posix.readText("\(slots)/\(name)/address") else { continue }
            let parts = text.trimmingNewline().split(separator: ":")
            guard parts.count == 3, Int(parts[0], radix: 16) == address.domain, Int(parts[1], radix: 16) == address.bus,
                  Int(parts[2], radix: 16) == address.slot
            else { continue }
            return number
        }
        return nil
    }
}
