import CNettle
import StatelessCore
import StatelessProtocols

/// A running hash through Debian's libnettle (317 KB, needs nothing but libc): SHA-256
/// checks a live image fetched over HTTP, hashed as it is written, so the check costs no
/// second pass over RAM; MD5 is what isomd5sum implants in a live ISO (`rd.live.check`).
/// One type for both: nettle's functions differ only in the context they take.
public struct Digest<Context> {
    private var context: Context
    private let size: Int
    private let updater: (UnsafeMutablePointer<Context>, Int, UnsafePointer<UInt8>) -> Void
    private let finisher: (UnsafeMutablePointer<Context>, Int, UnsafeMutablePointer<UInt8>) -> Void

    package init(_ context: Context, size: Int32, initializer: (UnsafeMutablePointer<Context>) -> Void,
         updater: @escaping (UnsafeMutablePointer<Context>, Int, UnsafePointer<UInt8>) -> Void,
         finisher: @escaping (UnsafeMutablePointer<Context>, Int, UnsafeMutablePointer<UInt8>) -> Void) {
        self.context = context
        self.size = Int(size)
        self.updater = updater
        self.finisher = finisher
        initializer(&self.context)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        updater(&context, bytes.count, base.assumingMemoryBound(to: UInt8.self))
    }

    /// The digest in lower-case hex; the context starts over (nettle's rule).
    public mutating func hexDigest() -> String {
        var digest = [UInt8](repeating: 0, count: size)
        finisher(&context, size, &digest)
        return HexDigest.text(digest)
    }
}

public typealias SHA256 = Digest<sha256_ctx>
public typealias MD5 = Digest<md5_ctx>

extension Digest where Context == sha256_ctx {
    public init() {
        self.init(sha256_ctx(), size: SHA256_DIGEST_SIZE, initializer: nettle_sha256_init, updater: nettle_sha256_update, finisher: nettle_sha256_digest)
    }
}

extension Digest where Context == md5_ctx {
    public init() {
        self.init(md5_ctx(), size: MD5_DIGEST_SIZE, initializer: nettle_md5_init, updater: nettle_md5_update, finisher: nettle_md5_digest)
    }
}
