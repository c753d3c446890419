/// Coldplug: the devices the kernel found before we started have already sent their
/// uevents, to nobody. Their modaliases are still in sysfs, one file per device, under
/// /sys/bus/*/devices/*/modalias (every device with a modalias sits on a bus).
public enum Coldplug {
    /// Every distinct modalias currently in sysfs, in a stable order.
    public static func modaliases(sysfs: String = "/sys") -> [String] {
        var aliases: [String] = []
        var seen: Set<String> = []
        let busRoot = sysfs + "/bus"
        for bus in (try? Posix.listDirectory(busRoot)) ?? [] {
            let devices = busRoot + "/" + bus + "/devices"
            for device in (try? Posix.listDirectory(devices)) ?? [] {
                guard let text = try? Posix.readText(devices + "/" + device + "/modalias") else { continue }
                let alias = text.trimmingNewline()
                if !alias.isEmpty && seen.insert(alias).inserted { aliases.append(alias) }
            }
        }
        return ordered(aliases)
    }

    /// Storage first, network last: under emulation every module load costs tenths of
    /// a second, and the root disk should not wait behind a NIC driver's probe. The
    /// order is stable within each class.
    public static func ordered(_ aliases: [String]) -> [String] {
        func rank(_ alias: String) -> Int {
            if alias.hasPrefix("pci:") {
                if alias.contains("bc01") || alias.contains("v00001AF4") { return 0 }  // mass storage, virtio transport
                if alias.contains("bc02") { return 2 }  // network controllers
                return 1
            }
            if alias.hasPrefix("virtio:") || alias.hasPrefix("scsi:") || alias.hasPrefix("nvme:") { return 0 }
            return 1
        }
        return aliases.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }
}

extension String {
    func trimmingNewline() -> String {
        var text = Substring(self)
        while let last = text.last, last == "\n" || last == " " || last == "\r" || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
