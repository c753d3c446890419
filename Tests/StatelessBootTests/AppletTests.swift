@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import XCTest

final class AppletTests: XCTestCase {
    func testDispatchByNameOrFirstArgument() {
        let cases: [([String], Bool, Applet?)] = [
            (["/init"], true, .boot),
            ([], true, .boot),  // the runtime could not read /proc/self/cmdline yet
            // PID 1 runs the boot whatever the kernel passed (rdinit=, words like splash).
            (["/usr/bin/stateless"], true, .boot),
            (["/usr/bin/stateless", "splash", "foo"], true, .boot),
            (["/init", "root"], true, .boot),
            (["/sbin/modprobe"], true, .boot),
            ([], false, nil),
            (["/usr/bin/stateless"], false, nil),
            (["stateless", "root"], false, .stage(.root)),
            (["stateless", "switch-root"], false, .stage(.switchRoot)),
            (["/sbin/switch-root"], false, .stage(.switchRoot)),
            (["stateless", "bogus"], false, nil),
            (["stateless", "init"], false, .boot),
            (["modules", "ignored"], false, .stage(.modules)),
            (["/sbin/modprobe", "-q", "--", "fs-xfs"], false, .modprobe),
            // systemd's mark for a storage daemon that survives switch-root.
            (["@modprobe", "x"], false, .modprobe),
            (["@stateless", "root"], false, .stage(.root)),
        ]
        for (arguments, isPID1, applet) in cases {
            XCTAssertEqual(Applet.select(arguments, isPID1: isPID1), applet, "\(arguments) pid1=\(isPID1)")
        }
        XCTAssertTrue(Applet.usage.contains("switch-root"))
        XCTAssertTrue(Applet.usage.contains("modprobe"))
        XCTAssertNil(Applet.named("init").flatMap { if case .stage = $0 { return $0 } else { return nil } },
                     "init names the whole boot, not the early-mount stage")
    }

    func testAppletArgumentsFollowTheName() {
        XCTAssertEqual(Applet.appletArguments(["/sbin/modprobe", "-q", "--", "fs-xfs"], applet: .modprobe), ["-q", "--", "fs-xfs"])
        XCTAssertEqual(Applet.appletArguments(["stateless", "modprobe", "-q", "x"], applet: .modprobe), ["-q", "x"])
        XCTAssertEqual(Applet.appletArguments(["@modprobe", "x"], applet: .modprobe), ["x"])
    }

    func testOneStageListNamesAppletsBreakPointsAndTimeline() {
        for stage in Stage.allCases where stage != .`init` {
            XCTAssertEqual(Applet.named(stage.rawValue), .stage(stage))
            XCTAssertEqual(Stage.breakPoint(named: stage.rawValue), stage)
        }
        XCTAssertNil(Stage.breakPoint(named: "init"))
        XCTAssertEqual(Stage.allCases.map(\.rawValue), ["init", "cmdline", "modules", "net", "root", "overlay", "switch-root"])
    }

    func testModprobeRequests() throws {
        let cases: [([String], ModprobeRequest)] = [
            (["-q", "--", "fs-xfs"], ModprobeRequest(names: ["fs-xfs"], quiet: true)),
            (["nls_cp437"], ModprobeRequest(names: ["nls_cp437"])),
            (["-a", "-b", "dm-mod", "dm-snapshot"], ModprobeRequest(names: ["dm-mod", "dm-snapshot"])),
            (["--", "-odd-name"], ModprobeRequest(names: ["-odd-name"])),
        ]
        for (arguments, request) in cases {
            XCTAssertEqual(try ModprobeRequest(arguments: arguments), request, "\(arguments)")
        }
        for bad in [[], ["-q"], ["-r", "x"], ["x", "param=1"], ["--", ""], ["--frobnicate", "x"]] {
            XCTAssertThrowsError(try ModprobeRequest(arguments: bad), "\(bad)")
        }
    }
}
