import StatelessBoot
import XCTest

final class HandOffTests: XCTestCase {
    func testQuotingForShells() {
        let cases: [(String, String)] = [
            ("/dev/vda", "/dev/vda"), ("", "''"), ("two words", "'two words'"),
            ("it's", "'it'\\''s'"), ("$(reboot)", "'$(reboot)'"), ("a\nb", "'a\nb'"),
            ("UUID=0b5d-11", "UUID=0b5d-11"),
        ]
        for (value, quoted) in cases { XCTAssertEqual(HandOff.quote(value), quoted, value) }
    }

    func testFormat() {
        let facts = [("A", "1"), ("B", "two words"), ("C", "it's"), ("D", "")]
        let text = HandOff.format(facts)
        XCTAssertEqual(text, "A=1\nB='two words'\nC='it'\\''s'\nD=''\n")
    }

    func testTimelineLine() {
        let entry = TimelineEntry(stage: "root", start: Uptime(nanoseconds: 3_004_000_000),
                                  end: Uptime(nanoseconds: 12_345_678_901), outcome: "ok")
        XCTAssertEqual(entry.line, "root 3.004 12.345 ok\n")
    }
}
