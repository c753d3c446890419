import StatelessCore
import StatelessProtocols
import StatelessSystem

/// The boot pipeline (ARCHITECTURE.md): cmdline → modules → net (when needed) → root → overlay
/// → switch-root.
/// `/init` runs all of it; each stage is also an applet that runs alone, reading what
/// earlier ones left in /run/stateless, so dracut hooks can interleave them.
public struct Boot {
    package let context: BootContext
    package var log: Logger { context.log }

    public init(context: BootContext) { self.context = context }

    /// PID 1 of the initramfs. Never returns: it ends in exec of the real init or in the
    /// emergency fallback.
    /// - Parameter arguments: what the kernel passed after argv[0] (words it did not
    ///   know, such as `single`); never read as an applet, passed on to the real init.
    public func runInit(arguments: [String]) -> Never {
        context.stage(.`init`) { try mountEarlyFilesystems(arguments: arguments) }
        context.stage(.cmdline) { try loadOptions() }
        // `rd.break=STAGE` stops *before* that stage, as dracut's hook names do
        // (pre-mount: before the root is attached); `cmdline` is as early as it can be.
        context.breakPoint(.cmdline)
        context.breakPoint(.modules)
        let watcher = context.stage(.modules) { try startModules() }
        requestRootModules(watcher)
        if context.options.needsNetwork {
            context.breakPoint(.net)
            context.stage(.net) {
                do { try bringUpNetwork(watcher) } catch where context.options.cache.device != nil {
                    // A cached client boots its cached release without the network.
                    log.warning("net", "\(error); the cache's release boots without the network (stateless.cache=)")
                }
            }
        }
        context.breakPoint(.root)
        context.stage(.root) { try attachRoot(watcher) }
        context.breakPoint(.overlay)
        context.stage(.overlay) { try makeWritablePlaces(watcher) }
        finishModules(watcher)
        switchRoot()
    }

    // MARK: Stages

    /// The kernel starts /init with nothing mounted. /run is a tmpfs from the start:
    /// the timeline and hand-off files live there and move into the booted system.
    public func mountEarlyFilesystems(arguments: [String]) throws {
        let mounts: [(String, String, String, MountFlags, String?)] = [
            ("proc", "/proc", "proc", [.noSUID, .noDev, .noExec], nil),
            ("sysfs", "/sys", "sysfs", [.noSUID, .noDev, .noExec], nil),
            ("devtmpfs", "/dev", "devtmpfs", [.noSUID], "mode=0755"),
            ("tmpfs", "/run", "tmpfs", [.noSUID, .noDev], "mode=0755"),
        ]
        for (source, target, type, flags, data) in mounts {
            try Posix.makeDirectory(target)
            do {
                try Posix.mount(source: source, target: target, type: type, flags: flags, data: data)
            } catch let error as BootError where error.errno == .resourceBusy {
                continue  // already mounted (a dracut-built image, or a second run)
            }
        }
        // An image without /dev/console left fds 0–2 closed until devtmpfs was there.
        StandardStreams.ensureOpen(preferConsole: true)
        try Posix.makeDirectories(HandOff.directory)
        context.savedDevkmsg = try? Posix.readText(Self.devkmsgSetting).trimmingNewline()
        log.kmsgUnlimited = (try? Posix.writeFile(Self.devkmsgSetting, "on\n")) != nil
        log.openKmsg()
        // The Swift runtime reads argv from /proc/self/cmdline, which did not exist yet
        // when PID 1 started: read it now that /proc is mounted.
        let given = arguments.isEmpty ? Self.ownArguments() : arguments
        context.kernelArguments = given
        let passed = given.isEmpty ? "" : " (arguments from the kernel, passed on to the real init: \(given.joined(separator: " ")))"
        log.info("init", "stateless started at \(Uptime.now()) s uptime\(passed)")
        registerModprobe()
    }

    static func ownArguments() -> [String] {
        guard let bytes = try? Posix.readFile("/proc/self/cmdline") else { return [] }
        return bytes.split(separator: 0, omittingEmptySubsequences: false).dropFirst().dropLast(bytes.last == 0 ? 1 : 0)
            .map { String(decoding: $0, as: UTF8.self) }
    }

    /// The kernel's own module requests (`request_module`: a filesystem type, crypto,
    /// `dm-*`, `nls_*`) run /proc/sys/kernel/modprobe; the image's helper is our
    /// `modprobe` applet (ImageLayout.modprobeHelper). The kernel's setting comes back at
    /// switch-root, so the root's own modprobe serves the booted system.
    func registerModprobe() {
        let helper = ImageLayout.modprobeHelper
        guard Posix.exists(helper) else {
            log.warning("init", "this image has no \(helper); the kernel's module requests will fail until switch-root")
            return
        }
        do {
            let saved = try? Posix.readText(ModuleRequests.setting).trimmingNewline()
            try Posix.writeFile(ModuleRequests.setting, helper + "\n")
            context.savedModprobe = saved
        } catch {
            log.warning("init", "cannot register \(helper) for the kernel's module requests: \(error)")
        }
    }

