import StatelessAudit
import StatelessCore
import StatelessProtocols
import StatelessSystem

/// The applets of the multi-call binary, chosen by `argv[0]` (`/init`, or a symlink
/// named after an applet) or by the first argument (`stateless root`).
public enum Applet: Equatable, Sendable {
    /// The whole boot, as the initramfs's PID 1 (`init`).
    case boot
    /// One stage alone, for dracut hooks and admins.
    case stage(Stage)
    /// The kernel's module loader (`/sbin/modprobe -q -- NAME`, /proc/sys/kernel/modprobe).
    case modprobe
    /// The DHCP lease keeper the net stage starts (`@keep-lease`), alive after switch-root.
    case keepLease
    /// The iSCSI-to-nbd bridge the root stage starts (`@iscsi-bridge`), alive after
    /// switch-root.
    case iscsiBridge
    /// The watcher of a live root's copy-on-write store (`@live-watch`), started by root.
    case liveWatch
    /// The write audit, run by an admin on the booted system (`stateless audit [--save]`).
    case audit
    /// A cached client's background sync of the next release (`stateless update`).
    case update
    /// Where the boot's time went, from its timeline (`stateless analyze blame`).
    case analyze

    public var name: String {
        switch self {
        case .boot: return "init"
        case .stage(let stage): return stage.rawValue
        case .modprobe: return "modprobe"
        case .keepLease: return KeeperProcess.appletName
        case .iscsiBridge: return ISCSIBridgeProcess.appletName
        case .liveWatch: return LiveWatchProcess.appletName
        case .audit: return "audit"
        case .update: return "update"
        case .analyze: return "analyze"
        }
    }

    public var summary: String {
        switch self {
        case .boot: return "the whole boot, as the initramfs's PID 1"
        case .stage(let stage): return stage.summary
        case .modprobe: return "load a module for the kernel's request_module() (modprobe -q -- NAME)"
        case .keepLease: return "renew the boot's DHCP lease until a network manager takes over (started by net)"
        case .iscsiBridge: return "serve an iSCSI LUN on /dev/nbdN for the life of the machine (started by root)"
        case .liveWatch: return "say in one line when a live snapshot's copy-on-write store is full (started by root)"
        case .update: return "on a system booted from a cache: fetch the server's newer release into the slot not in use; it boots next (a timer runs it)"
        case .analyze: return "where the boot's time went: blame, critical-chain or plot (an SVG) [TIMELINE] (default /run/stateless/timeline)"
        case .audit: return "on the booted system: what was written since the boot, inside and outside the writable places, and rwtab/statetab lines for it (--save: the form mkstateless audit reads)"
        }
    }

    public static let all: [Applet] = [.boot] + Stage.allCases.filter { $0 != .`init` }.map { .stage($0) } + [.modprobe, .keepLease, .iscsiBridge, .liveWatch, .audit, .update, .analyze]

    public static func named(_ name: String) -> Applet? {
        all.first { $0.name == name }
    }

    /// Picks the applet from the process's arguments; nil means "print usage".
    ///
    /// PID 1 always runs the boot, whatever the kernel passed: `rdinit=/usr/bin/stateless`
    /// gives another argv[0], and words the kernel does not know (`splash`) arrive as
    /// extra arguments. PID 1 must never exit, so it never reads them as an applet.
    /// A leading `@` in argv[0] (systemd's mark for a storage daemon that must survive
    /// switch-root and the final killing spree) is not part of the applet's name.
    public static func select(_ arguments: [String], isPID1: Bool) -> Applet? {
        if isPID1 { return .boot }
        guard let first = arguments.first else { return nil }
        var name = Substring(first.split(separator: "/").last ?? Substring(first))
        if name.first == "@" { name = name.dropFirst() }
        if let applet = named(String(name)) { return applet }
        guard arguments.count > 1 else { return nil }
        return named(arguments[1])
    }

    /// The arguments meant for the applet itself: after its name.
    public static func appletArguments(_ arguments: [String], applet: Applet) -> [String] {
        guard let first = arguments.first else { return [] }
        let name = first.split(separator: "/").last.map { $0.hasPrefix("@") ? String($0.dropFirst()) : String($0) }
        if name == applet.name { return Array(arguments.dropFirst()) }
        return Array(arguments.dropFirst(2))
    }

    public static var usage: String {
        "usage: stateless APPLET\n" + all.map { "  \($0.name.padded(to: 12)) \($0.summary)\n" }.joined()
    }

