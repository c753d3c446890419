@testable import StatelessBoot
import XCTest

/// The shared retry schedule, against a bound in milliseconds: no waiting.
final class BackoffTests: XCTestCase {
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
}
