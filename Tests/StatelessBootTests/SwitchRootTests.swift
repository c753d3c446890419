import StatelessBoot
import StatelessCore
import StatelessProtocols
import StatelessSystem
import XCTest

final class PathInRootTests: XCTestCase {
    let links = [
        "/sysroot/sbin": "usr/sbin",
        "/sysroot/usr/sbin/init": "/lib/systemd/systemd",
        "/sysroot/lib": "usr/lib",
        "/sysroot/loop": "/loop",
        "/sysroot/up": "../../../etc/init",
    ]

    func resolve(_ path: String) -> String? {
        PathInRoot.resolve(path, root: "/sysroot") { links[$0] }
    }

    func testAbsoluteLinksStayInsideTheNewRoot() {
        XCTAssertEqual(resolve("/sbin/init"), "/sysroot/usr/lib/systemd/systemd")
        XCTAssertEqual(resolve("/bin/sh"), "/sysroot/bin/sh")
        XCTAssertEqual(resolve("/up"), "/sysroot/etc/init", "`..` cannot climb out of the new root")
        XCTAssertEqual(resolve("//./bin/../bin/sh"), "/sysroot/bin/sh")
    }

    func testLoopsGiveUp() {
        XCTAssertNil(resolve("/loop"))
    }

    func testCandidates() {
        XCTAssertEqual(PathInRoot.initCandidates(requested: "/bin/x"), ["/bin/x"])
        XCTAssertEqual(PathInRoot.initCandidates(requested: nil), ["/sbin/init", "/etc/init", "/bin/init", "/bin/sh"])
    }
}
