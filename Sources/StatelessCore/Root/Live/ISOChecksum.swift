/// The checksum `implantisomd5` (isomd5sum, what Fedora's and many other live ISOs carry)
/// writes into an ISO's primary volume descriptor, and what `rd.live.check` verifies: the
/// MD5 of the image's first `volume size − SKIPSECTORS` sectors, read with the 512-byte
/// application-use field (where the text itself lives) taken as spaces. The format is
/// isomd5sum's: `ISO MD5SUM = <32 hex>;SKIPSECTORS = <n>;RHLISOSTATUS=<n>;…`.
/// Pure: the reading is done by the caller (LiveMediumCheck).
public struct ISOChecksum: Equatable, Sendable {
    public static let sectorSize = 2048
    /// The first volume descriptor (ECMA-119 6.2.1: sectors 0–15 are the system area).
    public static let firstDescriptorSector = 16
    /// The primary volume descriptor's application-use field (ECMA-119 8.4.32).
    public static let applicationUseOffset = 883
    public static let applicationUseSize = 512

    /// Where the primary volume descriptor starts, in bytes.
    public var descriptorOffset: Int
    /// The bytes hashed: the volume's size less the skipped sectors at its end.
    public var checkedBytes: Int64
    public var md5: String

    public enum Problem: Error, Equatable { case noPrimaryDescriptor, noChecksum, malformed(String) }

    public init(descriptorOffset: Int, checkedBytes: Int64, md5: String) {
        self.descriptorOffset = descriptorOffset
        self.checkedBytes = checkedBytes
        self.md5 = md5
    }

    /// `descriptors`: the sectors from 16 on, as read (at least up to the primary one).
    public init(descriptors: [UInt8]) throws {
        var offset = 0
        while true {
            guard offset + Self.sectorSize <= descriptors.count else { throw Problem.noPrimaryDescriptor }
            let type = descriptors[offset]
            // "CD001" at bytes 1–5 of every descriptor.
            guard Array(descriptors[(offset + 1)..<(offset + 6)]) == Array("CD001".utf8) else { throw Problem.noPrimaryDescriptor }
            if type == 1 { break }
            if type == 255 { throw Problem.noPrimaryDescriptor }
            offset += Self.sectorSize
        }
        let pvd = descriptors[offset..<(offset + Self.sectorSize)]
        // Volume space size, both-endian at 80–87: the big-endian half.
        let sectors = pvd[(offset + 84)..<(offset + 88)].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        let field = pvd[(offset + Self.applicationUseOffset)..<(offset + Self.applicationUseOffset + Self.applicationUseSize)]
        let text = String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
        var md5: String?
        var skip: Int64?
        for item in text.split(separator: ";") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces }
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "ISO MD5SUM":
                guard parts[1].utf8.count == 32, parts[1].allSatisfy({ $0.isHexDigit }) else { throw Problem.malformed("ISO MD5SUM = \(parts[1].prefix(40))") }
                md5 = parts[1].lowercased()
            case "SKIPSECTORS":
                guard let value = Int64(parts[1]), value >= 0, value < sectors else { throw Problem.malformed("SKIPSECTORS = \(parts[1].prefix(20))") }
                skip = value
            default: break
            }
        }
        guard let md5, let skip else { throw Problem.noChecksum }
        guard sectors > Int64(Self.firstDescriptorSector) else { throw Problem.malformed("a volume of \(sectors) sectors") }
        descriptorOffset = Self.firstDescriptorSector * Self.sectorSize + offset
        checkedBytes = (sectors - skip) * Int64(Self.sectorSize)
        self.md5 = md5
    }

    /// Overwrites, in `chunk` read at `position`, the bytes of the application-use field
    /// with spaces, as implantisomd5 hashed them.
    public func blankField(in chunk: inout [UInt8], at position: Int64) {
        let start = Int64(descriptorOffset + Self.applicationUseOffset) - position
        let end = start + Int64(Self.applicationUseSize)
        let from = max(0, start), to = min(Int64(chunk.count), end)
        guard from < to else { return }
        for index in Int(from)..<Int(to) { chunk[index] = 0x20 }
    }
}
