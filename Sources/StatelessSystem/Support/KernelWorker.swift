import CLinux
import Glibc
import StatelessCore
import StatelessProtocols
import SystemPackage

/// A forked copy of this process that makes, one at a time, the system calls that can
/// block in the kernel for as long as a broken driver or a dead server likes — a module's
/// initialisation, mount(2) — and answers each with a status. The caller waits for the
/// answer within a bound, saying `still waiting for …` meanwhile; when the bound passes it
/// walks away from that worker, and the next call forks a new one.
///
/// Why a process and not a thread: PID 1's execve of the real init waits until every
/// other thread of PID 1 has left the kernel, so a thread stuck in a driver's init would
/// freeze the machine after the initramfs is already emptied, silently. A stuck child
/// holds up nothing; the booted init reaps it whenever it ends. (udevd runs its workers as
/// processes for the same reason.) One worker serves every call until one times out, so
/// the boot pays for one fork, not one per module.
public final class KernelWorker {
    /// What a worker does with a request other than a mount: given at creation, so each
    /// forked worker has its own copy (the module loader's, with its libkmod context).
    private let handler: ([UInt8]) -> CInt
    /// PID 1's end of the worker's socket pair, and the worker; nil until the first call
    /// and after a worker was abandoned.
    private var worker: (pid: pid_t, socket: CInt)?
    /// Workers left in the kernel, reaped when they are done (not waited for).
    private var abandoned: [pid_t] = []

    public init(_ handler: @escaping ([UInt8]) -> CInt) {
        self.handler = handler
    }

    deinit {
        if let worker { close(worker.socket) }  // the worker reads end-of-file and exits
    }

    /// Sends `request` to the worker's handler and returns its answer, waiting `seconds`
    /// at most.
    public func call(_ request: [UInt8], what: String, seconds: Int, option: String, stage: String, log: Logger) throws -> CInt {
        try exchange([Kind.handler.rawValue] + request, what: what, seconds: seconds, option: option, stage: stage, log: log)
    }

    /// The two kinds of request, the first byte of each.
    private enum Kind: UInt8 {
        case mount = 0
        case handler = 1
    }

    private func exchange(_ request: [UInt8], what: String, seconds: Int, option: String, stage: String, log: Logger) throws -> CInt {
        let socket = try begin(message: request, what: what)
        var progress = WaitProgress(what: what, seconds: seconds, option: option, stage: stage, log: log)
        let deadline = Uptime.now().adding(milliseconds: seconds * 1000)
        while true {
            let ready: Bool
            do { ready = try Poll.readable(socket, milliseconds: min(250, deadline.millisecondsLeft())) } catch {
                abandon()
                throw BootError("wait for", what, kind: .noAnswer, errno: error)
            }
            if ready {
                progress.record("ok")
                return try answer(what: what)
            }
            guard deadline.millisecondsLeft() > 0 else {
                progress.record("timeout")
                throw abandonCall(what: what, seconds: seconds, option: option)
            }
            progress.tick()
        }
    }

    // MARK: Calls that do not wait (several workers at once: ModuleLoader)

    /// Sends `request` to the handler and returns at once: the descriptor to poll, which
    /// becomes readable when the answer is there (`answer(what:)`).
    public func begin(_ request: [UInt8], what: String) throws -> CInt {
        try begin(message: [Kind.handler.rawValue] + request, what: what)
    }

    private func begin(message: [UInt8], what: String) throws -> CInt {
        reapAbandoned()
        var (pid, socket) = try current()
        // A worker that is gone (a driver's init crashed it) is replaced once.
        if !send(message, to: socket) {
            abandon()
            (pid, socket) = try current()
            guard send(message, to: socket) else {
                let errno = Posix.lastErrno
                abandon()
                throw BootError("send", "\(what) to the kernel-call worker (process \(pid))", kind: .noAnswer, errno: errno)
            }
        }
        return socket
    }

    /// The answer to the request in progress, once `begin`'s descriptor is readable.
    public func answer(what: String) throws -> CInt {
        guard let (pid, socket) = worker else {
            throw BootError("wait for", what, kind: .noAnswer, detail: "no call in progress")
        }
        var answer: CInt = 0
        if recv(socket, &answer, MemoryLayout<CInt>.size, 0) == MemoryLayout<CInt>.size { return answer }
        let status = abandon()
        throw BootError("wait for", what, kind: .noAnswer, detail: "the process making the call (\(pid)) ended without an answer\(status)")
    }

    /// Walks away from the call in progress, whose bound passed: the worker stays in the
    /// kernel and holds up nothing; the next call forks another. The error to report.
    public func abandonCall(what: String, seconds: Int, option: String) -> BootError {
        let pid = worker.map { "\($0.pid)" } ?? "?"
        abandon()
        return BootError("wait for", what, kind: .noAnswer, errno: .timedOut,
                         detail: "not done after \(seconds) s; left in the kernel in process \(pid), which holds up nothing", option: option)
    }

