@testable import StatelessCore
import XCTest

/// The pure half of cached clients: the signed manifest, the cache's record and its
/// flip, what a client does with a server's version, the verity superblock and the
/// byte ranges a sync asks for.
final class CachedReleaseTests: XCTestCase {
    static let digest = String(repeating: "ab", count: 32)
    static let manifest = ReleaseManifest(
        name: "root", version: 7, created: 1_796_000_000, imageSize: 8192, dataSHA256: digest, dataSize: 16384,
        zckHeaderSize: 291, zckHeaderSHA256: digest, verityRootHash: digest, veritySalt: "00ff", verityHashOffset: 8192)

    func testTheManifestReadsBackWhatPublishWrites() throws {
        let text = Self.manifest.text
        XCTAssertTrue(text.hasPrefix("FORMAT=1\nNAME=root\nVERSION=7\n"), text)
        XCTAssertEqual(try ReleaseManifest(parsing: text), Self.manifest)
        XCTAssertEqual(Self.manifest.zckSize, 291 + 16384)
    }

    func testAManifestWithAFieldMissingOrWrongNamesIt() {
        func problem(_ edit: (String) -> String) -> String? {
            do { _ = try ReleaseManifest(parsing: edit(Self.manifest.text)); return nil } catch { return error.field }
        }
        XCTAssertEqual(problem { $0.replacingAll("VERSION=7\n", with: "") }, "VERSION")
        XCTAssertEqual(problem { $0.replacingAll("VERSION=7", with: "VERSION=seven") }, "VERSION")
        XCTAssertEqual(problem { $0.replacingAll("FORMAT=1", with: "FORMAT=2") }, "FORMAT")
        XCTAssertEqual(problem { $0.replacingAll("VERITY_ROOT_HASH=\(Self.digest)", with: "VERITY_ROOT_HASH=abc") }, "VERITY_ROOT_HASH")
        XCTAssertEqual(problem { $0.replacingAll("IMAGE_SIZE=8192", with: "IMAGE_SIZE=8000") }, "IMAGE_SIZE")
        XCTAssertEqual(problem { $0.replacingAll("VERITY_HASH_OFFSET=8192", with: "VERITY_HASH_OFFSET=20000") }, "VERITY_HASH_OFFSET")
        XCTAssertEqual(problem { $0.replacingAll("VERITY_SALT=00ff", with: "VERITY_SALT=0g") }, "VERITY_SALT")
    }

    func testWhatAClientDoesWithAServersVersion() {
        var manifest = Self.manifest
        XCTAssertEqual(manifest.decision(running: nil, accepted: nil), .first)
        XCTAssertEqual(manifest.decision(running: 6, accepted: 6), .newer(than: 6))
        XCTAssertEqual(manifest.decision(running: 7, accepted: 7), .current)
        XCTAssertEqual(manifest.decision(running: 8, accepted: 8), .rollback(from: 8))
        // The accepted release's slot failed and an older one boots: the accepted one is
        // fetched again; anything below what was ever accepted stays a rollback.
        XCTAssertEqual(manifest.decision(running: 5, accepted: 7), .newer(than: 5))
        manifest.version = 6
        XCTAssertEqual(manifest.decision(running: 5, accepted: 7), .rollback(from: 7))
        XCTAssertEqual(manifest.decision(running: nil, accepted: 7), .rollback(from: 7))
    }

    func testTheRecordNamesTheActiveSlotAndTheOtherIsWhereASyncGoes() throws {
        let record = CacheRecord(active: .b, version: 3, manifestSHA256: Self.digest)
        XCTAssertEqual(record.text, "ACTIVE=b\nVERSION=3\nMANIFEST_SHA256=\(Self.digest)\n")
        XCTAssertEqual(CacheRecord(parsing: record.text), record)
        XCTAssertEqual(CacheRecord.target(for: record), .a)
        XCTAssertEqual(CacheRecord.target(for: nil), .a)
        XCTAssertEqual(CacheRecord.target(for: CacheRecord(active: .a, version: 1, manifestSHA256: Self.digest)), .b)
        // Half a record (a hand edit, a file from elsewhere) is no record at all.
        XCTAssertNil(CacheRecord(parsing: "ACTIVE=c\nVERSION=3\nMANIFEST_SHA256=\(Self.digest)\n"))
        XCTAssertNil(CacheRecord(parsing: "ACTIVE=a\nMANIFEST_SHA256=\(Self.digest)\n"))
        XCTAssertNil(CacheRecord(parsing: ""))
    }

