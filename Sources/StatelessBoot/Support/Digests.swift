import CNettle

/// SHA-256 and MD5 through Debian's libnettle (317 KB, needs nothing but libc). SHA-256
/// checks a live image fetched over HTTP, hashed as it is written, so the check costs no
/// second pass over RAM; MD5 is what isomd5sum implants in a live ISO (`rd.live.check`).
public struct SHA256 {
    private var context = sha256_ctx()

    public init() { nettle_sha256_init(&context) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        nettle_sha256_update(&context, bytes.count, base.assumingMemoryBound(to: UInt8.self))
    }

    /// The digest as 64 lower-case hex digits; the context starts over.
    public mutating func hexDigest() -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_SIZE))
        nettle_sha256_digest(&context, digest.count, &digest)
        return hexString(digest)
    }

    /// 64 hex digits, either case: the form `sha256sum` prints and an admin pastes.
    public static func isDigest(_ text: Substring) -> Bool {
        text.utf8.count == 64 && text.allSatisfy { $0.isHexDigit }
    }
}

public struct MD5 {
    private var context = md5_ctx()

    public init() { nettle_md5_init(&context) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        nettle_md5_update(&context, bytes.count, base.assumingMemoryBound(to: UInt8.self))
    }

    /// The digest as 32 lower-case hex digits; the context starts over.
    public mutating func hexDigest() -> String {
        var digest = [UInt8](repeating: 0, count: Int(MD5_DIGEST_SIZE))
        nettle_md5_digest(&context, digest.count, &digest)
        return hexString(digest)
    }
}

/// Lower-case hex, two digits a byte.
func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
}
