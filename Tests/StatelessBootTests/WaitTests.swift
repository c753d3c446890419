@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import XCTest

/// The shared retry schedule and the still-waiting lines, against given times: no waiting.
final class WaitTests: XCTestCase {
    /// rd.retry=20 with every attempt failing at once: 1, 2, 4, 8, then the 5 s left.
    func testDoublesToTheCapAndEndsOnTheBound() {
        var backoff = Backoff()
        var left = 20_000
        var waits: [Int] = []
        while let wait = backoff.wait(left: left) {
            waits.append(wait)
            left -= wait
        }
        XCTAssertEqual(waits, [1000, 2000, 4000, 8000, 5000])
        XCTAssertNil(backoff.wait(left: 0))
    }

    func testCapsAtEightSecondsAndStartsOverAfterProgress() {
        var backoff = Backoff()
        let waits = (0..<6).compactMap { _ in backoff.wait(left: .max) }
        XCTAssertEqual(waits, [1000, 2000, 4000, 8000, 8000, 8000])
        backoff.reset()
        XCTAssertEqual(backoff.wait(left: .max), 1000)
        XCTAssertEqual(backoff.wait(left: 300), 300, "never past the bound")
    }

    func testRetryLineText() {
        XCTAssertEqual(Backoff.text(1000), "1.0 s")
        XCTAssertEqual(Backoff.text(400), "0.4 s")
        XCTAssertEqual(Backoff.text(8000), "8.0 s")
    }

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
