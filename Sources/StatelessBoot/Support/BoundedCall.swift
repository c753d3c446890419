import CLinux
import Glibc

/// Runs a call that can block inside the kernel for a long time — a module's
/// initialisation, mount(2) — on a thread of its own, so that the boot keeps its bound:
/// while the call runs, the console says `still waiting for …`; when the bound passes,
/// the caller gets a timeout error and the boot goes on to its fallback. A system call
/// cannot be taken back, so on a timeout the thread is left to finish (or hang) alone;
/// its result is then dropped.
public func boundedCall<T>(
    _ what: String, seconds: Int, option: String, stage: String, log: Logger,
    _ body: @escaping () -> T
) throws -> T {
    let box = ResultBox<T>()
    let job = try ThreadJob { box.value = body() }
    try job.start()
    var progress = WaitProgress(what: what, seconds: seconds, option: option, stage: stage, log: log)
    let deadline = Uptime.now().adding(milliseconds: seconds * 1000)
    while !job.waitDone(milliseconds: min(250, deadline.millisecondsLeft())) {
        guard deadline.millisecondsLeft() > 0 else {
            throw BootError("wait for", what, errno: .timedOut,
                            detail: "not done after \(seconds) s; left running in the kernel", option: option)
        }
        progress.tick()
    }
    guard let value = box.value else {
        throw BootError("wait for", what, detail: "the call finished without a result")
    }
    return value
}

/// Written by the worker before it signals the eventfd, read by the caller after: the
/// eventfd's system calls order the two.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

/// One detached thread and the eventfd it signals when its work is done. The thread
/// holds a reference of its own, so the eventfd stays open until both sides let go.
private final class ThreadJob: @unchecked Sendable {
    let work: () -> Void
    let doneFD: CInt

    init(_ work: @escaping () -> Void) throws {
        self.work = work
        doneFD = eventfd(0, CInt(EFD_CLOEXEC))
        guard doneFD >= 0 else { throw BootError("create", "eventfd for a bounded call", errno: Posix.lastErrno) }
    }

    deinit { close(doneFD) }

    func start() throws {
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let job = Unmanaged<ThreadJob>.fromOpaque(raw).takeRetainedValue()
            job.work()
            var one: UInt64 = 1
            _ = write(job.doneFD, &one, 8)
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<ThreadJob>.fromOpaque(context).release()
            throw BootError("start", "a thread for a bounded call", errno: .init(rawValue: status))
        }
        pthread_detach(thread)
    }

    /// Whether the work finished, waiting up to `milliseconds`.
    func waitDone(milliseconds: Int) -> Bool {
        var poller = pollfd(fd: doneFD, events: Int16(POLLIN), revents: 0)
        return poll(&poller, 1, CInt(max(0, milliseconds))) > 0
    }
}

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
