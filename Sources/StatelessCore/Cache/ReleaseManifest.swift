/// A published release (`mkstateless publish`): what the client checks before it fetches,
/// keeps or boots an image. The file is `KEY=value` lines (the hand-off format, so `.`
/// in sh reads it too), and `NAME.manifest.sig` signs its exact bytes (Ed25519), so the
/// client parses only text a trusted key signed.
///
/// The release's one file, `NAME.zck`, is an uncompressed zchunk container: its lead and
/// header (`zckHeaderSize` bytes, listing every chunk's SHA-256), then the data: the
/// squashfs (`imageSize` bytes) and its dm-verity hash tree with a superblock at
/// `verityHashOffset`. The header's own SHA-256 is here, so every chunk checksum the
/// client trusts is signed, and the root hash pins the tree.
public struct ReleaseManifest: Equatable, Sendable {
    /// The manifest's format; a client refuses one it does not know.
    public static let format = 1

    public var name: String
    /// Only grows from release to release: a lower one than the client runs is a rollback.
    public var version: UInt64
    /// Seconds since the epoch, for "booting the cached release 7 of 3 days ago".
    public var created: Int64
    /// The squashfs's bytes (a multiple of 4096).
    public var imageSize: UInt64
    /// SHA-256 of the zchunk data: the squashfs followed by its hash tree.
    public var dataSHA256: String
    public var dataSize: UInt64
    public var zckHeaderSize: UInt64
    public var zckHeaderSHA256: String
    public var verityRootHash: String
    public var veritySalt: String
    /// Where the hash tree's superblock starts in the data (= imageSize).
    public var verityHashOffset: UInt64

    public init(name: String, version: UInt64, created: Int64, imageSize: UInt64, dataSHA256: String, dataSize: UInt64,
                zckHeaderSize: UInt64, zckHeaderSHA256: String, verityRootHash: String, veritySalt: String, verityHashOffset: UInt64) {
        self.name = name
        self.version = version
        self.created = created
        self.imageSize = imageSize
        self.dataSHA256 = dataSHA256
        self.dataSize = dataSize
        self.zckHeaderSize = zckHeaderSize
        self.zckHeaderSHA256 = zckHeaderSHA256
        self.verityRootHash = verityRootHash
        self.veritySalt = veritySalt
        self.verityHashOffset = verityHashOffset
    }

    /// The whole `.zck` file's size.
    public var zckSize: UInt64 { zckHeaderSize + dataSize }

    /// A manifest that cannot be used: which field and why.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var field: String
        public var problem: String
        public var description: String { "\(field): \(problem)" }
    }

    /// The exact text `publish` writes and signs.
    public var text: String {
        HandOff.format([
            ("FORMAT", String(Self.format)), ("NAME", name), ("VERSION", String(version)), ("CREATED", String(created)),
            ("IMAGE_SIZE", String(imageSize)), ("DATA_SIZE", String(dataSize)), ("DATA_SHA256", dataSHA256),
            ("ZCK_HEADER_SIZE", String(zckHeaderSize)), ("ZCK_HEADER_SHA256", zckHeaderSHA256),
            ("VERITY_ROOT_HASH", verityRootHash), ("VERITY_SALT", veritySalt), ("VERITY_HASH_OFFSET", String(verityHashOffset)),
        ])
    }

    public init(parsing text: String) throws(Invalid) {
        let facts = HandOff.parse(text)
        func field(_ key: String) throws(Invalid) -> String {
            guard let value = facts[key], !value.isEmpty else { throw Invalid(field: key, problem: "missing") }
            return value
        }
        func number(_ key: String) throws(Invalid) -> UInt64 {
            let value = try field(key)
            guard let number = UInt64(value) else { throw Invalid(field: key, problem: "expected a whole number, found \"\(value)\"") }
            return number
        }
        func digest(_ key: String) throws(Invalid) -> String {
            let value = try field(key).lowercased()
            guard HexDigest.isSHA256(Substring(value)) else { throw Invalid(field: key, problem: "expected 64 hex digits, found \"\(value.prefix(70))\"") }
            return value
        }
        let format = try field("FORMAT")
        guard format == String(Self.format) else {
            throw Invalid(field: "FORMAT", problem: "this client reads format \(Self.format), the manifest is format \(format)")
        }
        name = try field("NAME")
        version = try number("VERSION")
        let created = try field("CREATED")
        guard let seconds = Int64(created) else { throw Invalid(field: "CREATED", problem: "expected seconds since the epoch, found \"\(created)\"") }
        self.created = seconds
        imageSize = try number("IMAGE_SIZE")
        dataSize = try number("DATA_SIZE")
        dataSHA256 = try digest("DATA_SHA256")
        zckHeaderSize = try number("ZCK_HEADER_SIZE")
        zckHeaderSHA256 = try digest("ZCK_HEADER_SHA256")
        verityRootHash = try digest("VERITY_ROOT_HASH")
        let salt = facts["VERITY_SALT"] ?? ""
        guard salt.count % 2 == 0, salt.allSatisfy(\.isHexDigit) else { throw Invalid(field: "VERITY_SALT", problem: "expected hex digits, found \"\(salt.prefix(70))\"") }
        veritySalt = salt.lowercased()
        verityHashOffset = try number("VERITY_HASH_OFFSET")
        guard imageSize % 4096 == 0, imageSize > 0 else { throw Invalid(field: "IMAGE_SIZE", problem: "expected a non-zero multiple of 4096, found \(imageSize)") }
        guard verityHashOffset >= imageSize, verityHashOffset < dataSize else {
            throw Invalid(field: "VERITY_HASH_OFFSET", problem: "expected it between IMAGE_SIZE (\(imageSize)) and DATA_SIZE (\(dataSize)), found \(verityHashOffset)")
        }
    }

    /// What the client does with a signed manifest, given the version of the slot that
    /// boots otherwise (`running`) and the highest it ever accepted (`accepted`, the record's).
    public enum Decision: Equatable, Sendable {
        /// Nothing cached yet: fetch it.
        case first
        /// Newer than what the client has: fetch it into the other slot.
        case newer(than: UInt64)
        /// The same version: nothing to fetch.
        case current
        /// Older than what the client accepted before: refused.
        case rollback(from: UInt64)
    }

    public func decision(running: UInt64?, accepted: UInt64?) -> Decision {
        if let accepted, version < accepted { return .rollback(from: accepted) }
        guard let running else { return .first }
        if version == running { return .current }
        // Above what runs: newer, or the accepted release again after its slot failed.
        return version > running ? .newer(than: running) : .rollback(from: running)
    }
}
