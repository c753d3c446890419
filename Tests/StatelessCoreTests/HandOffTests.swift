import StatelessCore
import StatelessProtocols
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

    /// What `format` writes reads back as it was, hostile values included.
    func testParseReadsBackWhatFormatWrote() {
        let values = ["/dev/vda", "", "two words", "it's", "''", "$(reboot)", "a\nb\n", "\\x", "10.0.2.4:/srv/${mac}", "=", "'\n'"]
        let facts = values.enumerated().map { ("K\($0.offset)", $0.element) }
        let parsed = HandOff.parse(HandOff.format(facts))
        XCTAssertEqual(parsed.count, facts.count)
        for (key, value) in facts { XCTAssertEqual(parsed[key], value, key) }
    }

    func testParseSkipsLinesThatAreNoFacts() {
        let cases: [(String, [String: String])] = [
            ("", [:]), ("\n\n", [:]), ("# comment\nA=1\n", ["A": "1"]), ("=x\nB=2", ["B": "2"]),
            ("bad key=1\nC='unterminated", ["C": "unterminated"]), ("D=a\\ b\nE=x'y z'w\n", ["D": "a b", "E": "xy zw"]),
            ("F=1\nF=2\n", ["F": "2"]), ("G=trailing\\", ["G": "trailing\\"]),
        ]
        for (text, expected) in cases { XCTAssertEqual(HandOff.parse(text), expected, text) }
    }

    func testTimelineLine() {
        let entry = TimelineEntry(stage: "root", start: Uptime(nanoseconds: 3_004_000_000),
                                  end: Uptime(nanoseconds: 12_345_678_901), outcome: "ok")
        XCTAssertEqual(entry.line, "root 3.004 12.345 ok\n")
        XCTAssertEqual(TimelineEntry.parse(entry.line).map(\.line), [entry.line], "milliseconds, as written")
    }
}
