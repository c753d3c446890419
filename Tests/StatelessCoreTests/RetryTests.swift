@testable import StatelessCore
import XCTest

/// A clock that moves only when told to: a sleep moves its hands, an attempt may take time.
final class ManualClock: BootClock {
    var milliseconds = 0
    func now() -> Uptime { Uptime(nanoseconds: UInt64(milliseconds) * 1_000_000) }
    func realMilliseconds(_ milliseconds: Int) -> Int { 0 }
    func sleep(milliseconds: Int) { self.milliseconds += milliseconds }
}

/// The one retry schedule and loop (rd.retry's spans), against a clock that does not wait.
final class RetryTests: XCTestCase {
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

    struct Refused: Error {}
    struct NoAnswer: Error {}

    /// rd.retry=60 against a server that never answers: attempts at 0, 1, 3, 7, 15, then
    /// every 8 s, the last one on the bound itself; then the error that names them all.
    func testAttemptsSpanTheBoundAndTheLastFallsOnIt() {
        let clock = ManualClock()
        var times: [Int] = []
        var retried: [Int] = []
        XCTAssertThrowsError(try Retry(seconds: 60, clock: clock).run({ _ -> Void in
            times.append(clock.milliseconds / 1000)
            throw NoAnswer()
        }, judge: { _ in .again }, willRetry: { _, wait, _ in retried.append(wait) },
           gaveUp: { error, _ in error }))
        XCTAssertEqual(times, [0, 1, 3, 7, 15, 23, 31, 39, 47, 55, 60])
        XCTAssertEqual(retried.count, times.count - 1)
    }

    /// Attempts that themselves take time count against the bound.
    func testSlowAttemptsUseTheBound() throws {
        let clock = ManualClock()
        var spentSeen: Retry<ManualClock>.Spent?
        XCTAssertThrowsError(try Retry(seconds: 10, clock: clock).run({ _ -> Void in
            clock.milliseconds += 4000
            throw NoAnswer()
        }, judge: { _ in .again }, willRetry: { _, _, _ in }, gaveUp: { error, spent in spentSeen = spent; return error }))
        // attempt 1: 0–4 s, wait 1; attempt 2: 5–9 s, wait 1 (cut to the 1 s left); attempt 3: 10–14 s: over.
        XCTAssertEqual(spentSeen, .init(attempts: 3, milliseconds: 14_000))
        XCTAssertEqual(spentSeen?.text, "3 attempts in 14 s")
    }

    func testAFinalFailureIsThrownAtOnceAndSuccessEndsTheLoop() throws {
        let clock = ManualClock()
        var attempts = 0
        XCTAssertThrowsError(try Retry(seconds: 60, clock: clock).run({ _ -> Void in
            attempts += 1
            throw attempts < 3 ? NoAnswer() as Error : Refused()
        }, judge: { $0 is Refused ? .final : .again }, willRetry: { _, _, _ in }, gaveUp: { error, _ in error })) { error in
            XCTAssertTrue(error is Refused)
        }
        XCTAssertEqual(attempts, 3)
        XCTAssertEqual(clock.milliseconds, 3000, "1 s and 2 s between the three")
        let value = try Retry(seconds: 60, clock: clock).run({ round in
            if round < 2 { throw NoAnswer() }
            return round
        }, judge: { _ in .again }, willRetry: { _, _, _ in }, gaveUp: { error, _ in error })
        XCTAssertEqual(value, 2)
    }

    /// rd.retry=0: one attempt, no retry.
    func testZeroMeansOneAttempt() {
        let clock = ManualClock()
        var attempts = 0
        XCTAssertThrowsError(try Retry(seconds: 0, clock: clock).run({ _ -> Void in
            attempts += 1
            throw NoAnswer()
        }, judge: { _ in .again }, willRetry: { _, _, _ in XCTFail("no retry") }, gaveUp: { error, _ in error }))
        XCTAssertEqual(attempts, 1)
        XCTAssertEqual(clock.milliseconds, 0)
    }

    /// A transfer that gains bytes before each failure goes on past the bound: the bound
    /// counts from the last gain (an HTTP fetch on a poor link), and the back-off starts over.
    func testProgressRestartsTheBound() {
        let clock = ManualClock()
        var waits: [Int] = []
        var attempts = 0
        XCTAssertThrowsError(try Retry(seconds: 5, clock: clock).run({ _ -> Void in
            attempts += 1
            clock.milliseconds += 3000
            throw NoAnswer()
        }, judge: { _ in attempts <= 4 ? .againAfterProgress : .again }, willRetry: { _, wait, _ in waits.append(wait) },
           gaveUp: { error, _ in error }))
        XCTAssertEqual(waits, [1000, 1000, 1000, 1000, 1000], "progress resets the back-off each time; the fifth failure has 1 s of the bound left")
        XCTAssertEqual(attempts, 6)
        XCTAssertGreaterThan(clock.milliseconds, 5000 * 3, "far past the 5 s bound, since each attempt gained bytes")
    }
}
