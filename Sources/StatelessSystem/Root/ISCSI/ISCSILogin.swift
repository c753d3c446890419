import CIscsi
import Glibc
import StatelessCore
import StatelessProtocols

/// The LUN the bridge serves, as the target describes it.
package struct ISCSILUN: Equatable, Sendable {
    package var number: Int
    package var blockSize: Int
    package var blockCount: UInt64
    /// Logical block provisioning (READ CAPACITY 16's LBPME): UNMAP is worth forwarding.
    package var thinProvisioned: Bool
    package var size: UInt64 { UInt64(blockSize) * blockCount }
}

/// Finding the target and getting a working session to it: SendTargets when the target
/// is unnamed, a login at each portal in turn, and the LUN's geometry. Errors say which
/// portal and target, and what the target answered.
package struct ISCSILogin {
    package var target: String?
    package var portals: [ISCSIRootSpec.Portal]
    package var chap: ISCSIRootSpec.CHAP?
    package var initiator: String
    /// One step (a connect, a login, a command) may take this long.
    var stepSeconds = 10

    package init(target: String?, portals: [ISCSIRootSpec.Portal], chap: ISCSIRootSpec.CHAP?, initiator: String, stepSeconds: Int = 10) {
        (self.target, self.portals, self.chap, self.initiator, self.stepSeconds) = (target, portals, chap, initiator, stepSeconds)
    }

    /// Whether a failed login may succeed later: no answer, a refused connection, or a
    /// target that says it is busy (status class 3) may pass; an unknown target or a
    /// wrong secret will not.
    package static func isTransient(_ error: BootError) -> Bool {
        if error.kind == .noAnswer { return true }
        return loginStatus(error.detail ?? "").map { $0 >> 8 == 3 } ?? false
    }

    /// The last number in parentheses in libiscsi's error: a login status, "…Status:
    /// Authentication failure(513)" → 0x0201, or an errno, "socket error Connection
    /// refused(111).". Our explanation may follow it ("… — the portal has no such target").
    static func loginStatus(_ text: String) -> Int? {
        var number: Int?
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "(") {
            let after = rest[rest.index(after: open)...]
            let digits = after.prefix { $0.isASCII && $0.isNumber }
            if !digits.isEmpty, after.dropFirst(digits.count).first == ")" { number = Int(digits) }
            rest = after
        }
        return number
    }

    /// The admin's reading of a login failure.
    package static func explain(_ error: BootError, chap: ISCSIRootSpec.CHAP?) -> String {
        switch loginStatus(error.detail ?? "") {
        case 0x0201?:
            return chap == nil ? "the target asks for CHAP credentials and none were given" : "the target refused the CHAP credentials (user \(chap!.username))"
        case 0x0202?: return "the target does not allow this initiator (check its ACL)"
        case 0x0203?, 0x0204?: return "the portal has no such target"
        case let status? where status >> 8 == 3: return "the target is not ready to serve (it may be starting)"
        default:
            if error.errno == .connectionRefused { return "nothing accepts iSCSI connections there: is the target running?" }
            if error.errno == .timedOut || error.errno == .noRouteToHost || error.errno == .hostIsDown { return "the portal did not answer" }
            if chap?.isMutual == true && error.kind == .refused { return "the login failed; with mutual CHAP, the target may have proven itself with the wrong secret" }
            return "the target ended the session"
        }
    }

    private func deadline() -> Uptime { Uptime.now().adding(milliseconds: stepSeconds * 1000) }

    /// The target name and its portals: as given, or from SendTargets at the first portal
    /// that answers (a portal with one target is enough; with several, the root must name
    /// one).
    package func resolveTarget() throws -> (String, [ISCSIRootSpec.Portal]) {
        if let target { return (target, portals) }
        var failures: [String] = []
        for portal in portals {
            let session = try ISCSISession(initiator: initiator, portal: portal, target: nil, chap: chap)
            defer { session.close() }
            let found: [(target: String, portals: [ISCSIRootSpec.Portal])]
            do {
                try session.logIn(until: deadline())
                found = try session.discover(until: deadline())
                session.logOut(until: deadline())
            } catch let error as BootError where Self.isTransient(error) {
                failures.append("\(error) — \(Self.explain(error, chap: chap))")
                continue
            }
            guard found.count == 1, let only = found.first else {
                let names = found.map(\.target).joined(separator: ", ")
                throw BootError("discover targets at", "\(portal)",
                                detail: found.isEmpty ? "SendTargets lists no target for this initiator" : "SendTargets lists \(found.count) targets (\(names)): name one in the root",
                                option: "netroot=iscsi:…:<target>, rd.iscsi.target.name=")
            }
            return (only.target, only.portals)
        }
        throw BootError("find a target at", portals.map(\.description).joined(separator: ", "), errno: .timedOut,
                        detail: failures.joined(separator: "; "))
    }

    /// A session logged in at the first portal of `portals` that accepts it.
    package func logIn(_ target: String, _ portals: [ISCSIRootSpec.Portal]) throws -> ISCSISession {
        var last: BootError?
        for portal in portals {
            let session = try ISCSISession(initiator: initiator, portal: portal, target: target, chap: chap)
            do {
                try session.logIn(until: deadline())
                return session
            } catch let error as BootError {
                session.close()
                last = BootError(error.operation, "\(target) at \(portal)", kind: error.kind, errno: error.errno,
                                 detail: "\(error.detail ?? "") — \(Self.explain(error, chap: chap))", option: error.option)
                if !Self.isTransient(error) { throw last! }
            }
        }
        throw last ?? BootError("log in to", target, detail: "no portal to try")
    }

    /// The LUN to serve: the one named, else the lowest that is a disk.
    package func lun(_ session: ISCSISession, named: Int?) throws -> ISCSILUN {
        let candidates = try named.map { [$0] } ?? reportedLUNs(session)
        var others: [String] = []
        for number in candidates {
            let type = try deviceType(session, lun: number)
            if type == 0 { return try capacity(session, lun: number) }
            others.append(type.map { "LUN \(number) is of SCSI device type \($0)" } ?? "LUN \(number) is not connected")
        }
        let target = session.target ?? ""
        if let named {
            throw BootError("find LUN \(named) of", "\(target) at \(session.portal)",
                            detail: "\(others.joined(separator: ", ")), not a disk; the target's LUNs: \((try? reportedLUNs(session))?.map(String.init).joined(separator: ", ") ?? "unknown")",
                            option: "netroot=iscsi:…:<lun>:<target>, rd.iscsi.target.lun=")
        }
        throw BootError("find a disk LUN of", "\(target) at \(session.portal)", detail: others.isEmpty ? "the target reports no LUNs" : others.joined(separator: ", "),
                        option: "netroot=iscsi:…:<lun>:<target>")
    }

    func reportedLUNs(_ session: ISCSISession) throws -> [Int] {
        let task = try session.command("REPORT LUNS", until: deadline()) { context, callback, data in
            session.iscsi.reportLUNs(context, 0, 16384, callback, data)
        }
        defer { session.iscsi.freeTask(task) }
        guard task.pointee.status == 0, let raw = session.iscsi.dataIn(task) else { return [] }
        let list = raw.assumingMemoryBound(to: scsi_reportluns_list.self)
        let count = Int(list.pointee.num)
        let luns = (raw + MemoryLayout<UInt32>.size).assumingMemoryBound(to: UInt16.self)
        return (0..<count).map { Int(luns[$0] & 0x3fff) }.sorted()
    }

    /// The SCSI peripheral device type (0: a disk); nil when the target says the LUN is
    /// not there (qualifier 3, type 0x1f, or LOGICAL UNIT NOT SUPPORTED).
    package func deviceType(_ session: ISCSISession, lun: Int) throws -> Int? {
        let task = try session.command("INQUIRY on LUN \(lun)", until: deadline()) { context, callback, data in
            session.iscsi.inquiry(context, Int32(lun), 0, 0, 255, callback, data)
        }
        defer { session.iscsi.freeTask(task) }
        guard task.pointee.status == 0, let raw = session.iscsi.dataIn(task) else { return nil }
        let inquiry = raw.assumingMemoryBound(to: scsi_inquiry_standard.self).pointee
        guard inquiry.qualifier.rawValue == 0, inquiry.device_type.rawValue != 0x1f else { return nil }
        return Int(inquiry.device_type.rawValue)
    }

    /// READ CAPACITY 16, after TEST UNIT READY has consumed the unit attentions a fresh
    /// session starts with.
    func capacity(_ session: ISCSISession, lun: Int) throws -> ISCSILUN {
        for _ in 0..<3 {
            let ready = try session.command("TEST UNIT READY on LUN \(lun)", until: deadline()) { context, callback, data in
                session.iscsi.testUnitReady(context, Int32(lun), callback, data)
            }
            let status = ready.pointee.status
            session.iscsi.freeTask(ready)
            if status == 0 { break }
        }
        let task = try session.command("READ CAPACITY on LUN \(lun)", until: deadline()) { context, callback, data in
            session.iscsi.readCapacity16(context, Int32(lun), callback, data)
        }
        defer { session.iscsi.freeTask(task) }
        guard task.pointee.status == 0, let raw = session.iscsi.dataIn(task) else {
            throw BootError("read the capacity of LUN \(lun) of", "\(session.target ?? "") at \(session.portal)", detail: session.lastError)
        }
        let capacity = raw.assumingMemoryBound(to: scsi_readcapacity16.self).pointee
        let blockSize = Int(capacity.block_length)
        guard [512, 1024, 2048, 4096].contains(blockSize) else {
            throw BootError("serve LUN \(lun) of", "\(session.target ?? "")", detail: "a block size of \(blockSize) bytes, which the kernel's nbd driver cannot take (512 to 4096)")
        }
        return ISCSILUN(number: lun, blockSize: blockSize, blockCount: capacity.returned_lba + 1, thinProvisioned: capacity.lbpme != 0)
    }
}