    /// A superblock as `veritysetup format --hash-offset` writes it (cryptsetup's layout).
    static func superblock(salt: [UInt8] = [0x00, 0xff], algorithm: String = "sha256", dataBlocks: UInt64 = 2) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 512)
        func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            for index in 0..<MemoryLayout<T>.size { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
        }
        bytes.replaceSubrange(0..<8, with: Array("verity".utf8) + [0, 0])
        put(UInt32(1), at: 8)
        put(UInt32(1), at: 12)
        bytes.replaceSubrange(32..<(32 + algorithm.utf8.count), with: Array(algorithm.utf8))
        put(UInt32(4096), at: 64)
        put(UInt32(4096), at: 68)
        put(dataBlocks, at: 72)
        put(UInt16(salt.count), at: 80)
        bytes.replaceSubrange(88..<(88 + salt.count), with: salt)
        return bytes
    }

    func testTheVerityTableComesFromTheSuperblockAndTheTrustedRootHash() throws {
        let superblock = try VeritySuperblock(parsing: Self.superblock())
        XCTAssertEqual(superblock.algorithm, "sha256")
        XCTAssertEqual(superblock.dataSectors, 16)
        // The tree starts one block after the superblock at 8192: block 3.
        XCTAssertEqual(superblock.tableParameters(dataDevice: "/dev/loop0", hashDevice: "/dev/loop0", superblockOffset: 8192, rootHash: Self.digest),
                       "1 /dev/loop0 /dev/loop0 4096 4096 2 3 sha256 \(Self.digest) 00ff")
        XCTAssertTrue(try VeritySuperblock(parsing: Self.superblock(salt: [])).tableParameters(dataDevice: "d", hashDevice: "h", superblockOffset: 0, rootHash: "r").hasSuffix(" 1 sha256 r -"))
    }

    func testAnythingButAVeritySuperblockIsRefusedWithWhatWasFound() {
        XCTAssertThrowsError(try VeritySuperblock(parsing: [UInt8](repeating: 0, count: 512))) { XCTAssertTrue("\($0)".contains("no verity superblock"), "\($0)") }
        XCTAssertThrowsError(try VeritySuperblock(parsing: Array(Self.superblock().prefix(100)))) { XCTAssertTrue("\($0)".contains("found 100 bytes"), "\($0)") }
        XCTAssertThrowsError(try VeritySuperblock(parsing: Self.superblock(algorithm: "sha 256"))) { XCTAssertTrue("\($0)".contains("not a hash name"), "\($0)") }
    }

    func testAdjacentMissingChunksAreOneRangeRequest() {
        XCTAssertEqual(ChunkRanges.merge([(start: 300, length: 100), (start: 100, length: 50), (start: 150, length: 50), (start: 400, length: 10)]),
                       [100...199, 300...409])
        XCTAssertEqual(ChunkRanges.merge([(start: 0, length: 0), (start: 10, length: 5)]), [10...14])
        XCTAssertEqual(ChunkRanges.merge([]), [])
    }

    func testHexBytesRoundTripAndRefuseAnythingElse() {
        XCTAssertEqual(HexDigest.bytes("00ffA1"), [0x00, 0xff, 0xa1])
        XCTAssertEqual(HexDigest.text([0x00, 0xff, 0xa1]), "00ffa1")
        XCTAssertNil(HexDigest.bytes("0"))
        XCTAssertNil(HexDigest.bytes("zz"))
    }

    func testTheCacheAndRoothashOptionsAskForWhatTheyNeed() throws {
        let cached = try BootOptions(KernelCommandLine(parsing: "root=live:http://10.0.3.1/os/os.squashfs stateless.cache=PARTLABEL=c stateless.cache.format=1 stateless.cache.timeout=3"))
        XCTAssertEqual(cached.cache.device, .tag(name: "PARTLABEL", value: "c"))
        XCTAssertTrue(cached.cache.format)
        XCTAssertEqual(cached.cache.timeoutSeconds, 3)
        // Without the network a cached client boots: the net stage's waits are bounded by it.
        XCTAssertEqual([cached.net.linkTimeoutSeconds, cached.net.carrierTimeoutSeconds, cached.net.dhcpTimeoutSeconds], [3, 3, 3])
        let told = try BootOptions(KernelCommandLine(parsing: "root=live:http://10.0.3.1/os.squashfs stateless.cache=/dev/vdb rd.net.timeout.dhcp=40"))
        XCTAssertEqual([told.net.carrierTimeoutSeconds, told.net.dhcpTimeoutSeconds], [10, 40])
        XCTAssertNoThrow(try BootOptions(KernelCommandLine(parsing: "root=nfs:10.0.3.1:/srv/os.squashfs stateless.cache=/dev/vdb")))
        func refusal(_ line: String) -> String? {
            do { _ = try BootOptions(KernelCommandLine(parsing: line)); return nil } catch { return (error as? OptionError)?.option }
        }
        // Nothing to sync from a local disk or a CD; a blank device has no label yet.
        XCTAssertEqual(refusal("root=/dev/vda stateless.cache=/dev/vdb"), "stateless.cache")
        XCTAssertEqual(refusal("root=live:CDLABEL=x stateless.cache=/dev/vdb"), "stateless.cache")
        XCTAssertEqual(refusal("root=nfs:10.0.3.1:/os.squashfs stateless.cache=LABEL=c stateless.cache.format=1"), "stateless.cache.format")
        // A block root's tree must be named; an image's is beside it.
        XCTAssertEqual(refusal("root=/dev/vda roothash=\(Self.digest)"), "roothash")
        XCTAssertNil(refusal("root=/dev/vda roothash=\(Self.digest) systemd.verity_root_hash=/dev/vdb"))
        XCTAssertNil(refusal("root=nfs:10.0.3.1:/os.squashfs roothash=\(Self.digest)"))
    }
}
