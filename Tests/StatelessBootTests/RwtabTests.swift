import StatelessBoot
import XCTest

final class RwtabTests: XCTestCase {
    func testParsesFedoraSyntax() {
        let text = """
            # Fedora's default, abridged
            dirs\t/var/cache/man
            empty /tmp
            files   /var/lib/dhclient

            files /etc/resolv.conf   \r
            """
        let parsed = Rwtab.parse(text, source: "/etc/rwtab")
        XCTAssertEqual(parsed.entries, [
            RwtabEntry(.dirs, "/var/cache/man"), RwtabEntry(.empty, "/tmp"),
            RwtabEntry(.files, "/var/lib/dhclient"), RwtabEntry(.files, "/etc/resolv.conf"),
        ])
        XCTAssertEqual(parsed.warnings, [])
    }

    func testHostileLinesBecomeWarningsWithTheirLocation() {
        let text = "bind /x\nempty\nempty relative\nfiles /a /b\ndirs /../etc\nempty /\nempty //\nfiles /ok/./x//y/"
        let parsed = Rwtab.parse(text, source: "rwtab.d/extra")
        XCTAssertEqual(parsed.entries, [RwtabEntry(.files, "/ok/x/y")])
        XCTAssertEqual(parsed.warnings.count, 7)
        XCTAssertEqual(parsed.warnings.first, "rwtab.d/extra:1: unknown type \"bind\" (expected empty, dirs or files)")
        XCTAssertTrue(parsed.warnings[1].hasPrefix("rwtab.d/extra:2:"))
    }

    func testPlanMountsOnlyOutermostPathsParentsFirst() {
        let steps = Rwtab.plan([
            RwtabEntry(.empty, "/var/lib/demo/nested"), RwtabEntry(.files, "/var/lib/demo"),
            RwtabEntry(.dirs, "/var/lib/demo-other"), RwtabEntry(.empty, "/tmp"),
            RwtabEntry(.files, "/tmp"), RwtabEntry(.dirs, "/var"),
        ])
        XCTAssertEqual(steps, [
            RwtabStep(RwtabEntry(.files, "/tmp"), bindMount: true),
            RwtabStep(RwtabEntry(.dirs, "/var"), bindMount: true),
            RwtabStep(RwtabEntry(.files, "/var/lib/demo"), bindMount: false),
            RwtabStep(RwtabEntry(.dirs, "/var/lib/demo-other"), bindMount: false),
            RwtabStep(RwtabEntry(.empty, "/var/lib/demo/nested"), bindMount: false),
        ])
    }

    func testSiblingWithCommonPrefixIsNotNested() {
        let steps = Rwtab.plan([RwtabEntry(.files, "/var/lib/demo"), RwtabEntry(.files, "/var/lib/demo2")])
        XCTAssertEqual(steps.map(\.bindMount), [true, true])
    }

    func testIgnoredFileNames() {
        for name in ["x.rpmsave", "x.rpmnew", "x~", ".hidden", "x.dpkg-old", "x.swp"] {
            XCTAssertTrue(Rwtab.isIgnoredFileName(name), name)
        }
        for name in ["extra", "00-base", "demo.conf"] { XCTAssertFalse(Rwtab.isIgnoredFileName(name), name) }
    }
}
