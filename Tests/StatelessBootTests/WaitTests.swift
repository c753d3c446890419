@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import XCTest

/// The still-waiting lines, against given times: no waiting.
final class WaitTests: XCTestCase {
    /// The still-waiting cadence: the first line after 3 s, then every 5 s, each with the
    /// seconds waited; nothing in between. Times are given, not waited for.
    func testStillWaitingCadence() {
        let start = Uptime(nanoseconds: 1_000_000_000)
        var progress = WaitProgress(what: "block device UUID=x", seconds: 30, option: "rd.timeout=", stage: "root",
                                    log: Logger(verbose: false), start: start)
        var lines: [String] = []
        for millisecond in stride(from: 0, through: 14_000, by: 50) {
            if let line = progress.due(now: start.adding(milliseconds: millisecond)) { lines.append(line) }
        }
        XCTAssertEqual(lines, [
            "still waiting for block device UUID=x (3 of 30 s, controlled by rd.timeout=)",
            "still waiting for block device UUID=x (8 of 30 s, controlled by rd.timeout=)",
            "still waiting for block device UUID=x (13 of 30 s, controlled by rd.timeout=)",
        ])
    }
}
