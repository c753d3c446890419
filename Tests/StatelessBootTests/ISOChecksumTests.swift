@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import XCTest

/// rd.live.check: isomd5sum's implanted MD5, from the volume descriptors to the verdict.
final class ISOChecksumTests: XCTestCase {
    /// Volume descriptors from sector 16: `before` other descriptors, then the primary one
    /// with `sectors` and `field` in its application-use area.
    func descriptors(sectors: UInt32, field: String, before: Int = 0) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<before { bytes += [0] + Array("CD001".utf8) + [UInt8](repeating: 0, count: 2042) }
        var pvd = [1] + Array("CD001".utf8) + [UInt8](repeating: 0, count: 2042)
        pvd.replaceSubrange(84..<88, with: [UInt8(sectors >> 24), UInt8(sectors >> 16 & 255), UInt8(sectors >> 8 & 255), UInt8(sectors & 255)])
        let text = Array(field.utf8.prefix(512))
        pvd.replaceSubrange(883..<(883 + text.count), with: text)
        return bytes + pvd
    }

    func testImplantedFields() throws {
        let md5 = "0123456789ABCDEF0123456789abcdef"
        let sum = try ISOChecksum(descriptors: descriptors(sectors: 1000, field: "ISO MD5SUM = \(md5);SKIPSECTORS = 15;RHLISOSTATUS=1;FRAGMENT SUMS = abc;FRAGMENT COUNT = 20;THIS IS NOT THE SAME AS RUNNING MD5SUM ON THIS ISO!!"))
        XCTAssertEqual(sum, ISOChecksum(descriptorOffset: 32768, checkedBytes: 985 * 2048, md5: md5.lowercased()))
        // A boot record first: the primary descriptor one sector on.
        XCTAssertEqual(try ISOChecksum(descriptors: descriptors(sectors: 100, field: "ISO MD5SUM = \(md5);SKIPSECTORS = 0;", before: 1)).descriptorOffset, 34816)
        let failures: [(String, [UInt8], ISOChecksum.Problem)] = [
            ("no field", descriptors(sectors: 100, field: ""), .noChecksum),
            ("md5 only", descriptors(sectors: 100, field: "ISO MD5SUM = \(md5);"), .noChecksum),
            ("short md5", descriptors(sectors: 100, field: "ISO MD5SUM = 0123;SKIPSECTORS = 15;"), .malformed("ISO MD5SUM = 0123")),
            ("skip too big", descriptors(sectors: 10, field: "ISO MD5SUM = \(md5);SKIPSECTORS = 10;"), .malformed("SKIPSECTORS = 10")),
            ("skip negative", descriptors(sectors: 100, field: "ISO MD5SUM = \(md5);SKIPSECTORS = -1;"), .malformed("SKIPSECTORS = -1")),
            ("tiny volume", descriptors(sectors: 5, field: "ISO MD5SUM = \(md5);SKIPSECTORS = 0;"), .malformed("a volume of 5 sectors")),
            ("not ISO 9660", [UInt8](repeating: 0, count: 4096), .noPrimaryDescriptor),
            ("truncated", Array(descriptors(sectors: 100, field: "x").prefix(1000)), .noPrimaryDescriptor),
            ("terminator first", [255] + Array("CD001".utf8) + [UInt8](repeating: 0, count: 2042), .noPrimaryDescriptor),
        ]
        for (name, bytes, problem) in failures {
            XCTAssertThrowsError(try ISOChecksum(descriptors: bytes), name) { XCTAssertEqual($0 as? ISOChecksum.Problem, problem, name) }
        }
    }

    func testBlankField() throws {
        let sum = ISOChecksum(descriptorOffset: 32768, checkedBytes: 1 << 20, md5: "")
        var chunk = [UInt8](repeating: 1, count: 1000)
        sum.blankField(in: &chunk, at: 32768 + 883 - 100)  // the field starts 100 bytes in
        XCTAssertEqual(chunk[99], 1)
        XCTAssertEqual(chunk[100..<612].allSatisfy { $0 == 0x20 }, true)
        XCTAssertEqual(chunk[612], 1)
        var tail = [UInt8](repeating: 1, count: 100)
        sum.blankField(in: &tail, at: 32768 + 883 + 500)  // the field's last 12 bytes
        XCTAssertEqual(tail.prefix(12).allSatisfy { $0 == 0x20 }, true)
        XCTAssertEqual(tail[12], 1)
        var before = [UInt8](repeating: 1, count: 883)
        sum.blankField(in: &before, at: 32768)
        XCTAssertTrue(before.allSatisfy { $0 == 1 })
    }

    /// A real ISO (xorriso) with isomd5sum's implantisomd5: verified; one byte changed: refused.
    func testImplantisomd5RoundTrip() throws {
        for tool in ["xorriso", "implantisomd5"] {
            guard (try? Posix.statIfPresent("/usr/bin/" + tool)) != nil else {
                return XCTFail("\(tool) is missing: Tests/lab/setup installs it (xorriso, isomd5sum)")
            }
        }
        let directory = "/tmp/stateless-isochecksum-\(getpid())"
        defer { _ = shell("rm -rf \(directory)") }
        XCTAssertEqual(shell("mkdir -p \(directory)/tree/LiveOS && head -c 300000 /dev/urandom > \(directory)/tree/LiveOS/squashfs.img && xorriso -as mkisofs -quiet -R -V CHECK -o \(directory)/x.iso \(directory)/tree 2>/dev/null && implantisomd5 \(directory)/x.iso >/dev/null"), 0)
        let check = LiveMediumCheck(log: Logger(verbose: false))
        XCTAssertNoThrow(try check.run(directory + "/x.iso"))
        // A byte in the file's data (past the descriptors) flipped.
        XCTAssertEqual(shell("printf '\\\\377' | dd of=\(directory)/x.iso bs=1 seek=200000 conv=notrunc status=none"), 0)
        XCTAssertThrowsError(try check.run(directory + "/x.iso")) { error in
            XCTAssertTrue("\(error)".contains("the medium reads as"), "\(error)")
        }
    }

    func shell(_ command: String) -> Int32 {
        let status = system(command)
        return status == -1 ? -1 : (status >> 8) & 0xff
    }
}
