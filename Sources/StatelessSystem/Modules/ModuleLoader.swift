import CKmod
import Glibc
import StatelessCore
import StatelessProtocols

/// Loads kernel modules through libkmod: for a device's modalias, for a filesystem
/// (`fs-ext4`), or by name. Dependencies and soft dependencies come from the image's
/// modules.dep(.bin) that the image builder generated; nothing is computed here that the
/// builder could compute.
///
/// Every module that becomes live because of a request is logged and remembered in
/// order, so the boot can report exactly what *we* loaded.
public final class ModuleLoader {
    private let context: OpaquePointer
    private let blacklist: Set<String>
    /// Seconds one module's initialisation may take (`stateless.module-timeout`).
    private let timeoutSeconds: Int
    private let log: Logger
    /// Aliases already handled: coldplug and uevents repeat them a lot.
    private var seenAliases: Set<String> = []
    /// Modules this process loaded, in load order.
    public private(set) var loaded: [String] = []
    /// Makes the calls that can hang in a driver: each module's insertion (by name, with
    /// its dependencies, in the worker's copy of the libkmod context), and the mounts of
    /// the root stage.
    public let kernelCalls: KernelWorker

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
        kernelCalls = KernelWorker { name in Self.insert(String(decoding: name, as: UTF8.self), in: context) }
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

    /// Loads whatever serves `alias` (a modalias, `fs-TYPE` or a module name).
    /// Returns the names of the modules that became live; failures are logged, not thrown:
    /// one driver that does not load must not stop the boot.
    @discardableResult
    public func load(alias: String, reason: String) -> [String] {
        guard seenAliases.insert(alias).inserted else { return [] }
        return withModules(serving: alias) { modules in
            modules.flatMap { insert($0, alias: alias, reason: reason) }
        }
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

    /// The modules libkmod finds for `alias` (a modalias, `fs-TYPE` or a name), valid
    /// only inside `body`.
    private func withModules<T>(serving alias: String, _ body: ([OpaquePointer]) -> T) -> T {
        var list: OpaquePointer?
        guard kmod_module_new_from_lookup(context, alias, &list) >= 0, let list else { return body([]) }
        defer { kmod_module_unref_list(list) }
        var modules: [OpaquePointer] = []
        var node: OpaquePointer? = list
        while let current = node {
            if let module = kmod_module_get_module(current) { modules.append(module) }
            node = kmod_list_next(list, current)
        }
        defer { modules.forEach { kmod_module_unref($0) } }
        return body(modules)
    }

    /// Loads the module for a filesystem type, by the alias the kernel itself would ask
    /// modprobe for (`fs-ext4`, `fs-overlay`).
    @discardableResult
    public func loadFilesystem(_ type: String, reason: String) -> [String] {
        load(alias: "fs-" + type, reason: reason)
    }

    private func insert(_ module: OpaquePointer, alias: String, reason: String) -> [String] {
        let name = kmod_module_get_name(module).map { String(cString: $0) } ?? alias
        if blacklist.contains(ModuleName.normalized(name)) {
            log.info("modules", "not loading \(name) for \(alias): blacklisted (modprobe.blacklist=, rd.driver.blacklist=)")
            return []
        }
        if kmod_module_get_initstate(module) >= 0 { return [] }  // already live or built in
        let before = Set(Self.liveModules())
        let status: CInt
        do {
            // A driver's init can hang on broken hardware; the boot must not hang with it.
            status = try kernelCalls.call(Array(name.utf8), what: "module \(name) to initialise", seconds: timeoutSeconds,
                                          option: "stateless.module-timeout=", stage: "modules", log: log)
        } catch {
            log.warning("modules", "\(error) (for \(alias)); the boot goes on without it")
            return []
        }
        if status < 0 {
            let error = BootError("load module", name, errno: .init(rawValue: -status), detail: "for \(alias)")
            log.warning("modules", error.description)
            return []
        }
        let became = Self.liveModules().filter { !before.contains($0) }.reversed()
        for loadedName in became {
            log.info("modules", "loaded \(loadedName) (\(reason): \(alias))")
            loaded.append(loadedName)
        }
        return Array(became)
    }

    /// Names in /proc/modules, newest first as the kernel lists them.
    static func liveModules() -> [String] {
        guard let text = try? Posix.readText("/proc/modules") else { return [] }
        return text.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
    }
}
