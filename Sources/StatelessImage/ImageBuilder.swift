import Foundation
import StatelessCore

/// Builds a standalone initramfs: the early-boot binary as /init, its shared libraries,
/// the kernel modules of a profile (or of the running machine) with their dependency
/// closure, firmware and depmod indexes, the device nodes the kernel needs before
/// devtmpfs, and the skeleton tree.
///
/// The layout is assembled in memory as an `ImageTree` and written by our own newc
/// writer, so ownership (root), modes and device numbers are exact without root
/// privileges, and the same inputs give the same bytes.
public struct ImageBuilder {
    public struct Options: Sendable {
        public var kernelVersion: String
        public var sysroot: String = "/"
        /// The multi-call early-boot binary; copied stripped to /init.
        public var binary: String
        public var output: String
        public var compression: ImageCompression = .zstd
        /// How each module file is compressed inside the image.
        public var moduleCompression: ModuleCompression = .mixed
        /// A profile file path: the modules to include, or with `hostOnly` the classes of
        /// module the machine's own may come from.
        public var profile: String
        /// nil: the profile chooses the modules. A snapshot of the running machine: its
        /// modules go in, as far as the profile admits them (see HostOnlySelection).
        public var hostOnly: RunningSystem?
        /// An optional static busybox, installed as /bin/busybox with /bin/sh.
        public var shell: String?
        /// The skeleton tree copied into the image (its `modules/` folder excepted).
        public var skeleton: String?
        /// Replacement shared libraries preferred over the system's (see ElfDependencies).
        public var libraryDirectory: String?
        /// For https:// live roots: OpenSSL and these CA certificates go in (TLSFiles).
        public var httpsCACertificates: String?
        /// Release keys (`KEY.pub` files) the image trusts; with any, libhogweed goes in
        /// to check release signatures (ReleaseKey).
        public var trustedKeys: [String] = []

        public init(kernelVersion: String, binary: String, output: String, profile: String) {
            self.kernelVersion = kernelVersion
            self.binary = binary
            self.output = output
            self.profile = profile
        }
    }

    public struct Summary: Sendable {
        public var entries: Int
        public var files: Int
        public var modules: Int
        public var modulesAdded: [String]
        public var unresolvedSoftdeps: [String]
        /// Firmware files included.
        public var firmwareFiles: Int
        /// Firmware the modules declare that the host does not have, `NAME (MODULE)`.
        public var missingFirmware: [String]
        /// What `--hostonly` chose, and from where.
        public var hostOnly: HostOnlySelection?
        public var libraries: Int
        public var uncompressedBytes: Int
        public var compressedBytes: Int
        public var compression: ImageCompression
    }

    /// The folder of the skeleton that holds module profiles; not copied into images.
    public static let profileFolder = "modules"

    public var options: Options

    public init(_ options: Options) {
        self.options = options
    }

