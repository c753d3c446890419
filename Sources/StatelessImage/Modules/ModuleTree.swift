import Foundation

/// A kernel's module tree on the host: `SYSROOT/lib/modules/VERSION/`.
///
/// Works on an extracted kernel package as well as on an installed kernel, because it
/// reads each module's own `.modinfo` rather than modules.dep (which extracted packages
/// lack). Module info is read on demand and cached; alias lookup, needed only when a soft
/// dependency names an alias rather than a module, reads every module once.
public final class ModuleTree: ModuleCatalog {
    /// `SYSROOT/lib/modules/VERSION`.
    public let directory: URL
    public let version: String
    /// Module name → path relative to `kernel/`.
    public private(set) var paths: [String: String] = [:]
    /// Names listed in modules.builtin.
    public private(set) var builtin: Set<String> = []

    private var infoCache: [String: ModInfo] = [:]
    private var aliasTable: [(name: String, alias: String)]?

    public init(sysroot: String, version: String) throws {
        self.version = version
        directory = URL(fileURLWithPath: sysroot).appendingPathComponent("lib/modules/\(version)")
        let kernel = directory.appendingPathComponent("kernel")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: kernel.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ImageError("open module tree", kernel.path, "no such directory (is the kernel version right, and --sysroot where the package is extracted?)")
        }
        guard let enumerator = FileManager.default.enumerator(atPath: kernel.path) else {
            throw ImageError("open module tree", kernel.path, "cannot list directory")
        }
        var relativePaths: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if ModuleName.fromFileName(relative) != nil { relativePaths.append(relative) }
        }
        // Sorted so that if two files claim one name, the choice is the same every build.
        for relative in relativePaths.sorted() {
            guard let name = ModuleName.fromFileName(relative), paths[name] == nil else { continue }
            paths[name] = relative
        }
        let builtinFile = directory.appendingPathComponent("modules.builtin")
        if let text = try? String(contentsOf: builtinFile, encoding: .utf8) {
            builtin = Set(text.split(whereSeparator: \.isNewline).compactMap { ModuleName.fromFileName(String($0)) })
        }
    }

    /// All module paths relative to `kernel/`, sorted: what a profile selects from.
    public var allPaths: [String] { paths.values.sorted() }

    public func path(ofModule name: String) -> String? { paths[ModuleName.normalize(name)] }
    public func isBuiltin(_ name: String) -> Bool { builtin.contains(ModuleName.normalize(name)) }

    public func info(ofModule name: String) throws -> ModInfo {
        let name = ModuleName.normalize(name)
        if let cached = infoCache[name] { return cached }
        guard let relative = paths[name] else {
            throw ImageError("read module info", name, "no such module in \(directory.path)")
        }
        let info = try Self.readInfo(directory.appendingPathComponent("kernel").appendingPathComponent(relative).path)
        infoCache[name] = info
        return info
    }

    public func modules(matchingAlias alias: String) throws -> [String] {
        if aliasTable == nil {
            var table: [(String, String)] = []
            for name in paths.keys.sorted() {
                for pattern in try info(ofModule: name).aliases { table.append((name, pattern)) }
            }
            aliasTable = table
        }
        let matches = (aliasTable ?? []).filter { AliasPattern.matches($0.alias, alias) }.map(\.name)
        return Array(Set(matches)).sorted()
    }

    /// Reads `.modinfo` from a module file; compressed modules are decompressed by the
    /// host tool first (their ELF sections are not reachable otherwise).
    public static func readInfo(_ path: String) throws -> ModInfo {
        let decompressor: [String]?
        if path.hasSuffix(".ko.xz") {
            decompressor = ["xz", "-dc", path]
        } else if path.hasSuffix(".ko.zst") {
            decompressor = ["zstd", "-dcq", path]
        } else if path.hasSuffix(".ko.gz") {
            decompressor = ["gzip", "-dc", path]
        } else {
            decompressor = nil
        }
        do {
            let bytes: [UInt8]?
            if let decompressor {
                bytes = try ElfSections.contents(ofSectionNamed: ".modinfo", in: [UInt8](HostCommand.run(decompressor)))
            } else {
                bytes = try ElfSections.contents(ofSectionNamed: ".modinfo", in: FileByteSource(path: path))
            }
            guard let bytes else {
                throw ImageError("read module info", path, "the module has no .modinfo section")
            }
            return ModInfo.parse(bytes)
        } catch let error as ImageError where error.object.isEmpty {
            // The pure ELF reader does not know the file name; attach it here.
            throw ImageError(error.operation, path, error.reason)
        }
    }
}
