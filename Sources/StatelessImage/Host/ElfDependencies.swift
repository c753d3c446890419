import Foundation

/// The shared libraries a dynamically linked binary loads, as `ldd` reports them.
///
/// The early-boot binary links libkmod, libblkid and libmount, which Debian ships only as
/// shared libraries, so the image must carry them and everything they load. `ldd` runs the
/// real dynamic loader, so its list is already transitive (libkmod's libzstd, libcrypto …)
/// and honours RUNPATH; the image stores each library at the path the loader found it,
/// which is where the same loader will look at boot.
public enum ElfDependencies {
    /// Parses `ldd` output into the absolute paths to copy: each `name => /path` target and
    /// the interpreter line (`/lib64/ld-linux-x86-64.so.2 (0x…)`). The vDSO
    /// (`linux-vdso.so.1`), which the kernel provides, has no path and is skipped. Any
    /// `=> not found` line is an error naming every missing library, because a binary
    /// with a missing library cannot run as /init.
    public static func parseLdd(_ text: String, binary: String) throws -> [String] {
        var paths: [String] = []
        var missing: [String] = []
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = String(rawLine).trimmingSpaces
            if line.isEmpty || line == "statically linked" || line.hasSuffix("not a dynamic executable") {
                continue
            }
            if let arrow = line.range(of: "=>") {
                let name = String(line[..<arrow.lowerBound]).trimmingSpaces
                let target = String(line[arrow.upperBound...]).trimmingSpaces
                if target.hasPrefix("not found") {
                    missing.append(name)
                    continue
                }
                let path = withoutAddress(target)
                // Old glibc prints "linux-vdso.so.1 =>  (0x…)": no path, nothing to copy.
                guard path.hasPrefix("/") else { continue }
                paths.append(path)
            } else {
                let path = withoutAddress(line)
                guard path.hasPrefix("/") else { continue }   // linux-vdso.so.1, linux-gate.so.1
                paths.append(path)
            }
        }
        if !missing.isEmpty {
            throw ImageError("resolve shared libraries", binary, "not found: \(missing.joined(separator: ", "))")
        }
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }
    }

    /// "/lib/x/libc.so.6 (0x00007f…)" → "/lib/x/libc.so.6".
    static func withoutAddress(_ text: String) -> String {
        if let open = text.range(of: " (0x", options: .backwards) ?? text.range(of: "(0x", options: .backwards) {
            return String(text[..<open.lowerBound]).trimmingSpaces
        }
        return text
    }

    /// A library to put in the image: where it goes, and the real file its bytes come from.
    public struct Library: Equatable, Sendable {
        public var imagePath: String
        public var hostPath: String
    }

    /// Runs the host's `ldd` on `binary`. A statically linked binary has no libraries.
    ///
    /// `libraryDirectory` holds replacements for system libraries (a libkmod built without
    /// OpenSSL, which saves libcrypto's 1.6 MB): the loader is asked to prefer it, and a
    /// library found there goes into the image beside libc, where the loader looks at boot.
    public static func resolve(binary: String, libraryDirectory relativeDirectory: String? = nil) throws -> [Library] {
        // ldd prints paths as LD_LIBRARY_PATH spells them; an absolute one is needed.
        let libraryDirectory = relativeDirectory.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let environment = libraryDirectory.map { ["LD_LIBRARY_PATH": $0] } ?? [:]
        let output = try HostCommand.capture(["ldd", binary], environment: environment)
        let text = String(decoding: output.stdout, as: UTF8.self)
        if output.status != 0 {
            if (text + output.stderr).contains("not a dynamic executable") { return [] }
            throw HostCommand.failure(["ldd", binary], output)
        }
        let paths = try parseLdd(text, binary: binary)
        return placed(paths, libraryDirectory: libraryDirectory).map { imagePath, path in
            Library(imagePath: imagePath, hostPath: URL(fileURLWithPath: path).resolvingSymlinksInPath().path)
        }
    }

    /// Pairs each resolved path with its place in the image: the same path, except for
    /// libraries from `libraryDirectory`, which go into libc's directory.
    static func placed(_ paths: [String], libraryDirectory: String?) -> [(String, String)] {
        guard let libraryDirectory else { return paths.map { ($0, $0) } }
        let prefix = libraryDirectory.hasSuffix("/") ? libraryDirectory : libraryDirectory + "/"
        let libcDirectory = paths.first { ($0 as NSString).lastPathComponent.hasPrefix("libc.so") }
            .map { ($0 as NSString).deletingLastPathComponent } ?? "/lib"
        return paths.map { path in
            guard path.hasPrefix(prefix) else { return (path, path) }
            return (libcDirectory + "/" + (path as NSString).lastPathComponent, path)
        }
    }

    /// A library the binary opens with dlopen (libssl for https, libhogweed for release
    /// signatures) and what it links, placed in the directory of the binary's libc, where
    /// the loader searches at boot (an initramfs has no ld.so.cache). Looked for in
    /// `libraryDirectory` first, then beside the host's libc.
    public static func dlopened(_ library: String, besides binaryLibraries: [Library], libraryDirectory: String?,
                                purpose: String, package: String) throws -> [Library] {
        guard let libc = binaryLibraries.first(where: { ($0.imagePath as NSString).lastPathComponent.hasPrefix("libc.so") }) else {
            throw ImageError(purpose, library, "the early-boot binary links no libc.so: a static binary cannot dlopen it")
        }
        let libcDirectory = (libc.imagePath as NSString).deletingLastPathComponent
        let candidates = [libraryDirectory, libcDirectory, "/usr" + libcDirectory].compactMap { $0 }.map { $0 + "/" + library }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ImageError(purpose, library, "not in \(candidates.joined(separator: ", ")): install \(package)")
        }
        let opened = Library(imagePath: libcDirectory + "/" + library, hostPath: URL(fileURLWithPath: found).resolvingSymlinksInPath().path)
        return [opened] + (try resolve(binary: found, libraryDirectory: libraryDirectory))
    }
}
