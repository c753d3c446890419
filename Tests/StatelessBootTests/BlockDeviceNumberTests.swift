import StatelessSystem
import XCTest

/// Block devices are matched to their sysfs entry by major:minor (BlockDevices.kernelName).
final class BlockDeviceNumberTests: XCTestCase {
    /// The split inverts glibc's makedev (sys/sysmacros.h), also beyond 8 bits of minor
    /// and 12 of major.
    func testSplitInvertsMakedev() {
        func makedev(_ major: UInt64, _ minor: UInt64) -> UInt64 {
            (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12) | ((major & ~0xfff) << 32)
        }
        for (major, minor) in [(1, 3), (8, 16), (254, 16), (259, 0), (4095, 1_048_575), (4096, 256), (65535, 0xfffff)] as [(UInt64, UInt64)] {
            let split = FileStatus.split(makedev(major, minor))
            XCTAssertEqual(split.major, major, "\(major):\(minor)")
            XCTAssertEqual(split.minor, minor, "\(major):\(minor)")
        }
    }

    /// /dev/null is 1:3 on every Linux; its node reads as such.
    func testANodeReadsItsNumbers() throws {
        let null = try XCTUnwrap(try Posix.statIfPresent("/dev/null"))
        XCTAssertEqual(null.device.major, 1)
        XCTAssertEqual(null.device.minor, 3)
    }
}
