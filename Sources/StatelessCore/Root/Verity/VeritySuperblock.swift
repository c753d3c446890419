/// The superblock `veritysetup format` writes before a dm-verity hash tree (512 bytes, the
/// format cryptsetup documents in docs/on-disk-format-verity): the hash's name, block
/// sizes, the number of data blocks and the salt. Everything the kernel's table needs
/// but the root hash, which must come from somewhere trusted (the command line, a signed
/// manifest): the superblock itself is not covered by it.
public struct VeritySuperblock: Equatable, Sendable {
    public var hashType: UInt32
    public var algorithm: String
    public var dataBlockSize: UInt32
    public var hashBlockSize: UInt32
    public var dataBlocks: UInt64
    public var salt: [UInt8]

    public static let size = 512
    static let signature: [UInt8] = Array("verity".utf8) + [0, 0]

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The first 512 bytes of the hash device (or of the hash area of a file holding both).
    public init(parsing bytes: [UInt8]) throws(Invalid) {
        guard bytes.count >= Self.size else { throw Invalid(description: "expected a 512-byte verity superblock, found \(bytes.count) bytes") }
        guard Array(bytes[0..<8]) == Self.signature else {
            throw Invalid(description: "no verity superblock (expected \"verity\" at its start, found \(bytes[0..<8].map { String($0, radix: 16) }.joined(separator: " ")))")
        }
        func le<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            (0..<MemoryLayout<T>.size).reduce(T.zero) { $0 | T(bytes[offset + $1]) << (8 * $1) }
        }
        let version = le(8, UInt32.self)
        guard version == 1 else { throw Invalid(description: "verity superblock version \(version), expected 1") }
        hashType = le(12, UInt32.self)
        algorithm = String(decoding: bytes[32..<64].prefix { $0 != 0 }, as: UTF8.self)
        dataBlockSize = le(64, UInt32.self)
        hashBlockSize = le(68, UInt32.self)
        dataBlocks = le(72, UInt64.self)
        let saltSize = Int(le(80, UInt16.self))
        guard saltSize <= 256 else { throw Invalid(description: "verity superblock salt of \(saltSize) bytes, at most 256") }
        salt = Array(bytes[88..<(88 + saltSize)])
        for (name, size) in [("data", dataBlockSize), ("hash", hashBlockSize)] where size < 512 || size.nonzeroBitCount != 1 {
            throw Invalid(description: "verity superblock \(name) block size \(size), expected a power of two ≥ 512")
        }
        guard !algorithm.isEmpty, algorithm.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw Invalid(description: "verity superblock hash \"\(algorithm)\" is not a hash name")
        }
    }

    /// The dm-verity target's parameters (the kernel's Documentation/admin-guide/
    /// device-mapper/verity.rst): the tree starts one hash block after the superblock at
    /// `superblockOffset` bytes into `hashDevice`.
    public func tableParameters(dataDevice: String, hashDevice: String, superblockOffset: UInt64, rootHash: String) -> String {
        let hashStart = superblockOffset / UInt64(hashBlockSize) + 1
        let saltHex = salt.isEmpty ? "-" : salt.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return "\(hashType) \(dataDevice) \(hashDevice) \(dataBlockSize) \(hashBlockSize) \(dataBlocks) \(hashStart) \(algorithm) \(rootHash) \(saltHex)"
    }

    /// The data's size in 512-byte sectors: the device-mapper target's length.
    public var dataSectors: UInt64 { dataBlocks * UInt64(dataBlockSize) / 512 }
}
