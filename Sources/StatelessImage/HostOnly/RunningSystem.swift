import Foundation

/// What the running machine uses, as `mkstateless build --hostonly` reads it: the
/// modaliases of its devices, the modules it has loaded, and the type of its root
/// filesystem. A snapshot taken once, so the selection itself is a pure function of it.
public struct RunningSystem: Equatable, Sendable {
    /// Every distinct `/sys/bus/*/devices/*/modalias`, sorted: what the kernel would ask
    /// modprobe for when each device appeared.
    public var modaliases: [String]
    /// Names from /proc/modules, normalized and sorted; empty on a kernel without
    /// loadable modules (no /proc/modules at all).
    public var loadedModules: [String]
    /// The filesystem type mounted at `/`, from /proc/self/mountinfo.
    public var rootFilesystemType: String?

    public init(modaliases: [String], loadedModules: [String], rootFilesystemType: String?) {
        self.modaliases = modaliases
        self.loadedModules = loadedModules
        self.rootFilesystemType = rootFilesystemType
    }

    /// Reads the snapshot under `root` (tests pass a directory laid out like / ).
    public static func read(root: String = "/") -> RunningSystem {
        let prefix = root.hasSuffix("/") ? String(root.dropLast()) : root
        let text = { (path: String) in try? String(contentsOfFile: prefix + path, encoding: .utf8) }
        var aliases = Set<String>()
        let manager = FileManager.default
        for bus in (try? manager.contentsOfDirectory(atPath: prefix + "/sys/bus")) ?? [] {
            let devices = "/sys/bus/\(bus)/devices"
            for device in (try? manager.contentsOfDirectory(atPath: prefix + devices)) ?? [] {
                if let alias = text("\(devices)/\(device)/modalias")?.trimmingCharacters(in: .whitespacesAndNewlines), !alias.isEmpty {
                    aliases.insert(alias)
                }
            }
        }
        return RunningSystem(
            modaliases: aliases.sorted(),
            loadedModules: text("/proc/modules").map(parseProcModules) ?? [],
            rootFilesystemType: text("/proc/self/mountinfo").flatMap(rootFilesystemType(mountinfo:)))
    }

    /// Module names from /proc/modules (`ext4 1060864 2 - Live 0x0000000000000000`): the
    /// first word of each line. A word that is not a plausible module name is skipped
    /// rather than handed to the module lookup.
    public static func parseProcModules(_ text: String) -> [String] {
        let names = text.split(whereSeparator: \.isNewline).compactMap { line -> String? in
            guard let word = line.split(separator: " ").first,
                  word.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
            else { return nil }
            return ModuleName.normalize(String(word))
        }
        return Array(Set(names)).sorted()
    }

    /// The filesystem type of the mount at `/` from mountinfo lines
    /// (`27 1 254:0 / / rw,relatime - ext4 /dev/vda rw`: the fifth field is the mount
    /// point; the type follows the `-` that ends the optional fields). Mounts stack, so
    /// the last line for `/` is the one in effect. Malformed lines are skipped.
    public static func rootFilesystemType(mountinfo text: String) -> String? {
        var type: String?
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ")
            guard fields.count > 5, fields[4] == "/",
                  let separator = fields[6...].firstIndex(of: "-"), separator + 1 < fields.count
            else { continue }
            type = String(fields[separator + 1])
        }
        return type
    }
}
