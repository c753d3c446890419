import StatelessBoot
import XCTest

final class AppletTests: XCTestCase {
    func testDispatchByNameOrFirstArgument() {
        let cases: [([String], Bool, Applet?)] = [
            (["/init"], true, .`init`),
            ([], true, .`init`),  // the runtime could not read /proc/self/cmdline yet
            ([], false, nil),
            (["/usr/bin/stateless"], false, nil),
            (["stateless", "root"], false, .root),
            (["stateless", "switch-root"], false, .switchRoot),
            (["/sbin/switch-root"], false, .switchRoot),
            (["stateless", "bogus"], false, nil),
            (["modules", "ignored"], false, .modules),
        ]
        for (arguments, isPID1, applet) in cases {
            XCTAssertEqual(Applet.select(arguments, isPID1: isPID1), applet, "\(arguments) pid1=\(isPID1)")
        }
        XCTAssertTrue(Applet.usage.contains("switch-root"))
    }
}
