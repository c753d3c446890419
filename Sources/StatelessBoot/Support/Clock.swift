import Glibc

/// Time since boot, the clock every timeline entry and deadline uses. CLOCK_BOOTTIME is
/// what /proc/uptime reports, so our figures compare with the booted system's.
public struct Uptime: Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static func now() -> Uptime {
        var spec = timespec()
        clock_gettime(CLOCK_BOOTTIME, &spec)
        return Uptime(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    public func adding(milliseconds: Int) -> Uptime {
        Uptime(nanoseconds: nanoseconds + UInt64(max(0, milliseconds)) * 1_000_000)
    }

    /// Milliseconds from now until this instant; 0 if it has passed.
    public func millisecondsLeft(from now: Uptime = .now()) -> Int {
        now >= self ? 0 : Int((nanoseconds - now.nanoseconds) / 1_000_000)
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
}

/// The boot's clock: `Uptime`, real time.
public struct KernelClock: BootClock {
    public init() {}
    public func now() -> Uptime { .now() }
    public func realMilliseconds(_ milliseconds: Int) -> Int { milliseconds }
}

/// Sleeps without returning early on signals.
public func sleep(milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

/// The wall clock, for messages where its value is the likely cause (a certificate "not
/// yet valid" on a machine whose RTC is wrong).
enum WallClock {
    /// `2026-12-06 01:07:33 UTC`
    static func utcText() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S UTC", &parts)
        return count > 0 ? String(cString: buffer) : "\(now) s since 1970"
    }
}
