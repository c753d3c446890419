import StatelessCore
import XCTest

final class BootAnalysisTests: XCTestCase {
    /// A disk boot as the timeline records it: stages, module loads, a wait.
    let timeline = """
        init 2.620 2.661 ok
        cmdline 2.663 2.680 ok
        module:virtio_pci 2.700 3.300 ok coldplug: pci:v00001AF4d00001001
        modules 2.681 2.755 ok
        wait 2.768 3.505 ok block device UUID=1234 (rd.timeout=, rootdelay=)
        module:virtio_blk 3.310 3.540 ok uevent: virtio:d00000002v00001AF4
        module:ext4 3.510 4.200 ok root filesystem: fs-ext4
        root 2.768 4.240 ok
        module:e1000 2.700 9.000 timeout coldplug: <odd & alias>
        not a line
        overlay 4.240 4.400 ok
        exec-init 4.400 4.440 ok

        """

    func testParseRoundTripsEveryLine() {
        let entries = TimelineEntry.parse(timeline)
        XCTAssertEqual(entries.count, 11, "the line that is no entry is skipped")
        XCTAssertEqual(entries.map(\.line).joined(), timeline.split(separator: "\n").filter { $0 != "not a line" }.map { $0 + "\n" }.joined())
        let ext4 = entries.first { $0.name == "module:ext4" }
        XCTAssertEqual(ext4?.detail, "root filesystem: fs-ext4")
        XCTAssertEqual(ext4?.seconds ?? 0, 0.69, accuracy: 0.0001)
        XCTAssertFalse(ext4?.isStage ?? true)
        XCTAssertTrue(entries.first { $0.name == "exec-init" }?.isStage ?? false)
        XCTAssertEqual(Uptime(seconds: "12.5")?.nanoseconds, 12_500_000_000)
        XCTAssertNil(Uptime(seconds: "1.x"))
        XCTAssertNil(Uptime(seconds: "-1"))
    }

    func testBlameIsLongestFirstWithTheKernelsShare() {
        let lines = BootAnalysis(TimelineEntry.parse(timeline)).blame().split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(lines.first, "6.300s module e1000 coldplug: <odd & alias> [timeout]")
        XCTAssertEqual(lines[1], "2.620s kernel until /init ran")
        XCTAssertTrue(lines.contains("0.690s module ext4 root filesystem: fs-ext4"), lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains("0.737s wait for block device UUID=1234 (rd.timeout=, rootdelay=)"), lines.joined(separator: "\n"))
        XCTAssertEqual(lines.count, 12)
    }

    func testCriticalChainPutsSpansUnderTheStageTheyEndedIn() {
        let chain = BootAnalysis(TimelineEntry.parse(timeline)).criticalChain()
        let lines = chain.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "the real init started at 4.440 s uptime")
        XCTAssertEqual(lines.filter { !$0.hasPrefix("  ") }.map { String($0.split(separator: " ")[0]) },
                       ["the", "exec-init", "overlay", "root", "modules", "cmdline", "init", "kernel"])
        let root = lines.firstIndex { $0.hasPrefix("root @2.768s +1.472s") }!
        // Backwards from the stage's end: ext4's load, and before it the wait for the
        // device; virtio_blk's load ended inside the stage but during ext4's, not before it.
        XCTAssertEqual(lines[root + 1], "  └─module ext4 root filesystem: fs-ext4 @3.510s +0.690s")
        XCTAssertEqual(lines[root + 2], "  └─wait for block device UUID=1234 (rd.timeout=, rootdelay=) @2.768s +0.737s")
        XCTAssertFalse(lines[root + 3].hasPrefix("  └─"), "the wait began with the stage: the chain ends there")
        XCTAssertFalse(chain.contains("e1000"), "it ended after the real init started: on no stage's path")
    }

    func testPlotIsAnSVGWithABarPerEntry() {
        let svg = BootAnalysis(TimelineEntry.parse(timeline)).plot()
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(svg.hasSuffix("</svg>\n"))
        XCTAssertEqual(svg.components(separatedBy: "<rect ").count - 1, 1 + 12, "the background and one bar per entry, the kernel's included")
        XCTAssertTrue(svg.contains("&lt;odd &amp; alias&gt;"))
        XCTAssertFalse(svg.contains("<odd"))
        XCTAssertTrue(svg.contains(">9 s</text>"), "the axis reaches the last entry")
    }
}
