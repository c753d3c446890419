import ArgumentParser
import Foundation
import StatelessAudit
import StatelessCore
import StatelessImage

/// The host command line: each subcommand parses its options, makes one library call and
/// reports. All logic lives in StatelessImage.
struct MkStateless: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mkstateless",
        abstract: "Build and inspect Stateless initramfs images.",
        subcommands: [Build.self, Inspect.self, Audit.self, Keygen.self, Publish.self])
}

extension ImageCompression: ExpressibleByArgument {}
extension ModuleCompression: ExpressibleByArgument {}

/// The running executable, for finding `stateless` and `Initramfs/` beside it.
func executablePath() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}

/// Runs `body`, printing an `ImageError` as its one line and exiting 1.
func reporting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ImageError {
        FileHandle.standardError.write(Data("mkstateless: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Build a compressed newc initramfs.")

    @Option(help: "Kernel version whose modules go in (the directory name under lib/modules; default: the running kernel, uname -r).")
    var kernel: String?

    @Option(help: "Root the kernel's lib/modules is found under.")
    var sysroot: String = "/"

    @Option(help: "Image file to write.")
    var output: String

    @Option(help: "The early-boot binary (default: 'stateless' beside mkstateless).")
    var binary: String?

    @Option(help: "zstd, xz, gzip or none.")
    var compression: ImageCompression = .zstd

    @Option(help: "How each module file is compressed inside the image: mixed (zstd for filesystems, network and library modules, which nearly every boot loads; xz for drivers), xz, zstd or none. libkmod decompresses the ones a boot loads; the kernel unpacks the rest as stored bytes.")
    var moduleCompression: ModuleCompression = .mixed

    @Option(help: "Module profile: a name in SKELETON/modules/ or a file path (default: generic; with --hostonly, hostonly, which limits the machine's modules to classes a boot needs).")
    var profile: String?

    @Flag(help: "Only the modules this machine uses: its devices' modaliases, loaded modules, the root filesystem's module (as dracut -H).")
    var hostonly = false

    @Flag(help: "Also print each step and every firmware file not found on this host.")
    var verbose = false

    @Option(help: "A static busybox to install as /bin/busybox and /bin/sh (emergency shell).")
    var shell: String?

    @Option(help: "Skeleton tree copied into the image (default: Initramfs/ of the package).")
    var skeleton: String?

    @Option(help: "Directory of replacement shared libraries preferred over the system's (e.g. a libkmod built without OpenSSL).")
    var libraryDir: String?

    @Flag(help: "Live roots over https://: add OpenSSL 3 (libssl, libcrypto: 5.4 MB, opened only for https) and CA certificates.")
    var https = false

    @Option(help: "The CA certificates (PEM bundle) an https server is checked against; implies --https (default: \(TLSFiles.defaultCACertificates)).")
    var caCertificates: String?

    @Option(help: "A release key's public half (KEY.pub from mkstateless keygen) the image trusts; repeat for several (key rotation). Adds libhogweed (~0.8 MB with libgmp).")
    var trust: [String] = []

    func run() throws {
        try reporting {
            let executable = executablePath()
            let skeletonPath = skeleton ?? ImageBuilder.defaultSkeleton(executable: executable)
            let binaryPath = binary ?? URL(fileURLWithPath: executable).deletingLastPathComponent()
                .appendingPathComponent("stateless").path
            guard FileManager.default.fileExists(atPath: binaryPath) else {
                throw ImageError("find early-boot binary", binaryPath, "no such file; build it (swift build --product stateless) or pass --binary")
            }
            let version = try kernel ?? RunningKernel.moduleVersion(release: RunningKernel.release(), sysroot: sysroot)
            var options = ImageBuilder.Options(
                kernelVersion: version, binary: binaryPath, output: output,
                profile: try ImageBuilder.resolveProfile(profile ?? (hostonly ? "hostonly" : "generic"), skeleton: skeletonPath))
            options.sysroot = sysroot
            options.hostOnly = hostonly ? RunningSystem.read() : nil
            options.compression = compression
            options.moduleCompression = moduleCompression
            options.shell = shell
            options.skeleton = skeletonPath
            options.libraryDirectory = libraryDir
            if https || caCertificates != nil {
                options.httpsCACertificates = caCertificates ?? TLSFiles.defaultCACertificates
            }
            options.trustedKeys = trust
            let summary = try ImageBuilder(options).build(log: { if verbose { print($0) } })
            for note in summary.unresolvedSoftdeps {
                print("note: soft dependency not in the module tree: \(note)")
            }
            if let chosen = summary.hostOnly {
                for (source, names) in [("devices", chosen.devices), ("loaded", chosen.loaded),
                                        ("root filesystem", chosen.rootFilesystem), ("boot basics", chosen.basics),
                                        ("left out by the profile", chosen.leftOut)] {
                    print("hostonly: \(source): \(names.isEmpty ? "-" : names.joined(separator: " "))")
                }
            }
            let compressed = summary.compression == .none
                ? "written uncompressed" : "\(summary.compressedBytes) bytes \(summary.compression.rawValue)"
            print("\(output): kernel \(version), \(summary.files) files (\(summary.modules) modules, "
                  + "\(summary.firmwareFiles) firmware, \(summary.libraries) libraries), "
                  + "\(summary.uncompressedBytes) bytes uncompressed, \(compressed); "
                  + "\(summary.missingFirmware.count) firmware files not on this host"
                  + (verbose || summary.missingFirmware.isEmpty ? "" : " (--verbose lists them)"))
        }
    }
}

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List what an image holds.")

    @Argument(help: "Image file (zstd, xz, gzip or uncompressed newc).")
    var file: String

    func run() throws {
        try reporting {
            let (_, records) = try ImageInspector.records(of: file)
            for line in NewcListing.lines(records) {
                print(line)
            }
        }
    }
}

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a release signing key KEY (mode 0600) and its public half KEY.pub (Ed25519).")

    @Argument(help: "The private key file to write; KEY.pub is written beside it.")
    var key: String

    func run() throws {
        try reporting {
            let generated = ReleaseKey.generate()
            try generated.write(to: key)
            print("\(key): private key (keep it off the clients); \(key).pub: public key \(generated.publicKeyText) (mkstateless build --trust \(key).pub)")
        }
    }
}

