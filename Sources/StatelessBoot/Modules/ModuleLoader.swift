import CKmod
import Glibc

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
    private let log: Logger
    /// Aliases already handled: coldplug and uevents repeat them a lot.
    private var seenAliases: Set<String> = []
    /// Modules this process loaded, in load order.
    public private(set) var loaded: [String] = []

    /// - Parameter directory: the modules directory; nil means /lib/modules/$(uname -r).
    public init(directory: String? = nil, blacklist: [String], log: Logger) throws {
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
        self.log = log
    }

    deinit { kmod_unref(context) }

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
        var list: OpaquePointer?
        let found = kmod_module_new_from_lookup(context, alias, &list)
        guard found >= 0, let list else { return [] }
        defer { kmod_module_unref_list(list) }

        var became: [String] = []
        var node: OpaquePointer? = list
        while let current = node {
            if let module = kmod_module_get_module(current) {
                became += insert(module, alias: alias, reason: reason)
                kmod_module_unref(module)
            }
            node = kmod_list_next(list, current)
        }
        return became
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
        let status = kmod_module_probe_insert_module(
            module, UInt32(KMOD_PROBE_APPLY_BLACKLIST.rawValue), nil, nil, nil, nil)
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
