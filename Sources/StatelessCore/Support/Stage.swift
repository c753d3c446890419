/// The stages of the boot, in order (ARCHITECTURE.md). This one list names the applets
/// that run a stage alone, the `rd.break=` points and the lines of the timeline, so the
/// three can never disagree. A new stage is a new case here.
public enum Stage: String, CaseIterable, Sendable, Hashable {
    /// Mount /proc, /sys, /dev and /run; open /dev/kmsg. Not an applet of its own: only
    /// PID 1 may do it.
    case `init`
    case cmdline, modules, net, root, overlay
    case switchRoot = "switch-root"

    public var summary: String {
        switch self {
        case .`init`: return "mount /proc, /sys, /dev and /run (PID 1 only)"
        case .cmdline: return "print the boot options parsed from the command line (--options: every option it reads)"
        case .modules: return "coldplug: load modules for every device, until events settle"
        case .net: return "bring up the network when the root or ip=/rd.neednet asks (netlink, DHCPv4)"
        case .root: return "attach the root read-only at /sysroot"
        case .overlay: return "make the writable places on /sysroot (rwtab, overlayfs) and attach the machine's state (statetab, identity)"
        case .switchRoot: return "move mounts, empty the initramfs, exec the real init"
        }
    }

    /// Dracut's hook names, each mapped to the stage that follows the same moment, so
    /// `rd.break=pre-mount` stops where a dracut user expects.
    static let dracutHooks: [String: Stage] = [
        "cmdline": .cmdline, "pre-udev": .modules, "pre-trigger": .modules,
        "initqueue": .net, "pre-mount": .root, "mount": .overlay,
        "pre-pivot": .switchRoot, "cleanup": .switchRoot,
    ]

    /// The stage an `rd.break=` value names; nil for an unknown name. `init` cannot be
    /// stopped at (there is no /dev to run a shell on yet).
    package static func breakPoint(named name: String) -> Stage? {
        guard let stage = Stage(rawValue: name) ?? dracutHooks[name], stage != .`init` else { return nil }
        return stage
    }

    static var breakPointNames: [String] {
        allCases.filter { $0 != .`init` }.map(\.rawValue) + dracutHooks.keys.filter { Stage(rawValue: $0) == nil }.sorted()
    }
}
