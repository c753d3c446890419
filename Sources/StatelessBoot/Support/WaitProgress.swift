/// The `still waiting for …` lines of a bounded wait: the first after a few seconds,
/// then every few more, at notice level so that they reach the console even with
/// `quiet` — a person at the console sees why nothing happens and what controls it.
public struct WaitProgress {
    static let firstReportMilliseconds = 3000
    static let everyMilliseconds = 5000

    let what: String
    let seconds: Int
    let option: String
    let stage: String
    let log: Logger
    let start = Uptime.now()
    var nextReport: Uptime

    public init(what: String, seconds: Int, option: String, stage: String, log: Logger) {
        self.what = what
        self.seconds = seconds
        self.option = option
        self.stage = stage
        self.log = log
        nextReport = start.adding(milliseconds: Self.firstReportMilliseconds)
    }

    public mutating func tick(now: Uptime = .now()) {
        guard now >= nextReport else { return }
        let elapsed = Int((now.nanoseconds - start.nanoseconds) / 1_000_000_000)
        log.notice(stage, Self.message(what: what, elapsed: elapsed, seconds: seconds, option: option))
        nextReport = now.adding(milliseconds: Self.everyMilliseconds)
    }

    static func message(what: String, elapsed: Int, seconds: Int, option: String) -> String {
        "still waiting for \(what) (\(elapsed) of \(seconds) s, controlled by \(option))"
    }
}