    /// Runs the applet. Standalone applets expect /proc, /sys, /dev and /run mounted (as
    /// dracut has them) and report a failure with exit status 1.
    public func run(arguments: [String]) -> Never {
        if self == .boot && Posix.processID != 1 {
            // Mounting /proc, /run… over a running system would hide its own.
            print("stateless init: runs only as PID 1 of an initramfs (this is PID \(Posix.processID)); run the stages as applets instead")
            Posix.exit(2)
        }
        let context = BootContext(log: Logger(), isInit: self == .boot)
        switch self {
        case .boot, .modprobe, .stage: context.log.recordsSpans = true
        default: break
        }
        let boot = Boot(context: context)
        switch self {
        case .boot:
            boot.runInit(arguments: arguments)
        case .modprobe:
            Posix.exit(Modprobe(log: context.log).run(arguments))
        case .keepLease:
            context.log.openKmsg()
            Posix.exit(KeeperProcess.run(arguments, log: context.log))
        case .iscsiBridge:
            context.log.openKmsg()
            Posix.exit(ISCSIBridgeProcess.run(log: context.log))
        case .liveWatch:
            context.log.openKmsg()
            Posix.exit(LiveWatchProcess.run(arguments, log: context.log))
        case .audit:
            Posix.exit(Self.runAudit(arguments))
        case .analyze:
            Posix.exit(Self.runAnalyze(arguments))
        case .update:
            context.log.openKmsg()
            Posix.exit(CacheUpdate.run(arguments, log: context.log))
        case .stage(.cmdline) where !arguments.isEmpty:
            Posix.exit(Self.runOptions(arguments))
        case .stage(let stage):
            runAlone(stage, boot)
        }
        Posix.exit(0)
    }

    /// `stateless cmdline --options`: the option schema, one tab-separated line per option
    /// (`KernelOption.table`), what man/render and the dracut module read; `--markdown`:
    /// the reference tables of docs/kernel-command-line.md.
    static func runOptions(_ arguments: [String]) -> Int32 {
        switch arguments {
        case ["--options"]: print(KernelOption.table, terminator: "")
        case ["--markdown"]: print(KernelOption.markdownReference, terminator: "")
        default:
            print("usage: stateless cmdline [--options | --markdown]")
            return 2
        }
        return 0
    }

    /// Prints the audit (or its saved form with `--save`); 1 with one line on failure.
    static func runAudit(_ arguments: [String]) -> Int32 {
        guard arguments.allSatisfy({ $0 == "--save" }) else {
            print("usage: stateless audit [--save]")
            return 2
        }
        do {
            let report = try WriteAudit().run()
            print(arguments.contains("--save") ? report.saved : report.rendered, terminator: "")
            return 0
        } catch {
            print("stateless audit: \(error)")
            return 1
        }
    }

    /// `stateless analyze [blame|critical-chain|plot] [TIMELINE]`.
    static func runAnalyze(_ arguments: [String]) -> Int32 {
        let view = arguments.first ?? "blame"
        guard ["blame", "critical-chain", "plot"].contains(view), arguments.count <= 2 else {
            print("usage: stateless analyze [blame | critical-chain | plot] [TIMELINE]")
            return 2
        }
        let path = arguments.count == 2 ? arguments[1] : HandOff.timeline
        guard let text = try? Posix.readText(path) else {
            print("stateless analyze: cannot read \(path) (a boot by Stateless leaves it; TIMELINE names another)")
            return 1
        }
        let analysis = BootAnalysis(TimelineEntry.parse(text))
        guard !analysis.entries.isEmpty else {
            print("stateless analyze: \(path) has no timeline entries")
            return 1
        }
        switch view {
        case "critical-chain": print(analysis.criticalChain(), terminator: "")
        case "plot": print(analysis.plot(), terminator: "")
        default: print(analysis.blame(), terminator: "")
        }
        return 0
    }

    private func runAlone(_ stage: Stage, _ boot: Boot) {
        let context = boot.context
        switch stage {
        case .`init`:
            break  // not an applet (see `all`)
        case .cmdline:
            // A query, not a stage: it leaves no line in the booted system's timeline.
            do { try boot.loadOptions(announce: false) } catch { context.fail(.cmdline, error) }
            print(HandOff.format(context.options.summary), terminator: "")
        case .modules:
            context.prerequisite(.cmdline) { try boot.loadOptions(announce: $0) }
            context.stage(.modules) {
                let watcher = try boot.startModules()
                let deadline = Uptime.now().adding(milliseconds: context.options.deviceTimeoutSeconds * 1000)
                _ = watcher.settle(quietMilliseconds: 1000, until: deadline)
                boot.saveLoadedModules(watcher.modules)
            }
        case .net:
            context.prerequisite(.cmdline) { try boot.loadOptions(announce: $0) }
            // A hook can run it on every boot: without ip=, rd.neednet or a network root
            // there is nothing to do, as in the whole boot.
            guard context.options.needsNetwork else { break }
            // The NIC drivers, as in the whole boot (beside udev, which may be quicker).
            let watcher = context.prerequisite(.modules) { _ in try boot.startModules() }
            context.stage(.net) { try boot.bringUpNetwork(watcher) }
            boot.finishModules(watcher)
        case .root:
            context.prerequisite(.cmdline) { try boot.loadOptions(announce: $0) }
            let watcher = context.prerequisite(.modules) { _ in try boot.startModules() }
            context.stage(.root) { try boot.attachRoot(watcher) }
            boot.finishModules(watcher)
        case .overlay:
            context.prerequisite(.cmdline) { try boot.loadOptions(announce: $0) }
            // The state store's device may need its driver and its events.
            let watcher = context.prerequisite(.modules) { _ in try boot.startModules() }
            context.stage(.overlay) { try boot.makeWritablePlaces(watcher) }
            boot.finishModules(watcher)
        case .switchRoot:
            context.prerequisite(.cmdline) { try boot.loadOptions(announce: $0) }
            boot.switchRoot()
        }
    }
}
