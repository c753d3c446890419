import CKmod
import Glibc
import StatelessCore
import StatelessProtocols

/// Loads kernel modules through libkmod: for a device's modalias, for a filesystem
/// (`fs-ext4`), or by name. Dependencies and soft dependencies come from the image's
/// modules.dep(.bin) that the image builder generated; nothing is computed here that the
/// builder could compute.
///
/// Loads run in `concurrentLoads` worker processes at once, in the order and pairing
/// `ModuleLoadQueue` decides: `request` queues and returns (coldplug, device events, what
/// the root will need while the network comes up), `load` waits for its own modules (a
/// filesystem's before its mount). Whoever waits for anything — `DeviceWatcher`, the
/// DHCP race — polls `descriptors` too and calls `collect`, which records what ended and
/// starts what may start.
///
/// Every module that becomes live because of a request is logged and remembered in
/// order, so the boot can report exactly what *we* loaded.
public final class ModuleLoader {
    private let context: OpaquePointer
    private let blacklist: Set<String>
    /// Seconds one module's initialisation may take (`stateless.module-timeout`).
    private let timeoutSeconds: Int
    private let log: Logger
    /// Aliases already requested: coldplug and uevents repeat them a lot.
    private var seenAliases: Set<String> = []
    /// Modules this process loaded, in the order they became live.
    public private(set) var loaded: [String] = []
    /// Live modules already accounted for: loaded before us, or listed in `loaded`.
    private var accounted: Set<String>
    /// Makes the calls that can hang in the kernel for the stages: the mounts.
    public let kernelCalls: KernelWorker
    /// The workers that insert modules, one load each at a time.
    private let workers: [KernelWorker]
    private var queue: ModuleLoadQueue
    /// The load each busy worker makes, by worker index.
    private var inFlight: [Int: Load] = [:]

    private struct Load {
        var job: ModuleLoadQueue.Job
        var start: Uptime
        var descriptor: CInt
        var progress: WaitProgress
    }

    /// Loads at once: more than this machine's processors, since a driver's probe mostly
    /// waits for its hardware; udev's default is of the same order.
    public static let concurrentLoads = 4

    /// - Parameter directory: the modules directory; nil means /lib/modules/$(uname -r).
    public init(directory: String? = nil, blacklist: [String], timeoutSeconds: Int = 60, log: Logger) throws {
        if directory == nil, let mismatch = KernelRelease.imageMismatch() {
            throw BootError("load modules for", "kernel \(mismatch.running)", detail: mismatch.detail)
        }
        guard let context = kmod_new(directory, nil) else {
            throw BootError("open", directory ?? "/lib/modules/<running kernel>", errno: Posix.lastErrno,
                            detail: "libkmod could not start")
        }
        let status = kmod_load_resources(context)
        if status < 0 {
            kmod_unref(context)
            throw BootError("load module indexes", directory ?? "/lib/modules/<running kernel>",
                            errno: .init(rawValue: -status), detail: "is modules.dep.bin in the image?")
        }
        self.context = context
        self.blacklist = Set(blacklist.map(ModuleName.normalized))
        self.timeoutSeconds = timeoutSeconds
        self.log = log
        accounted = Set(Self.liveModules())
        let insert: ([UInt8]) -> CInt = { name in Self.insert(String(decoding: name, as: UTF8.self), in: context) }
        kernelCalls = KernelWorker(insert)
        workers = (0..<Self.concurrentLoads).map { _ in KernelWorker(insert) }
        queue = ModuleLoadQueue(slots: Self.concurrentLoads)
    }

    deinit { kmod_unref(context) }

    /// In the worker: the module and what it depends on, as modprobe inserts them; 0 or
    /// libkmod's negative errno.
    private static func insert(_ name: String, in context: OpaquePointer) -> CInt {
        var module: OpaquePointer?
        let found = kmod_module_new_from_name(context, name, &module)
        guard found >= 0, let module else { return found < 0 ? found : -ENOENT }
        defer { kmod_module_unref(module) }
        return kmod_module_probe_insert_module(module, UInt32(KMOD_PROBE_APPLY_BLACKLIST.rawValue), nil, nil, nil, nil)
    }

    private var reportedCount = 0

    /// The names loaded since the last call: for appending to modules.loaded, each once.
    public func takeUnreported() -> [String] {
        defer { reportedCount = loaded.count }
        return Array(loaded[reportedCount...])
    }

    // MARK: Requests

