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
        return aliases
    }
}

extension String {
    func trimmingNewline() -> String {
        var text = Substring(self)
        while let last = text.last, last == "\n" || last == " " || last == "\r" || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
