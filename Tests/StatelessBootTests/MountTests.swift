import Glibc
import StatelessBoot
import StatelessCore
import StatelessProtocols
import StatelessSystem
import XCTest

final class MountOptionsTests: XCTestCase {
    func testLibmountSplitsFlagsFromFilesystemOptions() throws {
        let cases: [(String, MountFlags, String)] = [
            ("", [], ""),
            ("ro", [.readOnly], ""),
            ("noatime,errors=remount-ro", [.noATime], "errors=remount-ro"),
            ("rw,nosuid,nodev,data=ordered", [.noSUID, .noDev], "data=ordered"),
            ("_netdev,x-systemd.device-timeout=5,commit=30", [], "commit=30"),
        ]
        for (text, flags, data) in cases {
            let options = try MountOptions(parsing: text)
            XCTAssertEqual(options.flags, flags, text)
            XCTAssertEqual(options.data, data, text)
        }
    }

    func testFlagNames() {
        XCTAssertEqual(MountFlags().description, "0")
        XCTAssertEqual(MountFlags([.readOnly, .bind]).description, "MS_RDONLY|MS_BIND")
        XCTAssertEqual(MountFlags([.move, MountFlags(rawValue: 0x4000_0000_0000)]).description, "MS_MOVE|0x400000000000")
    }

    /// The core's flag values are the kernel's ABI as the C library spells it.
    func testFlagValuesAreTheCLibrarys() {
        let expected: [(MountFlags, Int)] = [
            (.readOnly, Int(MS_RDONLY)), (.noSUID, Int(MS_NOSUID)), (.noDev, Int(MS_NODEV)), (.noExec, Int(MS_NOEXEC)),
            (.synchronous, Int(MS_SYNCHRONOUS)), (.remount, Int(MS_REMOUNT)), (.noATime, Int(MS_NOATIME)),
            (.noDirATime, Int(MS_NODIRATIME)), (.bind, Int(MS_BIND)), (.move, Int(MS_MOVE)), (.recursive, Int(MS_REC)),
            (.private, Int(MS_PRIVATE)), (.slave, Int(MS_SLAVE)), (.shared, Int(MS_SHARED)), (.relATime, Int(MS_RELATIME)),
            (.strictATime, Int(MS_STRICTATIME)), (.lazyTime, Int(MS_LAZYTIME)),
        ]
        for (flag, value) in expected { XCTAssertEqual(flag.rawValue, UInt(value), flag.description) }
        XCTAssertEqual(MountFlags.names.count, expected.count)
        XCTAssertEqual(NetworkLink.up, UInt32(IFF_UP))
        XCTAssertEqual(NetworkLink.loopback, UInt32(IFF_LOOPBACK))
    }

    func testBootErrorIsOneReadableLine() {
        let error = BootError("mount", "/dev/vda on /sysroot", errno: .operationNotSupportedByDevice,
                              detail: "type bogus", option: "rootfstype=")
        XCTAssertEqual(error.description, "mount /dev/vda on /sysroot: No such device (ENODEV): type bogus (controlled by rootfstype=)")
        XCTAssertFalse(error.description.contains("\n"))
    }
}