    /// Queues what serves `alias` (a modalias, `fs-TYPE` or a module name) and returns at
    /// once; an alias already requested is not looked up again. Failures are logged when
    /// the load ends, not thrown: one driver that does not load must not stop the boot.
    public func request(alias: String, reason: String, rank: Int) {
        guard seenAliases.insert(alias).inserted else { return }
        for job in jobs(serving: alias, reason: reason, rank: rank) { queue.add(job) }
        dispatch()
    }

    /// Loads what serves `alias` and returns when those modules are live or their loads
    /// ended (other loads go on meanwhile). Live is enough: the kernel may hold the
    /// insertion's return until every asynchronous probe has ended, an IDE bus scan's
    /// among them, while what the module registers (a filesystem type) is usable.
    public func load(alias: String, reason: String) {
        seenAliases.insert(alias)
        let names = jobs(serving: alias, reason: reason, rank: ModuleLoadQueue.urgent).map { job in
            queue.add(job)
            return job.name
        }
        dispatch()
        while names.contains(where: { queue.isPending($0) && !isLive($0) }) { collect(waitingUpTo: 250) }
    }

    /// Loads the module for a filesystem type, by the alias the kernel itself would ask
    /// modprobe for (`fs-ext4`, `fs-overlay`).
    public func loadFilesystem(_ type: String, reason: String) {
        load(alias: "fs-" + type, reason: reason)
    }

    /// Loads what serves `alias` and says whether a module serving it is now in the
    /// kernel (loaded or built in): the answer `modprobe` owes the kernel.
    public func ensureLive(alias: String, reason: String) -> Bool {
        load(alias: alias, reason: reason)
        return withModules(serving: alias) { modules in
            modules.contains { module in
                let state = kmod_module_get_initstate(module)
                return state == CInt(KMOD_MODULE_BUILTIN.rawValue) || state == CInt(KMOD_MODULE_LIVE.rawValue)
                    || state == CInt(KMOD_MODULE_COMING.rawValue)
            }
        }
    }

    /// Whether the module `name` is in the kernel and its init has returned.
    private func isLive(_ name: String) -> Bool {
        var module: OpaquePointer?
        guard kmod_module_new_from_name(context, name, &module) >= 0, let module else { return false }
        defer { kmod_module_unref(module) }
        return kmod_module_get_initstate(module) == CInt(KMOD_MODULE_LIVE.rawValue)
    }

    /// Whether a module in this image serves `alias` (loaded or not).
    public func serves(_ alias: String) -> Bool {
        withModules(serving: alias) { !$0.isEmpty }
    }

    /// Waits until every queued load has ended, or `deadline` passes (each load has its
    /// own bound too): before switch-root, and for `udevadm settle`'s part of the
    /// `modules` applet.
    public func finishLoads(until deadline: Uptime) {
        while !queue.isIdle && deadline.millisecondsLeft() > 0 {
            collect(waitingUpTo: min(250, deadline.millisecondsLeft()))
        }
    }

    public var isIdle: Bool { queue.isIdle }

    /// The loads for `alias`: its modules that are not blacklisted, live or built in (or
    /// that are queued already: `ModuleLoadQueue.add` keeps one of each).
    private func jobs(serving alias: String, reason: String, rank: Int) -> [ModuleLoadQueue.Job] {
        withModules(serving: alias) { modules in
            modules.compactMap { module in
                let name = kmod_module_get_name(module).map { String(cString: $0) } ?? alias
                if blacklist.contains(ModuleName.normalized(name)) {
                    log.info("modules", "not loading \(name) for \(alias): blacklisted (modprobe.blacklist=, rd.driver.blacklist=)")
                    return nil
                }
                // Already live, coming or built in; one a worker of ours is loading (coming)
                // stays in, so that `load` waits for it.
                if kmod_module_get_initstate(module) >= 0 && !queue.isPending(name) { return nil }
                return ModuleLoadQueue.Job(name: name, dependencies: Self.dependencies(of: module), alias: alias, reason: reason, rank: rank)
            }
        }
    }

    /// The modules for `alias` that libkmod finds (a modalias, `fs-TYPE` or a name),
    /// valid only inside `body`.
    private func withModules<T>(serving alias: String, _ body: ([OpaquePointer]) -> T) -> T {
        var list: OpaquePointer?
        guard kmod_module_new_from_lookup(context, alias, &list) >= 0, let list else { return body([]) }
        defer { kmod_module_unref_list(list) }
        let modules = Self.modules(of: list)
        defer { modules.forEach { kmod_module_unref($0) } }
        return body(modules)
    }

