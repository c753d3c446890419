import Foundation
@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import XCTest

/// A cache slot filled from a release directory (DirectoryReleaseSource, as an NFS export
/// gives it) with real zchunk files made by the `zck` tool: the chunks the other slot has
/// are copied, only the rest is read, and a sync cut short resumes; the record is
/// replaced whole.
final class CacheSyncTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/zck") else {
            let why = "no /usr/bin/zck (Debian: zchunk; Tests/lab/setup installs it)"
            // Under CI a missing prerequisite is a failure, never a skip (docs/testing.md).
            if ProcessInfo.processInfo.environment["CI"] == "true" { throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: why]) }
            throw XCTSkip(why)
        }
        directory = String(cString: mkdtemp(strdup("/tmp/stateless-cache.XXXXXX")))
        for sub in ["server", "cache/a", "cache/b"] { try FileManager.default.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true) }
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `bytes` in an uncompressed zchunk file at `path` (as `mkstateless publish` makes it).
    func zck(_ bytes: [UInt8], at path: String) throws {
        let data = path + ".data"
        try Data(bytes).write(to: URL(fileURLWithPath: data))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/zck")
        process.arguments = ["--compression-format=none", "-o", path, data]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        try FileManager.default.removeItem(atPath: data)
    }

    func sha256(_ bytes: some Collection<UInt8>) -> String {
        var digest = SHA256()
        Array(bytes).withUnsafeBytes { digest.update($0) }
        return digest.hexDigest()
    }

    /// The manifest `publish` would sign for the zchunk file at `path` holding `data`.
    func release(_ path: String, data: [UInt8], version: UInt64) throws -> SignedRelease {
        let file = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        let header = UInt64(file.count - data.count)
        let manifest = ReleaseManifest(
            name: "os", version: version, created: 0, imageSize: UInt64(data.count - 4096), dataSHA256: sha256(data),
            dataSize: UInt64(data.count), zckHeaderSize: header, zckHeaderSHA256: sha256(file.prefix(Int(header))),
            verityRootHash: String(repeating: "0", count: 64), veritySalt: "", verityHashOffset: UInt64(data.count - 4096))
        return SignedRelease(manifest: manifest, text: Array(manifest.text.utf8), signature: Array("signature\n".utf8), signer: "test", sha256: "")
    }

    func overwrite(_ path: String, at offset: UInt64, with bytes: [UInt8]) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: bytes)
        try handle.close()
    }

    func random(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    func testOnlyTheChunksNeitherSlotHasAreReadAndACutSyncResumes() throws {
        let old = random(2 << 20)
        var new = old
        new.replaceSubrange(1_000_000..<1_000_000, with: random(40_000))  // 2 % inserted in the middle
        new.removeLast(new.count % 4096)
        try zck(old, at: directory + "/cache/a/os.zck")
        try zck(new, at: directory + "/server/os.zck")
        let signed = try release(directory + "/server/os.zck", data: new, version: 2)
        let store = CacheStore(directory: directory + "/cache", device: "test")
        let sync = ReleaseSync(source: DirectoryReleaseSource(location: "test", directory: directory + "/server"), name: "os", store: store,
                               keys: TrustedKeys(), log: Logger(verbose: false), stage: "test", timeoutSeconds: 1, retrySeconds: 1)

        let filled = try sync.fill(.b, with: signed, reusing: .a)
        let served = try Data(contentsOf: URL(fileURLWithPath: directory + "/server/os.zck"))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: directory + "/cache/b/os.zck")), served, "the slot holds the release byte for byte")
        XCTAssertGreaterThan(filled.reusedChunks, filled.chunks / 2, "most chunks come from slot a")
        // 2 % inserted: the new bytes and the chunks around them (content-defined, ~100 KB
        // each in random data), far from the whole.
        XCTAssertLessThan(filled.fetchedBytes, Int64(served.count) / 4, "\(filled.fetchedBytes) of \(served.count) bytes read")
        XCTAssertEqual(try String(contentsOfFile: directory + "/cache/b/os.manifest", encoding: .utf8), signed.manifest.text, "the manifest is written last")

        // A power cut mid-sync: the manifest gone, one chunk's bytes never written.
        try FileManager.default.removeItem(atPath: directory + "/cache/b/os.manifest")
        try overwrite(directory + "/cache/b/os.zck", at: signed.manifest.zckHeaderSize + 500_000, with: [UInt8](repeating: 0, count: 100))
        try FileManager.default.removeItem(atPath: directory + "/cache/a/os.zck")  // nothing to copy from: only resume
        let resumed = try sync.fill(.b, with: signed, reusing: .a)
        XCTAssertEqual(resumed.reusedChunks, resumed.chunks - 1, "every chunk but the damaged one is kept")
        XCTAssertEqual(resumed.ranges, 1, "only the damaged chunk is read again")
        XCTAssertLessThan(resumed.fetchedBytes, Int64(served.count) / 4)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: directory + "/cache/b/os.zck")), served)
    }

    func testATamperedChunkIsNeverWrittenAsComplete() throws {
        let data = random(1 << 20)
        try zck(data, at: directory + "/server/os.zck")
        let signed = try release(directory + "/server/os.zck", data: data, version: 1)
        // The server's file altered after publishing: one byte of the data.
        try overwrite(directory + "/server/os.zck", at: signed.manifest.zckHeaderSize + 4242, with: [0x5a])
        let store = CacheStore(directory: directory + "/cache", device: "test")
        let sync = ReleaseSync(source: DirectoryReleaseSource(location: "test", directory: directory + "/server"), name: "os", store: store,
                               keys: TrustedKeys(), log: Logger(verbose: false), stage: "test", timeoutSeconds: 1, retrySeconds: 1)
        XCTAssertThrowsError(try sync.fill(.a, with: signed, reusing: .b)) { XCTAssertTrue("\($0)".contains("chunks do not match the zchunk header"), "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/cache/a/os.manifest"), "an unchecked slot has no manifest")
    }

    func testTheRecordIsReplacedWhole() throws {
        let store = CacheStore(directory: directory + "/cache", device: "test")
        XCTAssertNil(store.record())
        let digest = String(repeating: "ab", count: 32)
        try store.write(CacheRecord(active: .a, version: 1, manifestSHA256: digest))
        try store.write(CacheRecord(active: .b, version: 2, manifestSHA256: digest))
        XCTAssertEqual(store.record(), CacheRecord(active: .b, version: 2, manifestSHA256: digest))
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.recordPath + ".new"))
        // A power cut while the next record was written: its half-written file beside it
        // changes nothing.
        try "ACTIVE=a\nVERS".write(toFile: store.recordPath + ".new", atomically: false, encoding: .utf8)
        XCTAssertEqual(store.record()?.active, .b)
    }
}
