import CHogweed
import CNettle
import Foundation
import StatelessCore

/// An Ed25519 release key (RFC 8032) through nettle's libhogweed, the library the boot
/// checks signatures with. Both halves are kept as one line of 64 hex digits: `KEY`
/// (mode 0600) holds the private key, `KEY.pub` the public key, the line
/// `mkstateless build --trust KEY.pub` puts in an image.
public struct ReleaseKey {
    public let privateKey: [UInt8]
    public let publicKey: [UInt8]

    /// Where an image keeps the keys it trusts (`--trust`), one `NAME.pub` each.
    public static let trustedDirectory = "etc/stateless/trusted"

    public init(privateKey: [UInt8]) {
        self.privateKey = privateKey
        var key = [UInt8](repeating: 0, count: 32)
        nettle_ed25519_sha512_public_key(&key, privateKey)
        publicKey = key
    }

    /// The line `KEY.pub` holds.
    public var publicKeyText: String { HexDigest.text(publicKey) }

    /// A new key from the system's random source (getrandom).
    public static func generate() -> ReleaseKey {
        var generator = SystemRandomNumberGenerator()
        return ReleaseKey(privateKey: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Writes `path` (0600) and `path.pub`; an existing key is never overwritten.
    public func write(to path: String) throws {
        for (file, bytes, mode) in [(path, privateKey, 0o600), (path + ".pub", publicKey, 0o644)] {
            guard !FileManager.default.fileExists(atPath: file) else {
                throw ImageError("write key", file, "it exists already; a key is never overwritten (remove it first if that is meant)")
            }
            guard FileManager.default.createFile(atPath: file, contents: Data((HexDigest.text(bytes) + "\n").utf8),
                                                 attributes: [.posixPermissions: mode])
            else { throw ImageError("write key", file, "cannot create it") }
        }
    }

    public static func read(_ path: String) throws -> ReleaseKey {
        ReleaseKey(privateKey: try readHalf(path, what: "private key"))
    }

    /// One line of 64 hex digits: a key file `keygen` wrote.
    public static func readHalf(_ path: String, what: String) throws -> [UInt8] {
        let text = String(decoding: try HostFiles.contents(path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = HexDigest.bytes(Substring(text)), bytes.count == 32 else {
            throw ImageError("read \(what)", path, "expected one line of 64 hex digits (mkstateless keygen writes it)")
        }
        return bytes
    }

    /// The signature of `message`, 64 bytes.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: 64)
        nettle_ed25519_sha512_sign(publicKey, privateKey, message.count, message, &signature)
        return signature
    }

    public static func verify(_ message: [UInt8], signature: [UInt8], publicKey: [UInt8]) -> Bool {
        signature.count == 64 && publicKey.count == 32 && nettle_ed25519_sha512_verify(publicKey, message.count, message, signature) == 1
    }
}

/// SHA-256 of files on the host, through nettle as the boot computes it.
public enum FileDigest {
    /// SHA-256 of `count` bytes of a file from its start (all of it when nil).
    public static func sha256(of path: String, count: Int? = nil) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ImageError("read", path, "cannot open it") }
        defer { try? handle.close() }
        var context = sha256_ctx()
        nettle_sha256_init(&context)
        var left = count ?? .max
        while left > 0 {
            let data = handle.readData(ofLength: min(left, 1 << 20))
            if data.isEmpty { break }
            data.withUnsafeBytes { nettle_sha256_update(&context, $0.count, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
            left -= data.count
        }
        var digest = [UInt8](repeating: 0, count: 32)
        nettle_sha256_digest(&context, 32, &digest)
        return HexDigest.text(digest)
    }
}
