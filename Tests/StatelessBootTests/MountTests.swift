import Glibc
import StatelessBoot
import XCTest

final class MountOptionsTests: XCTestCase {
    func testLibmountSplitsFlagsFromFilesystemOptions() throws {
        let cases: [(String, UInt, String)] = [
            ("", 0, ""),
            ("ro", UInt(MS_RDONLY), ""),
            ("noatime,errors=remount-ro", UInt(MS_NOATIME), "errors=remount-ro"),
            ("rw,nosuid,nodev,data=ordered", UInt(MS_NOSUID | MS_NODEV), "data=ordered"),
            ("_netdev,x-systemd.device-timeout=5,commit=30", 0, "commit=30"),
        ]
        for (text, flags, data) in cases {
            let options = try MountOptions(parsing: text)
            XCTAssertEqual(options.flags, flags, text)
            XCTAssertEqual(options.data, data, text)
        }
    }

    func testFlagNames() {
        XCTAssertEqual(MountFlags.names(0), "0")
        XCTAssertEqual(MountFlags.names(UInt(MS_RDONLY | MS_BIND)), "MS_RDONLY|MS_BIND")
        XCTAssertEqual(MountFlags.names(UInt(MS_MOVE) | 0x4000_0000_0000), "MS_MOVE|0x400000000000")
    }

    func testBootErrorIsOneReadableLine() {
        let error = BootError("mount", "/dev/vda on /sysroot", errno: .operationNotSupportedByDevice,
                              detail: "type bogus", option: "rootfstype=")
        XCTAssertEqual(error.description, "mount /dev/vda on /sysroot: No such device (ENODEV): type bogus (controlled by rootfstype=)")
        XCTAssertFalse(error.description.contains("\n"))
    }
}
