import StatelessCore
import StatelessProtocols
import StatelessSystem

/// The release keys this image trusts (`mkstateless build --trust KEY.pub` puts each at
/// /etc/stateless/trusted/NAME.pub); the booted system's `stateless update` finds the
/// same keys under /run/stateless/trusted, where the boot copies them.
struct TrustedKeys {
    static let imageDirectory = "/etc/stateless/trusted"
    static let handedOffDirectory = HandOff.directory + "/trusted"

    var keys: [(name: String, key: [UInt8])] = []

    static func load(from directories: [String] = [imageDirectory, handedOffDirectory]) -> TrustedKeys {
        var found = TrustedKeys()
        for directory in directories {
            for file in ((try? Posix.listDirectory(directory)) ?? []).sorted() where file.hasSuffix(".pub") {
                guard let text = try? Posix.readText(directory + "/" + file),
                      let key = HexDigest.bytes(Substring(text.trimmingNewline())), key.count == Ed25519.keyBytes,
                      !found.keys.contains(where: { $0.key == key })
                else { continue }
                found.keys.append((String(file.dropLast(4)), key))
            }
        }
        return found
    }

    var names: String { keys.isEmpty ? "none" : keys.map(\.name).joined(separator: ", ") }

    /// Copies the keys where the booted system's `stateless update` reads them.
    func handOff(_ log: Logger) {
        do {
            try Posix.makeDirectories(Self.handedOffDirectory)
            for (name, key) in keys { try Posix.writeFile(Self.handedOffDirectory + "/\(name).pub", HexDigest.text(key) + "\n") }
        } catch {
            log.warning("root", "cache: the trusted keys were not copied to \(Self.handedOffDirectory) (stateless update needs them): \(error)")
        }
    }

    /// The manifest whose exact bytes `signature` (hex, as `publish` writes it) signs with
    /// one of these keys; else the one line saying why not.
    func check(manifest text: [UInt8], signature: [UInt8], origin: String) throws -> SignedRelease {
        let hex = String(decoding: signature, as: UTF8.self).trimmingNewline()
        guard let bytes = HexDigest.bytes(Substring(hex)), bytes.count == Ed25519.signatureBytes else {
            throw ReleaseRefused(BootError("verify release", origin, detail: "the signature (.manifest.sig) is not 128 hex digits", option: "mkstateless publish"))
        }
        guard !keys.isEmpty else {
            throw ReleaseRefused(BootError("verify release", origin, detail: "this image trusts no release key (\(Self.imageDirectory) is empty)", option: "mkstateless build --trust KEY.pub"))
        }
        var signer: String?
        do {
            signer = try keys.first { try Ed25519.verify(message: text, signature: bytes, publicKey: $0.key) }?.name
        } catch {
            throw ReleaseRefused(BootError("verify release", origin, detail: "\(error)", option: "mkstateless build --trust KEY.pub"))
        }
        guard let signer else {
            throw ReleaseRefused(BootError("verify release", origin, detail: "the manifest is signed by none of the trusted keys (\(names))", option: "mkstateless build --trust KEY.pub"))
        }
        let manifest: ReleaseManifest
        do { manifest = try ReleaseManifest(parsing: String(decoding: text, as: UTF8.self)) } catch {
            throw ReleaseRefused(BootError("verify release", origin, detail: "the signed manifest is unusable: \(error)", option: "mkstateless publish"))
        }
        var digest = SHA256()
        text.withUnsafeBytes { digest.update($0) }
        return SignedRelease(manifest: manifest, text: text, signature: signature, signer: signer, sha256: digest.hexDigest())
    }
}

/// A release that is not trusted: no or a wrong signature, an unusable manifest. Never
/// retried, never booted.
struct ReleaseRefused: Error, CustomStringConvertible {
    var reason: BootError
    init(_ reason: BootError) { self.reason = reason }
    var description: String { reason.description }
}

/// A manifest a trusted key signed, with the bytes it was read from.
struct SignedRelease {
    var manifest: ReleaseManifest
    var text: [UInt8]
    var signature: [UInt8]
    var signer: String
    var sha256: String
}
