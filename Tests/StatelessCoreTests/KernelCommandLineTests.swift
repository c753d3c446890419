import StatelessCore
import StatelessProtocols
import XCTest

final class KernelCommandLineTests: XCTestCase {
    func testSplitsAndUnquotesLikeTheKernel() {
        let cases: [(String, [KernelParameter], [String])] = [
            ("", [], []),
            ("   \t\n ", [], []),
            ("ro", [KernelParameter("ro")], []),
            ("root=/dev/vda ro", [KernelParameter("root", "/dev/vda"), KernelParameter("ro")], []),
            ("key=", [KernelParameter("key", "")], []),
            ("a=b=c", [KernelParameter("a", "b=c")], []),
            ("x=\"two words\" y", [KernelParameter("x", "two words"), KernelParameter("y")], []),
            ("\"x=two words\" y", [KernelParameter("x", "two words"), KernelParameter("y")], []),
            ("x=a\"b c\"d", [KernelParameter("x", "a\"b c\"d")], []),
            ("x=\"unterminated value", [KernelParameter("x", "unterminated value")], []),
            ("ro -- single --verbose", [KernelParameter("ro")], ["single", "--verbose"]),
            ("ro --", [KernelParameter("ro")], []),
            // A `=` as the first character does not end the key (next_arg's `equals == 0`).
            ("=v", [KernelParameter("=v")], []),
            ("=a=b", [KernelParameter("=a", "b")], []),
            ("\"\"", [KernelParameter("")], []),
            ("ro \"", [KernelParameter("ro"), KernelParameter("")], []),
            ("x=\"", [KernelParameter("x", "")], []),
            // A quote inside a whole-quoted word closes it early, as in the kernel.
            ("\"x=\"a b\"\" y", [KernelParameter("x", "a"), KernelParameter("b\"\""), KernelParameter("y")], []),
            ("x=\"unterminated\n tail", [KernelParameter("x", "unterminated\n tail")], []),
            ("\"--\" init-arg", [], ["init-arg"]),
            ("-- a=\"b c\"", [], ["a=b c"]),
            // The kernel's second pass over init's words stops at the next `--`.
            ("ro -- a -- b", [KernelParameter("ro")], ["a"]),
            // The kernel's ctype table makes 0xA0 a space: "à" (C3 A0) splits a word.
            ("x=\u{E0}y z", [KernelParameter("x", "\u{FFFD}"), KernelParameter("y"), KernelParameter("z")], []),
            ("LABEL=ÿé root=LABEL=ÿé", [KernelParameter("LABEL", "ÿé"), KernelParameter("root", "LABEL=ÿé")], []),
        ]
        for (text, parameters, initArguments) in cases {
            let line = KernelCommandLine(parsing: text)
            XCTAssertEqual(line.parameters, parameters, "parsing \(text.debugDescription)")
            XCTAssertEqual(line.initArguments, initArguments, "parsing \(text.debugDescription)")
        }
    }

    func testRawLatin1NoBreakSpaceSplitsBeforeDecoding() {
        let bytes = Array("root=/dev/sda1".utf8) + [0xA0] + Array("quiet\n".utf8)
        let line = KernelCommandLine(configFiles: [], kernel: bytes)
        XCTAssertEqual(line.parameters, [KernelParameter("root", "/dev/sda1"), KernelParameter("quiet")])
    }

    func testProcCmdlineNewlineBelongsToNoValue() {
        let line = KernelCommandLine(configFiles: [], kernel: "root=/dev/vda x=\"unterminated value\n")
        XCTAssertEqual(line.parameters.last { $0.key == "x" }?.value, "unterminated value")
    }

    func testAnUnterminatedQuoteInAConfigFileDoesNotSwallowTheKernelLine() {
        let line = KernelCommandLine(configFiles: ["rd.x=\"open\n"], kernel: "root=/dev/vda quiet\n")
        XCTAssertEqual(line.parameters.last { $0.key == "rd.x" }?.value, "open")
        XCTAssertEqual(line.parameters.last { $0.key == "root" }?.value, "/dev/vda")
        XCTAssertNotNil(line.parameters.last { $0.key == "quiet" })
    }

    func testLastValueWinsAndAllAccumulate() {
        let line = KernelCommandLine(parsing: "root=/dev/a rd.driver.blacklist=x root=/dev/b modprobe.blacklist=y tmpfs.size=1")
        XCTAssertEqual(line.last(.root)?.value, "/dev/b")
        XCTAssertEqual(line.all(.moduleBlacklist).map(\.value), ["x", "y"], "an alias is the same option")
        XCTAssertNil(line.last(.tmpfsSize), "a key is matched whole")
    }

    func testConfigFilesComeFirstSoTheKernelLineWins() {
        let line = KernelCommandLine(
            configFiles: ["# comment root=/dev/nope\nroot=/dev/a rd.timeout=5\n", "  # indented comment\nquiet"],
            kernel: "root=/dev/b\n")
        XCTAssertEqual(line.parameters.last { $0.key == "root" }?.value, "/dev/b")
        XCTAssertEqual(line.parameters.last { $0.key == "rd.timeout" }?.value, "5")
        XCTAssertNotNil(line.parameters.last { $0.key == "quiet" })
        XCTAssertEqual(line.parameters.filter { $0.key == "root" }.count, 2, "the commented-out root= is not read")
    }
}
