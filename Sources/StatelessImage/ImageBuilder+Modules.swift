import Foundation

/// The module half of an image: which modules (a profile, or the running machine's with
/// `--hostonly`), their dependency closure, the firmware they declare, and the depmod
/// indexes that libkmod needs at boot.
extension ImageBuilder {
    /// What `addModules` put in, for the summary.
    struct ModuleContents {
        var closure: ModuleClosure
        var firmware: FirmwareFiles
        var hostOnly: HostOnlySelection?
        /// The modules a boot of this image can have: the image's and the kernel's own.
        var available: (String) -> Bool
    }

    /// Chooses modules, closes over dependencies, lays them out in a staging tree with the
    /// kernel's module lists, and runs the host depmod there: libkmod at boot needs
    /// modules.dep.bin and modules.alias.bin describing exactly this set.
    func addModules(to tree: inout ImageTree, scratch: URL) throws -> ModuleContents {
        let moduleTree = try ModuleTree(sysroot: options.sysroot, version: options.kernelVersion)
        let profileText: String
        do {
            profileText = try String(contentsOfFile: options.profile, encoding: .utf8)
        } catch {
            throw ImageError("read module profile", options.profile, error.localizedDescription)
        }
        let profile = try ModuleProfile.parse(profileText, source: options.profile)
        let roots: [String]
        var hostOnly: HostOnlySelection?
        if let system = options.hostOnly {
            let index = try KmodIndex(directory: moduleTree.directory.path)
            let selection = try HostOnlySelection.choose(system: system, filter: profile, catalog: moduleTree,
                                                         resolve: index.modules(forAlias:))
            roots = selection.modules
            hostOnly = selection
        } else {
            roots = try profile.select(from: moduleTree.allPaths).compactMap(ModuleName.fromFileName)
        }
        let closure = try ModuleClosure.compute(roots: roots, catalog: moduleTree)

        let staging = scratch.appendingPathComponent("modules")
        let versionDirectory = staging.appendingPathComponent("lib/modules/\(options.kernelVersion)")
        let manager = FileManager.default
        do {
            for module in closure.modules {
                let target = versionDirectory.appendingPathComponent("kernel").appendingPathComponent(module.path)
                try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try manager.copyItem(at: moduleTree.directory.appendingPathComponent("kernel").appendingPathComponent(module.path)
                                        .resolvingSymlinksInPath(), to: target)
            }
            for list in ["modules.builtin", "modules.builtin.modinfo"] {
                let source = moduleTree.directory.appendingPathComponent(list)
                if manager.fileExists(atPath: source.path) {
                    try manager.copyItem(at: source, to: versionDirectory.appendingPathComponent(list))
                }
            }
            // modules.order lists all ~4000 modules of the kernel (160 KB); only the lines
            // for modules in the image are kept, in the kernel's order, which depmod uses
            // to rank modules that claim the same alias.
            let order = moduleTree.directory.appendingPathComponent("modules.order")
            if let text = try? String(contentsOf: order, encoding: .utf8) {
                let kept = Set(closure.modules.map { "kernel/" + $0.path })
                let lines = text.split(whereSeparator: \.isNewline).filter { kept.contains(String($0)) }
                try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: versionDirectory.appendingPathComponent("modules.order"))
            }
        } catch {
            throw ImageError("stage modules", versionDirectory.path, error.localizedDescription)
        }
        try compressModules(closure.modules, in: versionDirectory.appendingPathComponent("kernel"))
        try HostCommand.run(["depmod", "-b", staging.path, options.kernelVersion])
        try HostFiles.addTree(versionDirectory.path, to: &tree, prefix: "lib/modules/\(options.kernelVersion)")

        let firmware = try addFirmware(of: closure, catalog: moduleTree, to: &tree)
        let names = Set(closure.modules.map { ModuleName.normalize($0.name) })
        return ModuleContents(closure: closure, firmware: firmware, hostOnly: hostOnly) { module in
            names.contains(ModuleName.normalize(module)) || moduleTree.isBuiltin(module)
        }
    }

    /// Compresses the staged module files in place (`moduleCompression`), each format in
    /// one batch per processor; files the kernel package already compressed stay as they are.
    func compressModules(_ modules: [ModuleClosure.Module], in kernelDirectory: URL) throws {
        var batches: [(ModuleCompression.Format, [String])] = []
        for format in [ModuleCompression.Format.zstd, .xz] {
            let files = modules.filter { $0.path.hasSuffix(".ko") && options.moduleCompression.format(forModuleAt: $0.path) == format }
                .map { kernelDirectory.appendingPathComponent($0.path).path }
            let count = max(1, min(ProcessInfo.processInfo.activeProcessorCount, files.count))
            batches += (0..<count).map { batch in (format, stride(from: batch, to: files.count, by: count).map { files[$0] }) }.filter { !$0.1.isEmpty }
        }
        let failures = Failures()
        let work = batches
        DispatchQueue.concurrentPerform(iterations: work.count) { index in
            let (format, files) = work[index]
            do {
                try HostCommand.run(format.command(files))
            } catch {
                failures.add(error as? ImageError ?? ImageError("compress modules", files.first ?? "", "\(error)"))
            }
        }
        if let failure = failures.first { throw failure }
    }

    /// The errors of concurrent batches.
    private final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var errors: [ImageError] = []
        func add(_ error: ImageError) { lock.withLock { errors.append(error) } }
        var first: ImageError? { lock.withLock { errors.first } }
    }

    /// Adds the firmware files the closure's modules declare and the host has.
    func addFirmware(of closure: ModuleClosure, catalog: ModuleCatalog, to tree: inout ImageTree) throws -> FirmwareFiles {
        var requests: [(module: String, name: String)] = []
        for module in closure.modules {
            requests += try catalog.info(ofModule: module.name).firmware.map { (module.name, $0) }
        }
        let firmware = FirmwareFiles.locate(requests, roots: FirmwareFiles.searchRoots(sysroot: options.sysroot),
                                            kernelVersion: options.kernelVersion) { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        for file in firmware.found {
            try tree.add(.file(file.imagePath, permissions: 0o644, contents: HostFiles.contents(file.hostPath)))
        }
        return firmware
    }
}
