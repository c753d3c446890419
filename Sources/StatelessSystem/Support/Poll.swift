import Glibc
import StatelessCore
import SystemPackage

/// The one poll(2) of the early-boot code. Every wait on a descriptor (a socket, the
/// worker's answer, a signal descriptor) goes through it: it never blocks past its
/// bound, never returns early on a signal (EINTR resumes with the time left), and no
/// caller repeats that handling.
public enum Poll {
    /// The longest single poll(2): a caller's bound of hours still wakes now and then.
    static let sliceMilliseconds = 60_000

    /// Waits until one of `entries` (descriptor, events) has one of its events, at most
    /// `milliseconds` (0: only look). The revents of each, all 0 when the time ran out;
    /// poll(2)'s own failure (EINVAL, ENOMEM) is thrown.
    public static func wait(_ entries: [(fd: CInt, events: Int16)], milliseconds: Int) throws(Errno) -> [Int16] {
        var pollers = entries.map { pollfd(fd: $0.fd, events: $0.events, revents: 0) }
        let deadline = Uptime.now().adding(milliseconds: milliseconds)
        while true {
            let left = deadline.millisecondsLeft()
            let ready = poll(&pollers, nfds_t(pollers.count), CInt(min(left, sliceMilliseconds)))
            if ready > 0 { return pollers.map(\.revents) }
            if ready < 0 && errno != EINTR { throw Posix.lastErrno }
            if ready == 0 && deadline.millisecondsLeft() == 0 { return pollers.map { _ in 0 } }
        }
    }

    /// Whether `fd` became readable (or hung up, or failed) within `milliseconds`.
    public static func readable(_ fd: CInt, milliseconds: Int) throws(Errno) -> Bool {
        try wait([(fd, Int16(POLLIN))], milliseconds: milliseconds)[0] != 0
    }

    /// POLLIN, for callers outside this target.
    public static let input = Int16(POLLIN)
}
