import CLinux
import Glibc
import StatelessCore
import SystemPackage

/// A process's ID; pid_t, named so the boot target need not import the C library.
public typealias ProcessID = pid_t

/// The signals the boot sends.
public enum ProcessSignal {
    case terminate, kill

    var number: CInt { self == .terminate ? SIGTERM : SIGKILL }
}

extension Posix {
    public static var processID: ProcessID { getpid() }

    /// exit(3).
    public static func exit(_ status: CInt) -> Never { Glibc.exit(status) }

    /// When this process started, in uptime: /proc/self/stat's starttime (field 22, clock
    /// ticks since boot; the comm field before it may hold spaces and parentheses, so the
    /// fields are counted after its closing one). nil if it cannot be read.
    public static func startTime() -> Uptime? {
        guard let text = try? readText("/proc/self/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so starttime (field 22) is fields[19].
        guard fields.count > 19, let ticks = UInt64(fields[19]) else { return nil }
        let perSecond = UInt64(max(1, sysconf(CInt(_SC_CLK_TCK))))
        return Uptime(nanoseconds: ticks * (1_000_000_000 / perSecond))
    }

    /// kill(2); a process that is gone already is no error worth reporting.
    public static func send(_ signal: ProcessSignal, to pid: ProcessID) {
        _ = Glibc.kill(pid, signal.number)
    }

    /// sethostname(2).
    public static func setHostname(_ name: String) throws {
        try check(Glibc.sethostname(name, name.utf8.count), "sethostname", name)
    }

    /// A connected pair of Unix stream sockets, close-on-exec both.
    public static func socketPair() throws -> (FileDescriptor, FileDescriptor) {
        var pair: [CInt] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else {
            throw BootError("create", "a socket pair", errno: lastErrno)
        }
        pair.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
        return (FileDescriptor(rawValue: pair[0]), FileDescriptor(rawValue: pair[1]))
    }

    /// Sends `bytes` on a socket (no SIGPIPE: a peer that is gone is an error), then
    /// shuts down its sending half, so the peer reads end of file.
    public static func sendAndFinish(_ socket: FileDescriptor, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(socket.rawValue, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(socket.rawValue, Int32(SHUT_WR))
    }

    /// Everything until end of file, nil when `deadline` passes first.
    public static func readAll(_ fd: FileDescriptor, until deadline: Uptime) -> String? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let left = deadline.millisecondsLeft()
            guard left > 0 else { return nil }
            guard (try? Poll.readable(fd.rawValue, milliseconds: left)) == true else { continue }
            let count = chunk.withUnsafeMutableBytes { read(fd.rawValue, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return String(decoding: bytes, as: UTF8.self) }
            bytes += chunk[..<count]
        }
    }

    /// SIGTERM and SIGINT as a descriptor to poll (a clean stop), blocked as signals.
    public static func terminationSignalDescriptor() -> CInt {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        sigprocmask(SIG_BLOCK, &set, nil)
        return signalfd(-1, &set, STATELESS_SFD_CLOEXEC)
    }

    /// What a storage daemon needs not to deadlock on its own device: its touched memory
    /// locked (MCL_ONFAULT: only that), PR_SET_IO_FLUSHER, and no OOM kill. Returns a
    /// line for each part that could not be had.
    public static func becomeStorageDaemon() -> [String] {
        var problems: [String] = []
        if mlockall(MCL_CURRENT | MCL_FUTURE | STATELESS_MCL_ONFAULT) != 0 {
            problems.append("mlockall: \(lastErrno); the bridge's memory can be paged out")
        }
        if stateless_set_io_flusher() != 0 {
            problems.append("prctl(PR_SET_IO_FLUSHER): \(errnoName(lastErrno)); writeback through the bridge can deadlock under memory pressure")
        }
        try? writeFile("/proc/self/oom_score_adj", "-1000")
        return problems
    }
}
