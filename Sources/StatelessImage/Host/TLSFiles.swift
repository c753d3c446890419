import Foundation

/// What an image needs to fetch a live root over https:// (`mkstateless build --https`):
/// OpenSSL 3's libssl with what it loads, and the CA certificates the server is checked
/// against. The early-boot binary does not link libssl (5.4 MB with libcrypto); it opens it
/// with dlopen, so images without it stay small and boot every other root.
public enum TLSFiles {
    public static let library = "libssl.so.3"
    /// Where the boot looks for them (Net/TLS/TLSClient.swift), Debian's path.
    public static let caCertificatesImagePath = "etc/ssl/certs/ca-certificates.crt"
    public static let defaultCACertificates = "/etc/ssl/certs/ca-certificates.crt"

    /// libssl and its dependencies, placed in the directory of the binary's libc, where the
    /// loader searches at boot (an initramfs has no ld.so.cache). Looked for in
    /// `libraryDirectory` first, then beside the host's libc.
    public static func libraries(besides binaryLibraries: [ElfDependencies.Library], libraryDirectory: String?) throws -> [ElfDependencies.Library] {
        guard let libc = binaryLibraries.first(where: { ($0.imagePath as NSString).lastPathComponent.hasPrefix("libc.so") }) else {
            throw ImageError("add TLS libraries", library, "the early-boot binary links no libc.so: a static binary cannot dlopen OpenSSL")
        }
        let libcDirectory = (libc.imagePath as NSString).deletingLastPathComponent
        let candidates = [libraryDirectory, libcDirectory, "/usr" + libcDirectory].compactMap { $0 }.map { $0 + "/" + library }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ImageError("add TLS libraries", library, "not in \(candidates.joined(separator: ", ")): install OpenSSL 3 (Debian: libssl3)")
        }
        let ssl = ElfDependencies.Library(imagePath: libcDirectory + "/" + library,
                                          hostPath: URL(fileURLWithPath: found).resolvingSymlinksInPath().path)
        return [ssl] + (try ElfDependencies.resolve(binary: found, libraryDirectory: libraryDirectory))
    }

    /// The CA bundle's bytes, refused unless it holds at least one PEM certificate (a
    /// wrong file would only show at boot, as every server refused).
    public static func caCertificates(_ path: String) throws -> [UInt8] {
        let bytes = try HostFiles.contents(path)
        guard String(decoding: bytes, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
            throw ImageError("add CA certificates", path, "no PEM certificate (-----BEGIN CERTIFICATE-----) in it")
        }
        return bytes
    }
}
