import Glibc

/// Reads `PredictableName.Facts` for a link from sysfs, as udev's net_id does.
enum LinkFacts {
    static func read(_ name: String, sysfs: String = "/sys") -> PredictableName.Facts? {
        let link = "\(sysfs)/class/net/\(name)"
        guard let type = number(link + "/type") else { return nil }
        let uevent = (try? Posix.readText(link + "/uevent")) ?? ""
        let deviceType = uevent.split(separator: "\n").first { $0.hasPrefix("DEVTYPE=") }.map { String($0.dropFirst(8)) }
        let portName = (try? Posix.readText(link + "/phys_port_name"))?.trimmingNewline()
        return PredictableName.Facts(
            nameAssignType: number(link + "/name_assign_type"), hardwareType: type, deviceType: deviceType,
            devicePort: number(link + "/dev_port"), physicalPortName: portName?.isEmpty == false ? portName : nil,
            pci: pci(of: link, sysfs: sysfs))
    }

    static func number(_ path: String) -> Int? {
        (try? Posix.readText(path)).flatMap { Int($0.trimmingNewline()) }
    }

    /// The PCI device the link's device is, or hangs below (a virtio NIC is
    /// `…/0000:00:03.0/virtio0`): the nearest path component that is a PCI address.
    static func pci(of link: String, sysfs: String) -> PredictableName.PCI? {
        guard let resolved = realpath(link + "/device", nil) else { return nil }
        defer { free(resolved) }
        let components = String(cString: resolved).split(separator: "/")
        guard let index = components.lastIndex(where: { PredictableName.pciAddress($0) != nil }),
              let address = PredictableName.pciAddress(components[index])
        else { return nil }
        let directory = "/" + components[...index].joined(separator: "/")
        let header = (try? Posix.readFile(directory + "/config", limit: 16)) ?? []
        return PredictableName.PCI(
            domain: address.domain, bus: address.bus, slot: address.slot, function: address.function,
            multifunction: header.count > 14 && header[14] & 0x80 != 0,
            onboardIndex: number(directory + "/acpi_index") ?? number(directory + "/index"),
            hotplugSlot: hotplugSlot(address, sysfs: sysfs))
    }

    /// /sys/bus/pci/slots/N/address is `domain:bus:slot` without the function.
    static func hotplugSlot(_ address: (domain: Int, bus: Int, slot: Int, function: Int), sysfs: String) -> Int? {
        let slots = sysfs + "/bus/pci/slots"
        for name in ((try? Posix.listDirectory(slots)) ?? []).sorted() {
            guard let number = Int(name), let text = try? Posix.readText("\(slots)/\(name)/address") else { continue }
            let parts = text.trimmingNewline().split(separator: ":")
            guard parts.count == 3, Int(parts[0], radix: 16) == address.domain, Int(parts[1], radix: 16) == address.bus,
                  Int(parts[2], radix: 16) == address.slot
            else { continue }
            return number
        }
        return nil
    }
}
