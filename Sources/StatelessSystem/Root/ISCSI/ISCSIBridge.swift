import CIscsi
import Glibc
import StatelessCore
import StatelessProtocols

/// Serves one iSCSI LUN to the kernel's nbd driver: reads the kernel's requests from our
/// end of the socket pair, sends each to the target as a SCSI command (many in flight,
/// as libiscsi's command window allows), and answers with the result.
///
/// When the session drops (a target restart, a network blip, three NOP-Outs without an
/// answer) the commands in flight come back cancelled and wait, with the kernel's new
/// requests, until a login succeeds again — at the same portal or the next one — and are
/// then sent again. The kernel waits meanwhile (the device has no timeout), so a root
/// survives a target restart. Only the kernel ends the bridge: NBD_CMD_DISC or a closed
/// socket (after `stop()` asked it to, or when the device was torn down).
package final class ISCSIBridge {
    package let login: ISCSILogin
    package let target: String
    package let portals: [ISCSIRootSpec.Portal]
    package let lun: ISCSILUN
    package let writable: Bool
    package let log: Logger
    /// Called with the bridge's state whenever it changes (iscsi.env).
    package var publish: (_ portal: ISCSIRootSpec.Portal?, _ reconnects: Int) -> Void = { _, _ in }
    /// The device the kernel serves the LUN on, once connected.
    package var device: NBDDevice?

    private let kernel: CInt
    private var session: ISCSISession?
    /// libiscsi, as the first session opened it.
    let iscsi: LibISCSI
    private var portalIndex = 0
    private var reader = NBD.RequestReader()
    /// One read of the kernel's socket: up to 1 MiB (a batch of requests or a large write).
    private var received = [UInt8](repeating: 0, count: 1 << 20)
    /// Requests with no session to go to: read while logged out, or cancelled by a drop.
    private var waiting: [Operation] = []
    private var inFlight = 0
    private var reconnects = 0
    private var nextLogin = Uptime.now()
    private var loginBackoff = Backoff()
    private var droppedAt: Uptime?
    private var nextNop = Uptime.now()
    private var kernelClosed = false
    private var disconnectAsked = false

    static let nopIntervalMilliseconds = 5000
    /// NOP-Outs without an answer before the session counts as dead.
    static let nopsWithoutAnswer: Int32 = 3
    /// A command answered with a unit attention or "busy" is sent again this often.
    static let commandAttempts = 5

    package init(kernel: CInt, session: ISCSISession, login: ISCSILogin, target: String, portals: [ISCSIRootSpec.Portal],
         lun: ISCSILUN, writable: Bool, log: Logger) {
        self.kernel = kernel
        self.session = session
        iscsi = session.iscsi
        self.login = login
        self.target = target
        self.portals = portals
        self.lun = lun
        self.writable = writable
        self.log = log
        portalIndex = portals.firstIndex(of: session.portal) ?? 0
    }

    /// One request of the kernel's and what became of it so far.
    final class Operation {
        package let request: NBD.Request
        package unowned let bridge: ISCSIBridge
        package var attempts = 0
        /// A write's data, at a fixed address while libiscsi sends it.
        package var payload: UnsafeMutableRawBufferPointer?
        var unmap = unmap_list()

        package init(_ request: NBD.Request, _ bridge: ISCSIBridge) {
            self.request = request
            self.bridge = bridge
            if !request.payload.isEmpty {
                payload = .allocate(byteCount: request.payload.count, alignment: 16)
                payload?.copyBytes(from: request.payload)
            }
        }

        deinit { payload?.deallocate() }
    }

    /// Serves until the kernel ends the device; `stopSignal` is a signalfd whose
    /// readiness asks for a clean stop. Returns the exit status.
    package func run(stopSignal: CInt) -> Int32 {
        while true {
            if kernelClosed || (disconnectAsked && inFlight == 0 && waiting.isEmpty) {
                session?.logOut(until: Uptime.now().adding(milliseconds: 2000))
                log.info("iscsi", "\(target): the kernel released the device; logged out")
                return 0
            }
            if session == nil && Uptime.now() >= nextLogin { logInAgain() }
            if let session, !waiting.isEmpty {
                let queued = waiting
                waiting = []
                queued.forEach { submit($0, on: session) }
            }
            keepAlive()
            var entries = [(fd: kernel, events: Poll.input), (fd: stopSignal, events: Poll.input)]
            if let session { entries.append((session.descriptor, session.events)) }
            let wake = session == nil ? nextLogin : nextNop
            let revents: [Int16]
            do { revents = try Poll.wait(entries, milliseconds: max(1, min(wake.millisecondsLeft(), 1000))) } catch {
                log.error("iscsi", "poll: \(error)")
                return 1
            }
            if revents[1] != 0 { stop(stopSignal) }
            if revents[0] != 0 { readRequests() }
            if let session, revents.count > 2, !session.service(revents[2]) {
                drop("\(session.lastError)")
            }
            flush()
        }
    }

    /// libiscsi only queues a command; it goes out when the session is serviced for
    /// POLLOUT. Doing that at once saves a round through poll(2) for every request.
    private func flush() {
        guard let session, session.events & Int16(POLLOUT) != 0, !session.service(Int16(POLLOUT)) else { return }
        drop("\(session.lastError)")
    }

    /// SIGTERM: the kernel is asked to drop the device; it answers with NBD_CMD_DISC once
    /// its requests are answered, and new I/O on the device fails.
    private func stop(_ signal: CInt) {
        var info = [UInt8](repeating: 0, count: 128)
        _ = read(signal, &info, info.count)
        log.info("iscsi", "\(target): asked to stop; disconnecting the nbd device")
        if let device {
            do { try device.disconnect() } catch { log.warning("iscsi", "\(error)") }
        } else {
            kernelClosed = true
        }
    }

    private func readRequests() {
        let count = received.withUnsafeMutableBytes { recv(kernel, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
        guard count > 0 else {
            kernelClosed = true
            return
        }
        reader.append(received[..<count])
        do {
            while let request = try reader.next() { accept(request) }
        } catch {
            log.error("iscsi", "\(target): \(error); closing the device's connection")
            kernelClosed = true
        }
    }

    private func accept(_ request: NBD.Request) {
        switch request.command {
        case .disconnect:
            disconnectAsked = true
            return
        case .read, .write, .trim:
            guard request.command == .read || writable else { return reply(request, error: EPERM) }
            guard NBD.isInside(request, blockSize: lun.blockSize, blockCount: lun.blockCount) else { return reply(request, error: EINVAL) }
        case .flush:
            break
        }
        let operation = Operation(request, self)
        if let session { submit(operation, on: session) } else { waiting.append(operation) }
    }

    private func submit(_ operation: Operation, on session: ISCSISession) {
        guard let context = session.context else { return waiting.append(operation) }
        let request = operation.request
        let blockSize = UInt64(lun.blockSize)
        let lba = request.offset / blockSize
        let data = Unmanaged.passRetained(operation).toOpaque()
        operation.attempts += 1
        let number = Int32(lun.number)
        let fua: Int32 = request.forceUnitAccess ? 1 : 0
        let task: UnsafeMutablePointer<scsi_task>?
        switch request.command {
        case .read:
            task = iscsi.read16(context, number, lba, request.length, Int32(blockSize), 0, 0, fua, 0, 0, Self.completed, data)
        case .write:
            task = iscsi.write16(context, number, lba, operation.payload?.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                  request.length, Int32(blockSize), 0, 0, fua, 0, 0, Self.completed, data)
        case .flush:
            task = iscsi.synchronizeCache16(context, number, 0, 0, 0, 0, Self.completed, data)
        case .trim:
            operation.unmap = unmap_list(lba: lba, num: UInt32(UInt64(request.length) / blockSize))
            task = iscsi.unmap(context, number, 0, 0, &operation.unmap, 1, Self.completed, data)
        case .disconnect:
            task = nil
        }
        guard task != nil else {
            Unmanaged<Operation>.fromOpaque(data).release()
            return drop("could not queue a command: \(session.lastError)", requeue: operation)
        }
        inFlight += 1
    }

    private static let completed: iscsi_command_cb = { _, status, reply, data in
        guard let data else { return }
        let operation = Unmanaged<Operation>.fromOpaque(data).takeRetainedValue()
        let task = reply?.assumingMemoryBound(to: scsi_task.self)
        defer { task.map { operation.bridge.iscsi.freeTask($0) } }
        operation.bridge.complete(operation, status: status, task: task)
    }

    private func complete(_ operation: Operation, status: Int32, task: UnsafeMutablePointer<scsi_task>?) {
        inFlight -= 1
        let request = operation.request
        switch UInt32(bitPattern: status) {
        case SCSI_STATUS_GOOD.rawValue:
            guard request.command == .read else { return reply(request, error: 0) }
            guard let task, Int(task.pointee.datain.size) >= Int(request.length), let bytes = task.pointee.datain.data else {
                log.warning("iscsi", "\(target): a read of \(request.length) bytes at \(request.offset) came back short")
                return reply(request, error: EIO)
            }
            reply(request, error: 0, data: UnsafeRawBufferPointer(start: bytes, count: Int(request.length)))
        case SCSI_STATUS_CANCELLED.rawValue, SCSI_STATUS_ERROR.rawValue, SCSI_STATUS_TIMEOUT.rawValue:
            // The session broke under it: sent again after the next login.
            waiting.append(operation)
        case SCSI_STATUS_BUSY.rawValue where operation.attempts < Self.commandAttempts,
             SCSI_STATUS_TASK_SET_FULL.rawValue where operation.attempts < Self.commandAttempts:
            waiting.append(operation)
        case SCSI_STATUS_CHECK_CONDITION.rawValue where task?.pointee.sense.key == SCSI_SENSE_UNIT_ATTENTION && operation.attempts < Self.commandAttempts:
            waiting.append(operation)
        default:
            let sense = task.map { "sense key \($0.pointee.sense.key.rawValue), ASC/ASCQ 0x\(String($0.pointee.sense.ascq, radix: 16))" } ?? "no sense data"
            log.warning("iscsi", "\(target) LUN \(lun.number): \(request.command) of \(request.length) bytes at \(request.offset) failed with SCSI status 0x\(String(status, radix: 16)) (\(sense)); the kernel gets EIO")
            reply(request, error: task?.pointee.sense.key == SCSI_SENSE_DATA_PROTECTION ? EPERM : EIO)
        }
    }

    private func reply(_ request: NBD.Request, error: CInt, data: UnsafeRawBufferPointer? = nil) {
        var header = NBD.replyHeader(handle: request.handle, error: UInt32(error))
        let written = header.withUnsafeMutableBytes { head -> Bool in
            var parts = [iovec(iov_base: head.baseAddress, iov_len: head.count)]
            if let data { parts.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: data.baseAddress), iov_len: data.count)) }
            return Self.writeAll(kernel, &parts)
        }
        if !written && !kernelClosed {
            log.warning("iscsi", "\(target): the nbd device no longer takes replies (\(Posix.lastErrno)); stopping")
            kernelClosed = true
        }
    }

    /// writev until every byte is out (the socket is blocking; a short write is resumed).
    private static func writeAll(_ fd: CInt, _ parts: inout [iovec]) -> Bool {
        var index = 0
        while index < parts.count {
            let count = parts[index...].withUnsafeBufferPointer { writev(fd, $0.baseAddress, Int32($0.count)) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return false }
            var left = count
            while index < parts.count && left >= parts[index].iov_len {
                left -= parts[index].iov_len
                index += 1
            }
            if index < parts.count && left > 0 {
                parts[index].iov_base += left
                parts[index].iov_len -= left
            }
        }
        return true
    }

    // MARK: Session loss and login

    /// The session is gone: its commands come back cancelled (into `waiting`) and a new
    /// login is due at once.
    private func drop(_ reason: String, requeue operation: Operation? = nil) {
        if let operation { waiting.append(operation) }
        guard let session else { return }
        log.warning("iscsi", "\(target): the session at \(session.portal) broke (\(reason)); \(inFlight) commands in flight wait for a new login")
        self.session = nil
        session.close()
        droppedAt = droppedAt ?? Uptime.now()
        nextLogin = Uptime.now()
        loginBackoff.reset()
        publish(nil, reconnects)
    }

    /// One round over the portals, starting with the one last used. Failing that, the next
    /// round comes after a back-off of 1, 2, 4, 8 s (then every 8 s, for as long as it
    /// takes: a root cannot give up).
    private func logInAgain() {
        var failures: [String] = []
        for step in 0..<portals.count {
            let index = (portalIndex + step) % portals.count
            do {
                let session = try login.logIn(target, [portals[index]])
                let geometry = try login.capacity(session, lun: lun.number)
                if geometry.size != lun.size {
                    log.warning("iscsi", "\(target) LUN \(lun.number) is now \(geometry.size) bytes, was \(lun.size): serving the old size")
                }
                let down = droppedAt.map { (Uptime.now().nanoseconds - $0.nanoseconds) / 1_000_000 } ?? 0
                log.info("iscsi", "\(target): logged in again at \(portals[index]) after \(down / 1000).\(down % 1000 / 100) s; sending \(waiting.count) waiting commands")
                self.session = session
                portalIndex = index
                droppedAt = nil
                reconnects += 1
                nextNop = Uptime.now().adding(milliseconds: Self.nopIntervalMilliseconds)
                publish(portals[index], reconnects)
                return
            } catch {
                failures.append("\(error)")
            }
        }
        // A root cannot give up: no bound, the back-off's cap between rounds.
        let delay = loginBackoff.wait(left: .max) ?? Backoff.capMilliseconds
        log.warning("iscsi", "\(failures.joined(separator: "; ")); trying again in \(delay / 1000) s")
        nextLogin = Uptime.now().adding(milliseconds: delay)
    }

    /// A NOP-Out every 5 s: a target that vanished without a reset (a pulled cable) is
    /// noticed after three unanswered ones instead of after TCP's minutes.
    private func keepAlive() {
        guard let session, let context = session.context, Uptime.now() >= nextNop else { return }
        nextNop = Uptime.now().adding(milliseconds: Self.nopIntervalMilliseconds)
        if iscsi.nopsInFlight(context) >= Self.nopsWithoutAnswer {
            return drop("no answer to \(Self.nopsWithoutAnswer) NOP-Outs in \(Int(Self.nopsWithoutAnswer) * Self.nopIntervalMilliseconds / 1000) s")
        }
        _ = iscsi.nopOut(context, { _, _, _, _ in }, nil, 0, nil)
    }
}
