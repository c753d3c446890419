import StatelessBoot
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
            ("=v", [KernelParameter("", "v")], []),
            ("LABEL=ÿé root=LABEL=ÿé", [KernelParameter("LABEL", "ÿé"), KernelParameter("root", "LABEL=ÿé")], []),
        ]
        for (text, parameters, initArguments) in cases {
            let line = KernelCommandLine(parsing: text)
            XCTAssertEqual(line.parameters, parameters, "parsing \(text.debugDescription)")
            XCTAssertEqual(line.initArguments, initArguments, "parsing \(text.debugDescription)")
        }
    }

    func testLastValueWinsAndAllAccumulate() {
        let line = KernelCommandLine(parsing: "root=/dev/a rd.driver.blacklist=x root=/dev/b rd.driver.blacklist=y")
        XCTAssertEqual(line.last("root")?.value, "/dev/b")
        XCTAssertEqual(line.all("rd.driver.blacklist").map(\.value), ["x", "y"])
        XCTAssertNil(line.last("missing"))
    }

    func testConfigFilesComeFirstSoTheKernelLineWins() {
        let line = KernelCommandLine(
            configFiles: ["# comment root=/dev/nope\nroot=/dev/a rd.timeout=5\n", "  # indented comment\nquiet"],
            kernel: "root=/dev/b\n")
        XCTAssertEqual(line.last("root")?.value, "/dev/b")
        XCTAssertEqual(line.last("rd.timeout")?.value, "5")
        XCTAssertNotNil(line.last("quiet"))
        XCTAssertEqual(line.all("root").count, 2, "the commented-out root= is not read")
    }
}
