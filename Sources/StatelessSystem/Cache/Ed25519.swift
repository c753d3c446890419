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
    package typealias Unavailable = SharedLibrary.Unavailable

    nonisolated(unsafe) private static var verifier: stateless_ed25519_sha512_verify?

    private static func load() throws(Unavailable) -> stateless_ed25519_sha512_verify {
        if let verifier { return verifier }
        let loaded: stateless_ed25519_sha512_verify = try SharedLibrary(library, remedy: "mkstateless build --trust adds it")
            .function("nettle_ed25519_sha512_verify")
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