struct Publish: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a root tree or image a signed release: NAME.squashfs, NAME.verity, NAME.zck, NAME.manifest and its .sig, for any static HTTP server or NFS export (docs/cached-clients.md).")

    @Argument(help: "A root directory (made a squashfs) or a squashfs/erofs image.")
    var source: String

    @Option(help: "The release's name: the files are NAME.*; clients name NAME.squashfs in root=.")
    var name: String

    @Option(help: "The private key (mkstateless keygen).")
    var key: String

    @Option(help: "The directory the server serves.")
    var output: String

    @Option(help: "The release's version (default: one above the manifest in --output, else 1); clients refuse a lower one than they run.")
    var version: UInt64?

    func run() throws {
        try reporting {
            let publisher = ReleasePublisher(source: source, name: name, key: try ReleaseKey.read(key), output: output, version: version)
            _ = try publisher.publish(log: { print($0) })
        }
    }
}

MkStateless.main()

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the identity-bearing files a root tree or squashfs image ships (machine-ids, host keys, DUIDs, secrets) and what the boot does with each; or read a write audit saved on a booted client (`stateless audit --save > FILE`).")

    @Argument(help: "A root directory, a squashfs image, or a saved audit (- for standard input).")
    var source: String

    func run() throws {
        let head = FileHandle(forReadingAtPath: source).flatMap { try? $0.read(upToCount: 2) }
        if source != "-" && head != Data("# ".utf8) {
            try reporting {
                let findings = try IdentityAudit.scan(source)
                print("\(source): \(findings.count) identity-bearing files (each machine booting it must have its own)")
                IdentityFiles.render(findings).forEach { print("  " + $0) }
            }
            return
        }
        let data = source == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: source)
        guard let data else {
            FileHandle.standardError.write(Data("mkstateless: audit: cannot read \(source)\n".utf8))
            throw ExitCode.failure
        }
        do {
            print(try AuditReport(saved: String(decoding: data, as: UTF8.self)).rendered, terminator: "")
        } catch let error as AuditReport.ParseError {
            FileHandle.standardError.write(Data("mkstateless: audit: \(source): \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
