/// The tmpfs mounts the boot makes, each with its own size limit: with the kernel's
/// default (half of RAM for every tmpfs) a few of them could together take more memory
/// than the machine has, and a runaway writer would push the machine into the OOM killer
/// instead of getting ENOSPC.
public enum TmpfsArea: String, CaseIterable, Sendable {
    /// rwtab mode: the copies of the rwtab paths (/run/stateless/writable).
    case writable
    /// overlayfs mode: the upper directory, every write to the root.
    case overlay
    /// A state store on tmpfs (none configured, or the fallback).
    case state
    /// `systemd.volatile=state`: /var.
    case `var`
    /// `systemd.volatile=yes`, `root=tmpfs`: the root itself.
    case root

    /// `stateless.tmpfs.size.AREA=`.
    var option: KernelOption {
        switch self {
        case .writable: return .tmpfsSizeWritable
        case .overlay: return .tmpfsSizeOverlay
        case .state: return .tmpfsSizeState
        case .var: return .tmpfsSizeVar
        case .root: return .tmpfsSizeRoot
        }
    }

    /// A share of RAM, the option's default: the overlay and a tmpfs root take every
    /// write, so they get the most; 25% for /var as systemd's own volatile /var has; state
    /// is small files.
    var defaultSize: String { option.defaultValue }
}

/// `stateless.tmpfs.size=` (every area; `stateless.tmpfs-size=` is the older name) and
/// `stateless.tmpfs.size.AREA=` (one area, winning over the general one).
public struct TmpfsSizes: Equatable, Sendable {
    public var all: String?
    public var byArea: [TmpfsArea: String] = [:]

    public init() {}

    public init(_ line: KernelCommandLine) throws {
        if let size = line.last(.tmpfsSize) {
            all = try Self.size(size)
        }
        for area in TmpfsArea.allCases {
            if let size = line.last(area.option) { byArea[area] = try Self.size(size) }
        }
    }

    public func size(_ area: TmpfsArea) -> String { byArea[area] ?? all ?? area.defaultSize }

    /// mount(2) data for the area's tmpfs: root-owned, not world-writable (the image's own
    /// modes apply to what is copied or bound inside), and limited.
    public func options(_ area: TmpfsArea) -> String { "mode=0755,size=" + size(area) }

    /// Bytes with an optional k/m/g suffix, or a percentage of RAM (1–100).
    package static func size(_ parameter: KernelParameter) throws -> String {
        let expected = "a size such as 512m, 2g or 25%"
        let value = try BootOptions.text(parameter, expected)
        var digits = Substring(value)
        if let last = digits.last, "kKmMgG%".contains(last) { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 15, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let number = Int(digits), number > 0, !value.hasSuffix("%") || number <= 100
        else {
            throw OptionError(option: parameter.key, value: value, expected: expected)
        }
        return value
    }
}
