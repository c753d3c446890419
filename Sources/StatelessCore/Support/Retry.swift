/// The one retry loop of the early-boot code (an NFS mount, a disk's mount, an HTTP
/// fetch, an iSCSI login): attempts until one succeeds, a failure is final, or the bound
/// (`rd.retry`, `stateless.state.timeout`) has passed, with `Backoff` between attempts;
/// the last attempt falls on the bound itself. Time comes from a `BootClock`, so the
/// spans are tested against a clock that only moves its hands.
public struct Retry<Clock: BootClock> {
    /// What a failed attempt means for the next one.
    public enum Verdict: Equatable, Sendable {
        /// No point trying again: thrown at once.
        case final
        /// May pass: try again while the bound lasts.
        case again
        /// Made progress before failing (bytes gained): the bound starts over, and the
        /// back-off with it.
        case againAfterProgress
    }

    /// How the loop ended without success, for the error a caller makes of it.
    public struct Spent: Equatable, Sendable {
        public var attempts: Int
        public var milliseconds: Int
        /// `3 attempts in 60 s`
        public var text: String { "\(attempts) attempt\(attempts == 1 ? "" : "s") in \(milliseconds / 1000) s" }

        public init(attempts: Int, milliseconds: Int) {
            self.attempts = attempts
            self.milliseconds = milliseconds
        }
    }

    public let milliseconds: Int
    public let clock: Clock

    public init(seconds: Int, clock: Clock) {
        self.milliseconds = seconds * 1000
        self.clock = clock
    }

    /// Runs `attempt` (given its number, from 1). `judge` says what a failure means;
    /// `willRetry` hears of each failure that is tried again (the error, the wait before
    /// the next attempt, the attempts so far); `gaveUp` turns the last failure into the
    /// error thrown when the bound has passed.
    public func run<T>(_ attempt: (Int) throws -> T, judge: (Error) -> Verdict,
                       willRetry: (Error, Int, Int) -> Void, gaveUp: (Error, Spent) -> Error) throws -> T {
        var backoff = Backoff()
        var start = clock.now()
        var attempts = 0
        while true {
            attempts += 1
            do {
                return try attempt(attempts)
            } catch {
                let verdict = judge(error)
                if verdict == .final { throw error }
                if verdict == .againAfterProgress {
                    start = clock.now()
                    backoff.reset()
                }
                let spent = clock.now().milliseconds(since: start)
                guard let wait = backoff.wait(left: milliseconds - spent) else {
                    throw gaveUp(error, Spent(attempts: attempts, milliseconds: spent))
                }
                willRetry(error, wait, attempts)
                clock.sleep(milliseconds: wait)
            }
        }
    }
}
