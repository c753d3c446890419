import CHogweed
import Glibc
import StatelessCore

/// Ed25519 signature checks (RFC 8032) through nettle's libhogweed, opened with dlopen(3)
/// the first time a release's signature is checked. Why at run time: libhogweed needs
/// libgmp (together ~0.8 MB), which only an image that trusts a release key carries
/// (`mkstateless build --trust`); every other image boots without them.
package enum Ed25519 {
    package static let library = "libhogweed.so.6"
    package static let keyBytes = 32
    package static let signatureBytes = 64

    /// The library or its symbol is missing: the image was built without `--trust`.
    package struct Unavailable: Error, CustomStringConvertible {
        package var description: String
    }

    nonisolated(unsafe) private static var verifier: stateless_ed25519_sha512_verify?

    private static func load() throws(Unavailable) -> stateless_ed25519_sha512_verify {
        if let verifier { return verifier }
        guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
            throw Unavailable(description: "cannot load \(library) (mkstateless build --trust adds it): \(dlerror().map { String(cString: $0) } ?? "not found")")
        }
        guard let address = dlsym(handle, "nettle_ed25519_sha512_verify") else {
            throw Unavailable(description: "\(library) has no nettle_ed25519_sha512_verify: nettle older than 3.1")
        }
        let loaded = unsafeBitCast(address, to: stateless_ed25519_sha512_verify.self)
        verifier = loaded
        return loaded
    }

    /// Whether `signature` is `publicKey`'s over `message`.
    package static func verify(message: [UInt8], signature: [UInt8], publicKey: [UInt8]) throws(Unavailable) -> Bool {
        guard publicKey.count == keyBytes, signature.count == signatureBytes else { return false }
        let verify = try load()
        return message.withUnsafeBufferPointer { message in
            verify(publicKey, message.count, message.baseAddress, signature) == 1
        }
    }
}
