import CIscsi
import Glibc
import StatelessCore
import StatelessProtocols
import SystemPackage

/// One iSCSI session through libiscsi's asynchronous API, driven by our own poll loop so
/// that every step has a deadline (libiscsi's synchronous calls wait on a TCP connect as
/// long as the kernel does). libiscsi's own reconnect is off: the bridge decides when and
/// where (which portal) to log in again, and resubmits what was in flight.
package final class ISCSISession {
    private(set) var context: OpaquePointer?
    /// libiscsi, opened by the first session of the process.
    let iscsi: LibISCSI
    package let portal: ISCSIRootSpec.Portal
    /// Nil for a discovery session.
    package let target: String?

    package init(initiator: String, portal: ISCSIRootSpec.Portal, target: String?, chap: ISCSIRootSpec.CHAP?) throws {
        let iscsi = try LibISCSI.open()
        self.iscsi = iscsi
        guard let context = iscsi.createContext(initiator) else {
            throw BootError("create", "an iSCSI context for \(initiator)", detail: "libiscsi refused the initiator name")
        }
        self.context = context
        self.portal = portal
        self.target = target
        iscsi.setNoAutoReconnect(context, 1)
        _ = iscsi.setHeaderDigest(context, ISCSI_HEADER_DIGEST_NONE_CRC32C)
        if let target {
            _ = iscsi.setSessionType(context, ISCSI_SESSION_NORMAL)
            _ = iscsi.setTargetName(context, target)
        } else {
            _ = iscsi.setSessionType(context, ISCSI_SESSION_DISCOVERY)
        }
        if let chap {
            _ = iscsi.setInitiatorCredentials(context, chap.username, chap.password)
            if let user = chap.targetUsername, let password = chap.targetPassword {
                _ = iscsi.setTargetCredentials(context, user, password)
            }
        }
    }

    deinit { close() }

    /// Drops the connection. Commands still in flight complete with SCSI_STATUS_CANCELLED
    /// first, inside this call.
    package func close() {
        guard let context else { return }
        self.context = nil
        _ = iscsi.destroyContext(context)
    }

    /// libiscsi's description of the last failure, e.g. "Failed to log in to target.
    /// Status: Authentication failure(513)".
    var lastError: String {
        guard let context, let text = iscsi.lastError(context) else { return "no connection" }
        let message = String(cString: text)
        return message.isEmpty ? "no detail from libiscsi" : message
    }

    /// TCP connect and login (CHAP as configured) before `deadline`.
    package func logIn(until deadline: Uptime) throws {
        let address = portal.description
        try call("connect to", deadline, refusal: .noAnswer) { context, callback, data in iscsi.connect(context, address, callback, data) }
        try call("log in at", deadline, refusal: .refused) { context, callback, data in iscsi.logIn(context, callback, data) }
    }

    /// SendTargets: each target the portal offers with its portals (the one asked when
    /// the target lists none).
    package func discover(until deadline: Uptime) throws -> [(target: String, portals: [ISCSIRootSpec.Portal])] {
        var found: [(String, [ISCSIRootSpec.Portal])] = []
        let asked = portal
        // libiscsi frees the list when the callback returns: it is read inside.
        try call("discover targets at", deadline, reading: { reply in
            var entry = reply?.assumingMemoryBound(to: iscsi_discovery_address.self)
            while let address = entry {
                var portals: [ISCSIRootSpec.Portal] = []
                var next = address.pointee.portals
                while let portal = next {
                    if let text = portal.pointee.portal, let parsed = Self.portal(String(cString: text)) { portals.append(parsed) }
                    next = portal.pointee.next
                }
                if let name = address.pointee.target_name {
                    found.append((String(cString: name), portals.isEmpty ? [asked] : portals))
                }
                entry = address.pointee.next
            }
        }) { context, callback, data in iscsi.discover(context, callback, data) }
        return found
    }

    /// SendTargets answers `10.0.0.1:3260,1` (address, port, portal group) or
    /// `[fe80::1]:3260,1`; IPv6 portals are skipped.
    package static func portal(_ text: String) -> ISCSIRootSpec.Portal? {
        let address = text.split(separator: ",").first ?? ""
        let parts = address.split(separator: ":")
        guard parts.count <= 2, let host = parts.first, IPv4Address(parsing: host) != nil else { return nil }
        let port = parts.count == 2 ? Int(parts[1]) : 3260
        guard let port, (1...65535).contains(port) else { return nil }
        return ISCSIRootSpec.Portal(host: String(host), port: port)
    }

    func logOut(until deadline: Uptime) {
        _ = try? call("log out at", deadline) { context, callback, data in iscsi.logOut(context, callback, data) }
    }

    /// A SCSI command whose result the caller needs before going on (INQUIRY, READ
    /// CAPACITY, REPORT LUNS). The task is the caller's to free; nil when the session
    /// broke (the error names it).
    package func command(_ what: String, until deadline: Uptime,
                 _ start: (OpaquePointer, iscsi_command_cb, UnsafeMutableRawPointer) -> UnsafeMutablePointer<scsi_task>?) throws -> UnsafeMutablePointer<scsi_task> {
        let reply = try call(what, deadline, allowCheckCondition: true) { context, callback, data in
            start(context, callback, data) == nil ? -1 : 0
        }
        guard let task = reply?.assumingMemoryBound(to: scsi_task.self) else {
            throw BootError(what, "\(target ?? "") at \(portal)", detail: "libiscsi returned no task")
        }
        return task
    }

    // MARK: The event loop

    package var descriptor: CInt { context.map { iscsi.descriptor($0) } ?? -1 }
    package var events: Int16 { context.map { Int16(truncatingIfNeeded: iscsi.events($0)) } ?? 0 }

    /// Hands poll's answer to libiscsi; false when the connection broke.
    package func service(_ revents: Int16) -> Bool {
        guard let context else { return false }
        return iscsi.service(context, Int32(revents)) == 0
    }

    /// Polls the session until `done` or `deadline`; false when the deadline came first.
    func pump(until deadline: Uptime, _ done: () -> Bool) throws -> Bool {
        while !done() {
            let left = deadline.millisecondsLeft()
            guard left > 0 else { return false }
            let revents: Int16
            do { revents = try Poll.wait([(descriptor, events)], milliseconds: min(left, 1000))[0] } catch {
                throw BootError("poll", "the iSCSI connection to \(portal)", errno: error)
            }
            if !service(revents) {
                if done() { return true }  // the call's callback got the failure first
                throw BootError("talk to", "\(target ?? "the discovery service") at \(portal)", kind: .noAnswer, errno: socketError(descriptor), detail: lastError)
            }
        }
        return true
    }

    /// What the kernel says went wrong on the connection (ECONNREFUSED, ETIMEDOUT), which
    /// libiscsi's text after a failed connect does not.
    private func socketError(_ fd: CInt) -> Errno? {
        var value: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        guard fd >= 0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) == 0, value != 0 else { return nil }
        return Errno(rawValue: value)
    }

    /// Starts an asynchronous libiscsi call and pumps until its callback ran or
    /// `deadline`; returns the callback's data. On a timeout the connection is closed
    /// here, while the callback's context is still alive. A broken connection or no
    /// answer in time is `.noAnswer`; a failed status is `refusal` (a connect that fails
    /// got no answer from a target; a login that fails was refused by one).
    @discardableResult
    private func call(_ what: String, _ deadline: Uptime, refusal: BootError.Kind = .failed, allowCheckCondition: Bool = false,
                      reading: @escaping (UnsafeMutableRawPointer?) -> Void = { _ in },
                      _ start: (OpaquePointer, iscsi_command_cb, UnsafeMutableRawPointer) -> Int32) throws -> UnsafeMutableRawPointer? {
        guard let context else { throw BootError(what, "\(portal)", detail: "the session is closed") }
        let result = CallResult(reading, lastError: iscsi.lastError)
        return try withExtendedLifetime(result) {
            let data = Unmanaged.passUnretained(result).toOpaque()
            guard start(context, { context, status, reply, data in
                guard let data else { return }
                let result = Unmanaged<CallResult>.fromOpaque(data).takeUnretainedValue()
                (result.status, result.reply, result.done) = (status, reply, true)
                // Now, before libiscsi's next step overwrites it.
                result.error = context.flatMap { result.lastError($0) }.map { String(cString: $0) }
                if status == SCSI_STATUS_GOOD.rawValue { result.reading(reply) }
            }, data) == 0 else {
                throw BootError(what, "\(target ?? "the discovery service") at \(portal)", detail: lastError)
            }
            let finished: Bool
            do {
                finished = try pump(until: deadline) { result.done }
            } catch let error as BootError {
                close()
                throw BootError(what, error.object, kind: .noAnswer, errno: error.errno, detail: error.detail)
            }
            guard finished else {
                close()
                throw BootError(what, "\(target ?? "the discovery service") at \(portal)", kind: .noAnswer, errno: .timedOut, detail: "no answer in time")
            }
            let status = result.status
            guard status == SCSI_STATUS_GOOD.rawValue || (allowCheckCondition && status == SCSI_STATUS_CHECK_CONDITION.rawValue) else {
                let detail = result.error ?? lastError
                // "iscsi_service: socket error Connection refused(111)": the errno.
                let errno = refusal == .noAnswer ? ISCSILogin.loginStatus(detail).map { Errno(rawValue: CInt($0)) } : nil
                throw BootError(what, "\(target ?? "the discovery service") at \(portal)", kind: refusal, errno: errno, detail: detail)
            }
            return result.reply
        }
    }

    private final class CallResult {
        var status: Int32 = -1
        var reply: UnsafeMutableRawPointer?
        var done = false
        var error: String?
        /// Reads what libiscsi frees when the callback returns (discovery's list).
        let reading: (UnsafeMutableRawPointer?) -> Void
        /// libiscsi's error text, for the callback (a C function, which captures nothing).
        let lastError: stateless_iscsi_get_error
        init(_ reading: @escaping (UnsafeMutableRawPointer?) -> Void, lastError: @escaping stateless_iscsi_get_error) {
            (self.reading, self.lastError) = (reading, lastError)
        }
    }
}