    private static func modules(of list: OpaquePointer) -> [OpaquePointer] {
        var modules: [OpaquePointer] = []
        var node: OpaquePointer? = list
        while let current = node {
            if let module = kmod_module_get_module(current) { modules.append(module) }
            node = kmod_list_next(list, current)
        }
        return modules
    }

    /// modules.dep's list for `module`: what its insertion inserts first.
    private static func dependencies(of module: OpaquePointer) -> [String] {
        guard let list = kmod_module_get_dependencies(module) else { return [] }
        defer { kmod_module_unref_list(list) }
        let modules = Self.modules(of: list)
        defer { modules.forEach { kmod_module_unref($0) } }
        return modules.compactMap { kmod_module_get_name($0).map { String(cString: $0) } }
    }

    // MARK: Workers

    /// The descriptors of the loads in progress: readable when one has ended. A caller
    /// that polls them calls `collect` afterwards.
    public var descriptors: [CInt] { inFlight.values.map(\.descriptor) }

    /// Records the loads that ended (waiting up to `milliseconds` for one), gives up on
    /// those past their bound, and starts what may start.
    public func collect(waitingUpTo milliseconds: Int = 0) {
        let busy = inFlight.sorted { $0.key < $1.key }
        if !busy.isEmpty {
            let ready = (try? Poll.wait(busy.map { ($0.value.descriptor, Poll.input) }, milliseconds: milliseconds))
                ?? busy.map { _ in Int16(0) }
            for ((index, load), events) in zip(busy, ready) {
                if events != 0 {
                    end(index, status: Result { try workers[index].answer(what: Self.what(load.job)) })
                } else if load.start.adding(milliseconds: timeoutSeconds * 1000).millisecondsLeft() == 0 {
                    let error = workers[index].abandonCall(what: Self.what(load.job), seconds: timeoutSeconds, option: "stateless.module-timeout=")
                    end(index, status: .failure(error))
                } else {
                    inFlight[index]?.progress.tick()
                }
            }
        }
        dispatch()
    }

    private static func what(_ job: ModuleLoadQueue.Job) -> String { "module \(job.name) to initialise" }

    private func dispatch() {
        while let index = workers.indices.first(where: { inFlight[$0] == nil }), let job = queue.next(isLive: isLive) {
            do {
                let descriptor = try workers[index].begin(Array(job.name.utf8), what: Self.what(job))
                let progress = WaitProgress(what: Self.what(job), seconds: timeoutSeconds, option: "stateless.module-timeout=",
                                            stage: "modules", log: log)
                inFlight[index] = Load(job: job, start: .now(), descriptor: descriptor, progress: progress)
            } catch {
                log.warning("modules", "\(error) (for \(job.alias)); the boot goes on without it")
                queue.finish(job.name)
            }
        }
    }

    /// One load ended: its failure logged, the modules that became live for it recorded.
    private func end(_ index: Int, status: Result<CInt, Error>) {
        guard let load = inFlight.removeValue(forKey: index) else { return }
        let job = load.job
        queue.finish(job.name)
        var outcome = "failed"
        switch status {
        case .failure(let error):
            // A driver's init can hang on broken hardware; the boot goes on without it.
            log.warning("modules", "\(error) (for \(job.alias)); the boot goes on without it")
            if (error as? BootError)?.errno == .timedOut { outcome = "timeout" }
        case .success(let status) where status < 0:
            log.warning("modules", BootError("load module", job.name, errno: .init(rawValue: -status), detail: "for \(job.alias)").description)
        case .success:
            outcome = "ok"
        }
        log.span(.module(job.name, start: load.start, end: .now(), outcome: outcome, reason: "\(job.reason): \(job.alias)"))
        // What became live is this load's, unless another load in progress inserts it.
        let others = queue.modulesInFlight
        let became = Self.liveModules().reversed().filter { !accounted.contains($0) && !others.contains($0) }
        for name in became {
            log.info("modules", "loaded \(name) (\(job.reason): \(job.alias))")
            loaded.append(name)
            accounted.insert(name)
        }
    }

    /// Names of the live modules in /proc/modules, newest first as the kernel lists them
    /// (one still initialising is not live yet).
    static func liveModules() -> [String] {
        guard let text = try? Posix.readText("/proc/modules") else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard let name = fields.first, fields.count < 5 || fields[4] == "Live" else { return nil }
            return String(name)
        }
    }
}
