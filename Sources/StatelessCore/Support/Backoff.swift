/// The retry schedule every network wait shares (an NFS mount, an HTTP fetch, an iSCSI
/// login, the bridge's login after a target restart): 1 s, doubling up to 8 s, each wait
/// cut to what is left of its bound, so that the last attempt falls on the bound itself.
/// A value with no clock of its own: the caller says how much time is left and sleeps
/// for what it answers, so the schedule is tested without waiting.
public struct Backoff: Equatable, Sendable {
    public static let firstMilliseconds = 1000
    public static let capMilliseconds = 8000

    /// What the next wait is, before the bound cuts it.
    public private(set) var nextMilliseconds = Backoff.firstMilliseconds

    public init() {}

    /// The next wait, at most `left` milliseconds; nil when nothing is left (give up).
    public mutating func wait(left: Int) -> Int? {
        guard left > 0 else { return nil }
        defer { nextMilliseconds = min(nextMilliseconds * 2, Self.capMilliseconds) }
        return min(nextMilliseconds, left)
    }

    /// Progress was made (a transfer gained bytes, a session came back): 1 s again.
    public mutating func reset() { nextMilliseconds = Self.firstMilliseconds }

    /// `1.0 s`, `0.4 s`: a wait as the retry lines print it.
    public static func text(_ milliseconds: Int) -> String {
        "\(milliseconds / 1000).\(milliseconds % 1000 / 100) s"
    }
}
