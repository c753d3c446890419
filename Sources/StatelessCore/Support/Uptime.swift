/// Time since boot, the clock every timeline entry and deadline uses. The system target's
/// `Uptime.now()` reads CLOCK_BOOTTIME, what /proc/uptime reports, so our figures compare
/// with the booted system's; here it is a value, so plans and state machines stay pure.
public struct Uptime: Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public func adding(milliseconds: Int) -> Uptime {
        Uptime(nanoseconds: nanoseconds + UInt64(max(0, milliseconds)) * 1_000_000)
    }

    /// Milliseconds from now until this instant; 0 if it has passed.
    public func millisecondsLeft(from now: Uptime) -> Int {
        now >= self ? 0 : Int((nanoseconds - now.nanoseconds) / 1_000_000)
    }

    /// Parses `SECONDS[.FRACTION]` as `description` writes it (or /proc/uptime).
    public init?<S: StringProtocol>(seconds text: S) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = UInt64(parts[0]), parts.count == 1 || (!parts[1].isEmpty && parts[1].allSatisfy(\.isNumber)) else { return nil }
        let digits = parts.count > 1 ? String(parts[1].prefix(9)) : ""
        let fraction = UInt64(digits.isEmpty ? "0" : digits)! * [1, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1000, 100, 10, 1][digits.count]
        self.init(nanoseconds: whole * 1_000_000_000 + fraction)
    }

    /// Seconds with three decimals, as /proc/uptime prints them.
    public var description: String {
        let millis = nanoseconds / 1_000_000
        let fraction = String(millis % 1000)
        return "\(millis / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    public static func < (lhs: Uptime, rhs: Uptime) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}

/// What a long-running wait reads the time from. At boot it is the kernel's
/// CLOCK_BOOTTIME (`KernelClock`); a test's may run faster than real time, so that a wait
/// of minutes (a lease's T1) passes in seconds against a real server.
public protocol BootClock {
    func now() -> Uptime
    /// How long to block in the kernel (poll(2), a sleep) for `milliseconds` of this clock.
    func realMilliseconds(_ milliseconds: Int) -> Int
    /// Waits `milliseconds` of this clock (a test's clock may only move its hands).
    func sleep(milliseconds: Int)
}

extension Uptime {
    /// Milliseconds from `earlier` to this instant; 0 if `earlier` is later.
    public func milliseconds(since earlier: Uptime) -> Int {
        self <= earlier ? 0 : Int((nanoseconds - earlier.nanoseconds) / 1_000_000)
    }
}