    /// mount(2) in the worker, under `seconds`; throws what `Posix.mount` would.
    public func mount(source: String, target: String, type: String?, flags: MountFlags = [], data: String? = nil,
                      seconds: Int, stage: String, log: Logger) throws {
        let request = MountRequest(source: source, target: target, type: type, flags: flags, data: data)
        let errno = try exchange([Kind.mount.rawValue] + request.encoded, what: "mount of \(source) on \(target)", seconds: seconds,
                             option: "stateless.mount-timeout=", stage: stage, log: log)
        if errno != 0 { throw request.error(Errno(rawValue: errno)) }
    }

    // MARK: PID 1's side

    private func send(_ request: [UInt8], to socket: CInt) -> Bool {
        request.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, CInt(MSG_NOSIGNAL)) } == request.count
    }

    private func current() throws -> (pid: pid_t, socket: CInt) {
        if let worker { return worker }
        var pair: [CInt] = [-1, -1]
        guard socketpair(AF_UNIX, CInt(SOCK_SEQPACKET.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw BootError("create", "a socket pair for the kernel-call worker", errno: Posix.lastErrno)
        }
        let pid = fork()
        if pid == 0 {
            close(pair[0])
            serve(pair[1])
        }
        close(pair[1])
        guard pid > 0 else {
            let errno = Posix.lastErrno
            close(pair[0])
            throw BootError("start", "the kernel-call worker", errno: errno)
        }
        worker = (pid, pair[0])
        return (pid, pair[0])
    }

    /// Lets the worker go (it exits once its call returns and it reads end-of-file).
    /// Returns how it ended, when it has, for the error line.
    @discardableResult
    private func abandon() -> String {
        guard let (pid, socket) = worker else { return "" }
        worker = nil
        close(socket)
        guard let status = Posix.waitForExit(pid, milliseconds: 0) else {
            abandoned.append(pid)
            return ""
        }
        let signal = status & 0x7f
        return signal != 0 ? " (killed by signal \(signal))" : " (exit status \((status >> 8) & 0xff))"
    }

    private func reapAbandoned() {
        abandoned.removeAll { Posix.waitForExit($0, milliseconds: 0) != nil }
    }

    // MARK: The worker's side

    /// Answers requests until PID 1 closes its end; never returns.
    private func serve(_ socket: CInt) -> Never {
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { _exit(0) }
            let payload = Array(buffer[1..<count])
            var answer: CInt = switch Kind(rawValue: buffer[0]) {
            case .mount?: MountRequest(decoding: payload)?.perform ?? EINVAL
            case .handler?: handler(payload)
            case nil: EINVAL
            }
            guard Glibc.send(socket, &answer, MemoryLayout<CInt>.size, CInt(MSG_NOSIGNAL)) == MemoryLayout<CInt>.size else { _exit(0) }
        }
    }
}

/// mount(2)'s arguments as one worker request: each field NUL-terminated, the optional
/// ones (type, data) with a presence mark.
struct MountRequest: Equatable {
    package var source: String
    package var target: String
    package var type: String?
    package var flags: MountFlags
    package var data: String?

    package var encoded: [UInt8] {
        func field(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }
        func optional(_ text: String?) -> [UInt8] { text.map { [UInt8(ascii: "+")] + field($0) } ?? [UInt8(ascii: "-"), 0] }
        return field(source) + field(target) + optional(type) + field(String(flags.rawValue)) + optional(data)
    }

    package init(source: String, target: String, type: String?, flags: MountFlags, data: String?) {
        (self.source, self.target, self.type, self.flags, self.data) = (source, target, type, flags, data)
    }

    package init?(decoding bytes: [UInt8]) {
        let fields = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        func optional(_ text: String) -> String? { text.first == "+" ? String(text.dropFirst()) : nil }
        guard fields.count >= 5, let flags = UInt(fields[3]) else { return nil }
        self.init(source: fields[0], target: fields[1], type: optional(fields[2]), flags: MountFlags(rawValue: flags), data: optional(fields[4]))
    }

    /// In the worker: 0, or mount(2)'s errno.
    package var perform: CInt {
        do {
            try Posix.mount(source: source, target: target, type: type, flags: flags, data: data)
            return 0
        } catch let error as BootError {
            return error.errno?.rawValue ?? EIO
        } catch {
            return EIO
        }
    }

    /// What `Posix.mount` throws for `errno`, in PID 1.
    package func error(_ errno: Errno) -> BootError {
        Posix.mountError(source: source, target: target, type: type, flags: flags, data: data, errno: errno)
    }
}
