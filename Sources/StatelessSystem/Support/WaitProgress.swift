import StatelessCore
import StatelessProtocols
import StatelessSystem

/// The `still waiting for …` lines of a bounded wait: the first after a few seconds,
/// then every few more, at notice level so that they reach the console even with
/// `quiet` — a person at the console sees why nothing happens and what controls it.
public struct WaitProgress {
    static let firstReportMilliseconds = 3000
    static let everyMilliseconds = 5000

    package let what: String
    package let seconds: Int
    package let option: String
    package let stage: String
    package let log: Logger
    /// When the bound's clock started: moved on by `pause`.
    package private(set) var start: Uptime
    /// When the wait began, for the timeline.
    private let began: Uptime
    var nextReport: Uptime

    public init(what: String, seconds: Int, option: String, stage: String, log: Logger, start: Uptime = .now()) {
        self.what = what
        self.seconds = seconds
        self.option = option
        self.stage = stage
        self.log = log
        self.start = start
        began = start
        nextReport = start.adding(milliseconds: Self.firstReportMilliseconds)
    }

    /// Stops the clock for `milliseconds` that do not count against the bound.
    public mutating func pause(milliseconds: Int) {
        start = start.adding(milliseconds: milliseconds)
        nextReport = nextReport.adding(milliseconds: milliseconds)
    }

    /// Records the wait in the timeline: `ok` when what it waited for came, else `timeout`.
    public func record(_ outcome: String, now: Uptime = .now()) {
        log.span(.wait(what, option: option, start: began, end: now, outcome: outcome))
    }

    public mutating func tick(now: Uptime = .now()) {
        if let line = due(now: now) { log.notice(stage, line) }
    }

    /// The line to print at `now`, if one is due (then the next is due 5 s later).
    package mutating func due(now: Uptime) -> String? {
        guard now >= nextReport else { return nil }
        let elapsed = Int((now.nanoseconds - start.nanoseconds) / 1_000_000_000)
        nextReport = now.adding(milliseconds: Self.everyMilliseconds)
        return Self.message(what: what, elapsed: elapsed, seconds: seconds, option: option)
    }

    package static func message(what: String, elapsed: Int, seconds: Int, option: String) -> String {
        "still waiting for \(what) (\(elapsed) of \(seconds) s, controlled by \(option))"
    }
}