    public func build(log: (String) -> Void = { _ in }) throws -> Summary {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("mkstateless-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        } catch {
            throw ImageError("create scratch directory", scratch.path, error.localizedDescription)
        }
        defer { try? FileManager.default.removeItem(at: scratch) }

        var tree = ImageTree()
        try Self.addBaseLayout(to: &tree)

        // /init: the binary, stripped of symbols it never needs at boot.
        let stripped = scratch.appendingPathComponent("init")
        try HostCommand.run(["strip", "-o", stripped.path, options.binary])
        try tree.add(.file("init", permissions: 0o755, contents: HostFiles.contents(stripped.path)))
        try Self.addInitLinks(to: &tree)

        let contents = try addModules(to: &tree, scratch: scratch)
        let closure = contents.closure
        log("modules: \(closure.modules.count) (\(closure.added.count) pulled in as dependencies)")
        log("firmware: \(contents.firmware.found.count) files, \(contents.firmware.missing.count) not on this host")
        for name in contents.firmware.missing {
            log("firmware not on this host, skipped: \(name)")
        }

        var libraries = try ElfDependencies.resolve(binary: options.binary, libraryDirectory: options.libraryDirectory)
        /// Adds what a dlopen'd library brings that the image does not hold yet.
        func add(_ more: [ElfDependencies.Library]) {
            libraries += more.filter { library in !libraries.contains { $0.imagePath == library.imagePath } }
        }
        for wanted in ImageLayout.onDemandLibraries {
            guard contents.available(wanted.module) else {
                log("\(wanted.soname): left out, the image has no \(wanted.module) module for \(wanted.purpose)")
                continue
            }
            let opened = try ElfDependencies.dlopened(wanted.soname, besides: libraries, libraryDirectory: options.libraryDirectory,
                                                      purpose: "add the library of \(wanted.purpose)", package: wanted.package)
            add(opened)
        }
        if let certificates = options.httpsCACertificates {
            let tls = try TLSFiles.libraries(besides: libraries, libraryDirectory: options.libraryDirectory)
            add(tls)
            try tree.add(.file(TLSFiles.caCertificatesImagePath, permissions: 0o644, contents: TLSFiles.caCertificates(certificates)))
            log("https: \(tls.map(\.imagePath).joined(separator: " ")), CA certificates from \(certificates)")
        }
        if !options.trustedKeys.isEmpty {
            let signatures = try ElfDependencies.dlopened("libhogweed.so.6", besides: libraries, libraryDirectory: options.libraryDirectory,
                                                          purpose: "add signature libraries", package: "nettle (Debian: libhogweed6)")
            add(signatures)
            for key in options.trustedKeys {
                let bytes = try ReleaseKey.readHalf(key, what: "public key")
                let name = ((key as NSString).lastPathComponent as NSString).deletingPathExtension
                try tree.add(.file("\(ReleaseKey.trustedDirectory)/\(name).pub", permissions: 0o644, contents: Array((HexDigest.text(bytes) + "\n").utf8)))
            }
            log("trust: \(options.trustedKeys.joined(separator: " ")); \(signatures.map(\.imagePath).joined(separator: " "))")
        }
        for library in libraries {
            try tree.add(.file(library.imagePath, permissions: 0o755, contents: HostFiles.contents(library.hostPath)))
        }
        log("libraries: \(libraries.count)")

        if let shell = options.shell {
            try tree.add(.file("bin/busybox", permissions: 0o755, contents: HostFiles.contents(shell)))
            try tree.add(.symlink("bin/sh", target: "busybox"))
        }
        if let skeleton = options.skeleton {
            try HostFiles.addTree(skeleton, to: &tree, skipping: [Self.profileFolder])
        }

        let archive = try NewcWriter().encode(tree.sortedEntries)
        let raw = scratch.appendingPathComponent("image.cpio")
        do {
            try Data(archive).write(to: raw)
        } catch {
            throw ImageError("write archive", raw.path, error.localizedDescription)
        }
        // Written next to the target and renamed, so a failed build never leaves a
        // half-written image where a boot loader would pick it up.
        let output = URL(fileURLWithPath: options.output)
        let partial = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).partial")
        try options.compression.compress(input: raw, output: partial)
        let compressedBytes: Int
        do {
            if FileManager.default.fileExists(atPath: output.path) {
                try FileManager.default.removeItem(at: output)
            }
            try FileManager.default.moveItem(at: partial, to: output)
            compressedBytes = (try FileManager.default.attributesOfItem(atPath: output.path)[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw ImageError("write image", output.path, error.localizedDescription)
        }
        let files = tree.sortedEntries.filter { if case .regularFile = $0.kind { return true } else { return false } }.count
        return Summary(entries: tree.count, files: files, modules: closure.modules.count,
                       modulesAdded: closure.added, unresolvedSoftdeps: closure.unresolvedSoftdeps,
                       firmwareFiles: contents.firmware.found.count, missingFirmware: contents.firmware.missing,
                       hostOnly: contents.hostOnly, libraries: libraries.count, uncompressedBytes: archive.count,
                       compressedBytes: compressedBytes, compression: options.compression)
    }

    /// Directories and device nodes the kernel and /init need before devtmpfs and
    /// /proc are mounted: the kernel opens /dev/console for init's stdio, and early
    /// messages go to /dev/kmsg.
    public static func addBaseLayout(to tree: inout ImageTree) throws {
        for directory in ["dev", "proc", "sys", "run", "sysroot", "etc", "usr/bin"] {
            try tree.add(.directory(directory))
        }
        try tree.add(.directory("tmp", permissions: 0o1777))
        try tree.add(.characterDevice("dev/console", permissions: 0o600, major: 5, minor: 1))
        try tree.add(.characterDevice("dev/null", permissions: 0o666, major: 1, minor: 3))
        try tree.add(.characterDevice("dev/kmsg", permissions: 0o644, major: 1, minor: 11))
    }

    /// Names under which the multi-call /init is reached after the boot has started:
    /// `stateless APPLET` for scripts and dracut hooks, and the helper PID 1 registers
    /// for the kernel's own module requests (request_module: fs-TYPE, crypto algorithms,
    /// net-pf-N), so they are served from the image (ImageLayout).
    public static let initLinks = [ImageLayout.appletLink, ImageLayout.modprobeHelper].map { String($0.dropFirst()) }

    public static func addInitLinks(to tree: inout ImageTree) throws {
        for link in initLinks {
            try tree.add(.symlink(link, target: "/init"))
        }
    }

    /// Finds the default skeleton: `Initramfs/` in the current directory, else where
    /// `make install` put it (`PREFIX/share/stateless/Initramfs` beside `PREFIX/bin`), else
    /// in the package root above the running executable (`.build/<config>/mkstateless`).
    public static func defaultSkeleton(executable: String) -> String? {
        let manager = FileManager.default
        var directory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        var candidates = [manager.currentDirectoryPath + "/Initramfs",
                          directory.deletingLastPathComponent().appendingPathComponent("share/stateless/Initramfs").path]
        for _ in 0..<5 {
            candidates.append(directory.appendingPathComponent("Initramfs").path)
            directory = directory.deletingLastPathComponent()
        }
        return candidates.first { path in
            var isDirectory: ObjCBool = false
            return manager.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }

    /// Resolves `--profile`: an existing path, else a name looked up as
    /// `SKELETON/modules/NAME.profile`.
    public static func resolveProfile(_ nameOrPath: String, skeleton: String?) throws -> String {
        let manager = FileManager.default
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".profile") {
            guard manager.fileExists(atPath: nameOrPath) else {
                throw ImageError("find module profile", nameOrPath, "no such file")
            }
            return nameOrPath
        }
        guard let skeleton else {
            throw ImageError("find module profile", nameOrPath, "no skeleton directory to look in; pass --skeleton or a profile path")
        }
        let path = "\(skeleton)/\(profileFolder)/\(nameOrPath).profile"
        guard manager.fileExists(atPath: path) else {
            throw ImageError("find module profile", nameOrPath, "no \(path)")
        }
        return path
    }
}