    /// Userspace writes to /dev/kmsg are rate-limited by default; the boot's lines are
    /// few but come in bursts (one per module), so the limit is lifted until switch-root
    /// and the booted system gets the kernel's setting back.
    static let devkmsgSetting = "/proc/sys/kernel/printk_devkmsg"

    /// The image's /etc/cmdline.d/*.conf, then /proc/cmdline. `announce`: log the root and
    /// mode (once per boot: applets run by dracut's hooks each parse the line again).
    public func loadOptions(announce: Bool = true) throws {
        let line = try Self.readCommandLine()
        do {
            context.options = try BootOptions(line)
        } catch {
            // One bad option must not cost the admin's fallback: rd.shell, rd.emergency
            // and the delay still count if they themselves are usable.
            context.options = BootOptions(fallbackFrom: line)
            throw error
        }
        log.verbose = !context.options.quiet
        if announce, let root = context.options.root { log.info("cmdline", "root=\(root), overlay \(context.options.overlayMode.rawValue)") }
    }

    /// The command line every applet reads, PID 1 and the kernel's modprobe alike: the
    /// image's /etc/cmdline.d/*.conf, then /proc/cmdline as raw bytes.
    static func readCommandLine() throws -> KernelCommandLine {
        let directory = "/etc/cmdline.d"
        let files = ((try? Posix.listDirectory(directory)) ?? []).filter { $0.hasSuffix(".conf") }
        let texts = files.compactMap { try? Posix.readText(directory + "/" + $0) }
        return KernelCommandLine(configFiles: texts, kernel: try Posix.readFile("/proc/cmdline"))
    }

    public func startModules() throws -> DeviceWatcher {
        let loader = try ModuleLoader(blacklist: context.options.moduleBlacklist,
                                      timeoutSeconds: context.options.moduleTimeoutSeconds, log: log)
        let watcher = try DeviceWatcher(modules: loader, log: log)
        watcher.loadsNetworkDrivers = context.options.needsNetwork
        if !watcher.loadsNetworkDrivers {
            log.info("modules", "network controllers are left to the booted system's udev (ip=, rd.neednet=1 or a network root would load their drivers here)")
        }
        watcher.coldplug(preload: context.options.preloadModules)
        saveLoadedModules(loader)
        return watcher
    }

    /// Queues the modules the root will need (its filesystem, NFS, nbd, loop…), so they
    /// load while the devices settle and the network comes up (whoever waits handles
    /// their ends), not after.
    func requestRootModules(_ watcher: DeviceWatcher) {
        for alias in RootStage.modulesAhead(context.options) {
            watcher.modules.request(alias: alias, reason: "the root, ahead", rank: 1)
        }
    }

    /// Waits for the module loads still running (each within stateless.module-timeout=)
    /// and records them: the initramfs they load from is emptied at switch-root, and an
    /// applet's process ends.
    func finishModules(_ watcher: DeviceWatcher) {
        watcher.modules.finishLoads(until: Uptime.now().adding(milliseconds: (context.options.moduleTimeoutSeconds + 1) * 1000))
        saveLoadedModules(watcher.modules)
    }

    /// Runs only when the root, `ip=` or `rd.neednet` asks for the network.
    public func bringUpNetwork(_ watcher: DeviceWatcher?) throws {
        defer { if let watcher { saveLoadedModules(watcher.modules) } }
        var options = context.options.net
        if options.firmwareTable {
            watcher?.modules.load(alias: "iscsi_ibft", reason: "ip=ibft")
            do {
                let table = try IBFT.read()
                options = try table.networkOptions(options)
                log.info("net", "iBFT: boot NIC \(options.bootInterface.map { "\($0)" } ?? "?"), \(options.ip.map { "\($0)" } ?? "")")
            } catch let error as IBFT.Unusable {
                throw BootError("read the iSCSI Boot Firmware Table", IBFT.directory, detail: "\(error)", option: "ip=ibft, rd.iscsi.firmware=")
            }
        }
        _ = try NetStage(options: options, watcher: watcher, log: log).run()
    }

    public func attachRoot(_ watcher: DeviceWatcher) throws {
        defer { saveLoadedModules(watcher.modules) }
        let facts = try RootStage(options: context.options, watcher: watcher, log: log).attach()
        context.handOff(facts)
    }

