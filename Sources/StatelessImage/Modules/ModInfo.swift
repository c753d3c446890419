/// What a kernel module says about itself in its `.modinfo` section.
///
/// The section is a run of NUL-terminated `key=value` strings (`depends=jbd2,mbcache`,
/// `alias=fs-ext4`, `softdep=pre: crc32c`, `name=ext4`, `firmware=tigon/tg3.bin`), written
/// by modpost. It is the source depmod itself uses, and the only one available when a
/// kernel package ships without modules.dep.
public struct ModInfo: Equatable, Sendable {
    /// The module's name as the kernel knows it (normalized, '-' → '_'); nil if absent.
    public var name: String?
    /// Hard dependencies, normalized: modules whose symbols this one uses.
    public var depends: [String] = []
    /// Alias patterns (may contain glob characters, e.g. `pci:v00008086d*`).
    public var aliases: [String] = []
    /// Soft dependencies to load before this module (module names or aliases).
    public var softdepPre: [String] = []
    /// Soft dependencies to load after this module.
    public var softdepPost: [String] = []
    /// Firmware files the module may request, relative to /lib/firmware (`tigon/tg3.bin`).
    public var firmware: [String] = []

    public init(name: String? = nil, depends: [String] = [], aliases: [String] = [],
                softdepPre: [String] = [], softdepPost: [String] = [], firmware: [String] = []) {
        self.name = name
        self.depends = depends
        self.aliases = aliases
        self.softdepPre = softdepPre
        self.softdepPost = softdepPost
        self.firmware = firmware
    }

    /// Parses the raw section bytes. Strings without '=' and unknown keys are skipped:
    /// they are legal (padding, `license`, `vermagic` …) and irrelevant here.
    public static func parse(_ bytes: [UInt8]) -> ModInfo {
        var info = ModInfo()
        for field in bytes.split(separator: 0, omittingEmptySubsequences: true) {
            let text = String(decoding: field, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            let key = text[..<equals]
            let value = String(text[text.index(after: equals)...])
            switch key {
            case "name":
                info.name = ModuleName.normalize(value)
            case "depends":
                info.depends += value.split(separator: ",")
                    .map { ModuleName.normalize(String($0).trimmingSpaces) }
                    .filter { !$0.isEmpty }
            case "alias":
                info.aliases.append(value)
            case "softdep":
                let parsed = parseSoftdep(value)
                info.softdepPre += parsed.pre
                info.softdepPost += parsed.post
            case "firmware":
                if !value.isEmpty { info.firmware.append(value) }
            default:
                continue
            }
        }
        return info
    }

    /// Splits a softdep value, `pre: a b post: c`, as modprobe.d's softdep syntax.
    /// Words before any `pre:`/`post:` marker are ignored, as modprobe does.
    public static func parseSoftdep(_ value: String) -> (pre: [String], post: [String]) {
        enum Part { case none, pre, post }
        var part = Part.none
        var pre: [String] = [], post: [String] = []
        for word in value.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            switch word {
            case "pre:": part = .pre
            case "post:": part = .post
            default:
                switch part {
                case .none: continue
                case .pre: pre.append(String(word))
                case .post: post.append(String(word))
                }
            }
        }
        return (pre, post)
    }
}

/// Module-name rules shared by the closure and the profile.
public enum ModuleName {
    /// The kernel and kmod treat '-' and '_' in module names alike; '_' is canonical.
    public static func normalize(_ name: String) -> String {
        String(name.map { $0 == "-" ? "_" : $0 })
    }

    /// The module name of a module file: its base name without `.ko`, `.ko.xz`,
    /// `.ko.zst` or `.ko.gz`, normalized; nil if the file is not a module.
    public static func fromFileName(_ path: String) -> String? {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        for suffix in [".ko", ".ko.xz", ".ko.zst", ".ko.gz"] where base.hasSuffix(suffix) && base.count > suffix.count {
            return normalize(String(base.dropLast(suffix.count)))
        }
        return nil
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
