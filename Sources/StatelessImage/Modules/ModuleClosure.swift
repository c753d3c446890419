/// Where the closure computation learns about modules. The host implementation reads a
/// kernel's module tree (`ModuleTree`); tests use `StaticModuleCatalog`.
public protocol ModuleCatalog {
    /// The path of module `name` relative to `kernel/`, or nil if the tree lacks it.
    func path(ofModule name: String) -> String?
    /// Whether `name` is built into the kernel (listed in modules.builtin).
    func isBuiltin(_ name: String) -> Bool
    /// The `.modinfo` of a module the tree has.
    func info(ofModule name: String) throws -> ModInfo
    /// Modules (by name) that have an alias pattern matching `alias`.
    func modules(matchingAlias alias: String) throws -> [String]
}

/// The modules an image needs: the profile's choice plus everything it depends on.
///
/// booster's lesson: what can be computed when the image is built is not computed at boot.
/// Hard dependencies (`depends=`) must all be present or the module cannot load, so a
/// missing one is an error. Soft dependencies (`softdep=pre:/post:`) name modules or
/// aliases that make a module work well (ext4 wants crc32c); those that resolve in the
/// tree are added, those that do not are reported and skipped — modprobe skips them too.
public struct ModuleClosure: Equatable, Sendable {
    public struct Module: Equatable, Sendable {
        public var name: String
        /// Relative to `lib/modules/VERSION/kernel/`.
        public var path: String
    }

    /// Every module, sorted by path.
    public var modules: [Module]
    /// Modules added by dependencies rather than chosen by the profile, sorted by name.
    public var added: [String]
    /// Soft dependencies that resolved to nothing in the tree, "ext4: pre crc32c".
    public var unresolvedSoftdeps: [String]

    /// Computes the closure of `roots` (module names; '-' and '_' alike).
    public static func compute(roots: [String], catalog: ModuleCatalog) throws -> ModuleClosure {
        var seen = Set<String>()
        var paths: [String: String] = [:]
        var unresolved: [String] = []
        let rootSet = Set(roots.map(ModuleName.normalize))
        var pending = rootSet.sorted()

        while let name = pending.popLast() {
            guard !seen.contains(name) else { continue }
            seen.insert(name)
            guard let path = catalog.path(ofModule: name) else {
                if catalog.isBuiltin(name) { continue }
                throw ImageError("resolve module", name, "not in the module tree and not built into the kernel")
            }
            paths[name] = path
            let info = try catalog.info(ofModule: name)
            for dependency in info.depends where !seen.contains(dependency) {
                guard catalog.path(ofModule: dependency) != nil || catalog.isBuiltin(dependency) else {
                    throw ImageError("resolve module", name, "depends on '\(dependency)', which is neither in the module tree nor built in")
                }
                pending.append(dependency)
            }
            for (kind, targets) in [("pre", info.softdepPre), ("post", info.softdepPost)] {
                for target in targets {
                    let normalized = ModuleName.normalize(target)
                    if catalog.path(ofModule: normalized) != nil {
                        pending.append(normalized)
                        continue
                    }
                    if catalog.isBuiltin(normalized) { continue }
                    let matches = try catalog.modules(matchingAlias: target)
                    if matches.isEmpty {
                        unresolved.append("\(name): \(kind) \(target)")
                    }
                    pending.append(contentsOf: matches.map(ModuleName.normalize))
                }
            }
        }
        let modules = paths.map { Module(name: $0.key, path: $0.value) }.sorted { $0.path < $1.path }
        return ModuleClosure(
            modules: modules,
            added: paths.keys.filter { !rootSet.contains($0) }.sorted(),
            unresolvedSoftdeps: unresolved.sorted())
    }
}

/// An in-memory catalog: module paths with their modinfo. Used by tests and usable by
/// callers that already hold the data.
public struct StaticModuleCatalog: ModuleCatalog {
    public var modules: [String: (path: String, info: ModInfo)]
    public var builtin: Set<String>

    /// `paths` maps a path relative to `kernel/` to that module's info.
    public init(_ paths: [String: ModInfo], builtin: Set<String> = []) {
        var modules: [String: (path: String, info: ModInfo)] = [:]
        for (path, info) in paths {
            guard let name = ModuleName.fromFileName(path) else { continue }
            modules[name] = (path, info)
        }
        self.modules = modules
        self.builtin = Set(builtin.map(ModuleName.normalize))
    }

    public func path(ofModule name: String) -> String? { modules[ModuleName.normalize(name)]?.path }
    public func isBuiltin(_ name: String) -> Bool { builtin.contains(ModuleName.normalize(name)) }

    public func info(ofModule name: String) throws -> ModInfo {
        guard let module = modules[ModuleName.normalize(name)] else {
            throw ImageError("read module info", name, "no such module")
        }
        return module.info
    }

    public func modules(matchingAlias alias: String) throws -> [String] {
        modules.filter { $0.value.info.aliases.contains { AliasPattern.matches($0, alias) } }
            .map(\.key).sorted()
    }
}

/// Module alias patterns are fnmatch(3) globs (`pci:v00008086d*sv*`), matched against
/// the requested name as kmod does. Only `*` and `?` appear in practice; a '[' class is
/// compared literally, which can only make a match fail, never invent one.
public enum AliasPattern {
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        let p = Array(pattern.utf8), s = Array(name.utf8)
        var pi = 0, si = 0
        var starP = -1, starS = 0
        while si < s.count {
            if pi < p.count && (p[pi] == UInt8(ascii: "?") || p[pi] == s[si]) && p[pi] != UInt8(ascii: "*") {
                pi += 1; si += 1
            } else if pi < p.count && p[pi] == UInt8(ascii: "*") {
                starP = pi; starS = si; pi += 1
            } else if starP >= 0 {
                starS += 1; si = starS; pi = starP + 1
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