    /// The local scratch and swap, the rwtab or overlayfs, then the machine's state
    /// (MachineState).
    public func makeWritablePlaces(_ watcher: DeviceWatcher) throws {
        defer { saveLoadedModules(watcher.modules) }
        let options = context.options
        var attach = AttachContext(options: options, watcher: watcher, log: log)
        attach.stage = "overlay"
        var places = WritablePlaces(root: RootStage.target, log: log) { type in
            watcher.modules.loadFilesystem(type, reason: "overlay")
        }
        let config = MachineState.readReadonlyRoot(RootStage.target, log)
        let local = LocalStorage(options: options.state, context: attach)
        var localFacts: HandOffFacts<OverlayEnv> = []
        if let scratch = options.state.scratch ?? config?.rwLabel.map({ .tag(name: "LABEL", value: $0) }),
           let directory = local.attachScratch(scratch) {
            places.scratch = (directory, options.state.keepScratch)
            localFacts.append((.scratch, scratch.description))
        }
        if let swap = options.state.swap { localFacts.append((.swap, local.activateSwap(swap).joined(separator: " "))) }
        // A live root on a device-mapper snapshot is writable already, every change in
        // its copy-on-write store: nothing to add, and its fstab entry may stay.
        let snapshot = HandOff.read(RootEnv.self)?[.liveSnapshot]
        // A live root that DHCP named gets a live root's mode too.
        let mode = snapshot == nil ? options.overlayMode(rootKind: RootKind.fromHandOff()) : .none
        if let snapshot { log.info("overlay", "the root is the writable snapshot \(snapshot): no overlay (rd.live.overlay.overlayfs=1 chooses overlayfs)") }
        if case .live(let spec)? = options.root, mode == .overlayfs, let overlay = spec.persistentOverlay {
            places.persistentOverlay = LivePersistentOverlay(overlay: overlay, liveDirectory: spec.directory, context: attach).attach()
            if places.persistentOverlay != nil { localFacts.append((.liveOverlay, overlay.description)) }
        }
        // The image's identity files, seen before any writable place hides them.
        let shipped = ImageIdentity.scan(RootStage.target)
        if options.state.perMachineIdentity { places.leftOutOfCopies = IdentityFiles.isLeftOutOfCopies }
        let writableRoot = mode == .overlayfs || options.volatile == .yes
        let fstabRoot: Fstab.RootEntry? = options.rootWritable || snapshot != nil ? nil
            : writableRoot || options.root?.needsNetwork == true ? .commentOut : .keepReadOnly
        let facts = try places.apply(mode, sizes: options.tmpfsSizes, volatile: options.volatile,
                                     rootIsUsr: options.rootIsUsr, fstabRoot: fstabRoot)
        context.handOff(facts + localFacts)
        var state = MachineState(places: places, options: options.state, sizes: options.tmpfsSizes, config: config, context: attach)
        state.shipped = shipped
        state.imageView = mode == .overlayfs && options.volatile != .yes ? WritablePlaces.lowerDirectory : nil
        context.handOff(try state.apply())
    }

    public func switchRoot() -> Never {
        let switcher = SwitchRoot(log: log)
        let start = Uptime.now()
        let initPath = context.stage(.switchRoot) { try switcher.prepare(requestedInit: context.options.initPath) }
        context.breakPoint(.switchRoot)
        do {
            try switcher.execute(init: initPath, arguments: context.kernelArguments ?? context.options.initArguments) { facts in
                context.handOff(facts)
                context.record(TimelineEntry(stage: "exec-init", start: start, end: .now(), outcome: "ok"))
                log.info("switch-root", "executing \(initPath) at \(Uptime.now()) s uptime")
                // The root's own modprobe serves the kernel's requests from now on.
                if let saved = context.savedModprobe, (try? Posix.writeFile(ModuleRequests.setting, saved + "\n")) == nil {
                    log.warning("switch-root", "cannot give \(ModuleRequests.setting) back its \(saved); the kernel's module requests fail in the booted system")
                }
                // Last: the booted system gets the kernel's kmsg rate limit back.
                if let saved = context.savedDevkmsg, (try? Posix.writeFile(Self.devkmsgSetting, saved + "\n")) != nil {
                    log.kmsgUnlimited = saved == "on"
                }
            }
        } catch {
            context.fail(.switchRoot, error)
        }
    }

    /// modules.loaded lists every module this boot loaded, one per line, in order.
    func saveLoadedModules(_ loader: ModuleLoader) {
        HandOff.recordLoadedModules(loader.takeUnreported(), log: log)
    }
}
