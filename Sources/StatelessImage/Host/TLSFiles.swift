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

    /// libssl and its dependencies (ElfDependencies.dlopened).
    public static func libraries(besides binaryLibraries: [ElfDependencies.Library], libraryDirectory: String?) throws -> [ElfDependencies.Library] {
        try ElfDependencies.dlopened(library, besides: binaryLibraries, libraryDirectory: libraryDirectory,
                                     purpose: "add TLS libraries", package: "OpenSSL 3 (Debian: libssl3)")
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
