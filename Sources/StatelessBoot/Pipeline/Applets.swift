import Glibc

/// The applets of the multi-call binary, chosen by `argv[0]` (`/init`, or a symlink
/// named after an applet) or by the first argument (`stateless root`).
public enum Applet: String, CaseIterable {
    case `init`, cmdline, modules, root, overlay
    case switchRoot = "switch-root"

    public var summary: String {
        switch self {
        case .`init`: return "the whole boot, as the initramfs's PID 1"
        case .cmdline: return "print the boot options parsed from the command line"
        case .modules: return "coldplug: load modules for every device, until events settle"
        case .root: return "attach the root read-only at /sysroot"
        case .overlay: return "make the writable places on /sysroot (rwtab, overlayfs)"
        case .switchRoot: return "move mounts, empty the initramfs, exec the real init"
        }
    }

    /// Picks the applet from the process's arguments; nil means "print usage".
    /// The kernel starts /init before /proc exists, and the Swift runtime may read the
    /// arguments from /proc/self/cmdline: no arguments at all in PID 1 means `init`.
    public static func select(_ arguments: [String], isPID1: Bool) -> Applet? {
        guard let first = arguments.first else { return isPID1 ? .`init` : nil }
        let name = first.split(separator: "/").last.map(String.init) ?? first
        if let applet = Applet(rawValue: name) { return applet }
        guard arguments.count > 1 else { return nil }
        return Applet(rawValue: arguments[1])
    }

    public static var usage: String {
        "usage: stateless APPLET\n" + allCases.map { "  \($0.rawValue.padded(to: 12)) \($0.summary)\n" }.joined()
    }

    /// Runs the applet. Standalone applets expect /proc, /sys, /dev and /run mounted (as
    /// dracut has them) and report a failure with exit status 1.
    public func run() -> Never {
        if self == .`init` && getpid() != 1 {
            // Mounting /proc, /run… over a running system would hide its own.
            print("stateless init: runs only as PID 1 of an initramfs (this is PID \(getpid())); run the stages as applets instead")
            exit(2)
        }
        let context = BootContext(log: Logger(), isInit: self == .`init`)
        let boot = Boot(context: context)
        switch self {
        case .`init`:
            boot.runInit()
        case .cmdline:
            // A query, not a stage: it leaves no line in the booted system's timeline.
            do { try boot.loadOptions() } catch { context.fail("cmdline", error) }
            print(HandOff.format(context.options.summary), terminator: "")
        case .modules:
            context.stage("cmdline") { try boot.loadOptions() }
            context.stage("modules") {
                let watcher = try boot.startModules()
                let deadline = Uptime.now().adding(milliseconds: context.options.deviceTimeoutSeconds * 1000)
                _ = watcher.settle(quietMilliseconds: 1000, until: deadline)
                boot.saveLoadedModules(watcher.modules)
            }
        case .root:
            context.stage("cmdline") { try boot.loadOptions() }
            let watcher = context.stage("modules") { try boot.startModules() }
            context.stage("root") { try boot.attachRoot(watcher) }
        case .overlay:
            context.stage("cmdline") { try boot.loadOptions() }
            // Only overlayfs mode needs a module; no device events are awaited here.
            let modules = try? ModuleLoader(blacklist: context.options.moduleBlacklist, log: context.log)
            context.stage("overlay") { try boot.makeWritablePlaces(modules) }
        case .switchRoot:
            context.stage("cmdline") { try boot.loadOptions() }
            boot.switchRoot()
        }
        exit(0)
    }
}

extension BootOptions {
    /// The options as hand-off facts (what `stateless cmdline` prints).
    public var summary: [(String, String)] {
        [("ROOT", root?.description ?? ""), ("ROOTFSTYPE", rootFilesystemType ?? ""),
         ("ROOTFLAGS", rootFlags ?? ""), ("ROOT_WRITABLE", rootWritable ? "1" : "0"),
         ("INIT", initPath ?? ""), ("OVERLAY_MODE", overlayMode.rawValue),
         ("RD_TIMEOUT", String(deviceTimeoutSeconds)), ("RD_RETRY", String(retrySeconds)),
         ("RD_SHELL", shellOnFailure ? "1" : "0"), ("RD_EMERGENCY", emergencyAction.rawValue),
         ("RD_BREAK", breakPoints.map(\.rawValue).sorted().joined(separator: ",")),
         ("MODULE_BLACKLIST", moduleBlacklist.joined(separator: ",")),
         ("MODULE_PRELOAD", preloadModules.joined(separator: ","))]
    }
}

extension String {
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
