import Glibc
import StatelessCore
import StatelessProtocols

extension Uptime {
    /// CLOCK_BOOTTIME now.
    public static func now() -> Uptime {
        var spec = timespec()
        clock_gettime(CLOCK_BOOTTIME, &spec)
        return Uptime(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    /// Milliseconds from now until this instant; 0 if it has passed.
    public func millisecondsLeft() -> Int { millisecondsLeft(from: .now()) }
}

/// The boot's clock: `Uptime`, real time.
public struct KernelClock: BootClock {
    public init() {}
    public func now() -> Uptime { .now() }
    public func realMilliseconds(_ milliseconds: Int) -> Int { milliseconds }
    public func sleep(milliseconds: Int) { StatelessSystem.sleep(milliseconds: milliseconds) }
}

/// Sleeps without returning early on signals.
public func sleep(milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

/// The wall clock, for messages where its value is the likely cause (a certificate "not
/// yet valid" on a machine whose RTC is wrong).
package enum WallClock {
    /// Seconds since the epoch (what the RTC said at boot, if it was set).
    package static func seconds() -> Int64 { Int64(time(nil)) }

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
