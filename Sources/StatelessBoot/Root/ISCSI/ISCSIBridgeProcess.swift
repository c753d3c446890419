import StatelessCore
import StatelessProtocols
import StatelessSystem
import SystemPackage

/// The `iscsi-bridge` applet, a Daemon (`@iscsi-bridge`) the root stage starts, and the
/// root stage's side of starting it.
///
/// The request (portals, target, credentials) goes to the bridge over a socket pair on
/// its descriptor 4, not in argv, where every user could read the CHAP secrets in
/// /proc/PID/cmdline; its answer (the device, or the one line that says why not) comes
/// back the same way. The bridge then serves the LUN for the life of the machine: its
/// memory is locked, the OOM killer leaves it alone, and it has no file open on the root
/// it serves (its own root stays the emptied initramfs). Its state is in
/// /run/stateless/iscsi.env.
enum ISCSIBridgeProcess {
    static let appletName = "iscsi-bridge"
    static let stateFile = "stateless/iscsi.env"

    // MARK: The root stage's side

    struct Started {
        package var pid: ProcessID
        package var facts: HandOffValues<ISCSIEnv>
        package var device: String { facts[.device] ?? "" }
    }

    /// Starts the bridge with `request` (ISCSIBridgeRequest's facts) and waits up to
    /// `seconds` for its answer.
    package static func start(_ request: ISCSIBridgeRequest, seconds: Int, log: Logger) throws -> Started {
        let (ours, theirs) = try Posix.socketPair()
        defer { try? ours.close() }
        let pid = try theirs.closeAfter { try Daemon.spawn(appletName, [], inherit: [theirs.rawValue]) }
        Posix.sendAndFinish(ours, Array(HandOff.format(request.facts).utf8))
        guard let answer = Posix.readAll(ours, until: Uptime.now().adding(milliseconds: seconds * 1000)) else {
            stop(pid, log: log)
            throw BootError("attach iSCSI root", request.spec.description, errno: .timedOut,
                            detail: "the bridge did not log in within \(seconds) s", option: "rd.retry=")
        }
        let facts = HandOffValues<ISCSIEnv>(HandOff.parse(answer))
        if let error = facts[.error] {
            throw BootError("attach iSCSI root", request.spec.description, detail: error, option: facts[.option])
        }
        guard let device = facts[.device], device.hasPrefix("/dev/nbd") else {
            throw BootError("attach iSCSI root", request.spec.description, detail: "the bridge ended without an answer (see its lines above)")
        }
        return Started(pid: pid, facts: facts)
    }

    /// SIGTERM, then up to 10 s for the bridge to disconnect the device and log out.
    package static func stop(_ pid: ProcessID, log: Logger) {
        Posix.send(.terminate, to: pid)
        guard Posix.waitForExit(pid, milliseconds: 10_000) == nil else { return }
        log.warning("root", "the iSCSI bridge (process \(pid)) did not stop within 10 s; killing it")
        Posix.send(.kill, to: pid)
        // A process stuck in the kernel (an nbd request in flight) dies only when that
        // call returns: the boot does not wait for it past a bound.
        guard Posix.waitForExit(pid, milliseconds: 5000) == nil else { return }
        log.warning("root", "the iSCSI bridge (process \(pid)) has not exited 5 s after SIGKILL (stuck in the kernel); going on without it")
    }

    // MARK: The bridge's side

    /// The applet: logs in, connects the nbd device, answers, then serves until the kernel
    /// releases the device.
    package static func run(log: Logger) -> Int32 {
        let channel = FileDescriptor(rawValue: Daemon.firstExtraDescriptor)
        func answer(_ facts: HandOffFacts<ISCSIEnv>) {
            Posix.sendAndFinish(channel, Array(HandOff.format(facts).utf8))
            try? channel.close()
        }
        guard let text = Posix.readAll(channel, until: Uptime.now().adding(milliseconds: 5000)),
              let request = ISCSIBridgeRequest(facts: HandOffValues(HandOff.parse(text)))
        else {
            log.error(appletName, "expected the root stage's request on descriptor \(channel.rawValue); this applet is started by the root stage, not by hand")
            answer([(.error, "the bridge got no usable request")])
            return 2
        }
        let stopSignal = Posix.terminationSignalDescriptor()
        Posix.becomeStorageDaemon().forEach { log.warning(appletName, $0) }
        do {
            let (session, target, portals, login) = try logInRetrying(request, log: log)
            let lun = try login.lun(session, named: request.spec.lun)
            let (ours, kernels) = try Posix.socketPair()
            let flags: NBD.ServerFlags = request.writable ? (lun.thinProvisioned ? [.sendFlush, .sendFUA, .sendTrim] : [.sendFlush, .sendFUA]) : [.readOnly]
            let device: NBDDevice
            do {
                defer { try? kernels.close() }  // the kernel holds its own reference now
                device = try NBDDevice.connect(socket: kernels.rawValue, size: lun.size, blockSize: lun.blockSize, flags: flags)
            }
            tune(device, log: log)
            let bridge = ISCSIBridge(kernel: ours.rawValue, session: session, login: login, target: target, portals: portals,
                                     lun: lun, writable: request.writable, log: log)
            bridge.device = device
            let facts: (ISCSIRootSpec.Portal?, Int) -> HandOffFacts<ISCSIEnv> = { portal, reconnects in
                [(.target, target), (.lun, String(lun.number)), (.device, device.path),
                 (.portal, portal?.description ?? ""), (.state, portal == nil ? "reconnecting" : "serving"),
                 (.portals, portals.map(\.description).joined(separator: " ")), (.initiator, login.initiator),
                 (.size, String(lun.size)), (.blockSize, String(lun.blockSize)),
                 (.writable, request.writable ? "1" : "0"), (.reconnects, String(reconnects)),
                 (.bridgePID, String(Posix.processID))]
            }
            bridge.publish = { portal, reconnects in Daemon.writeRunFile(stateFile, HandOff.format(facts(portal, reconnects))) }
            bridge.publish(session.portal, 0)
            log.info(appletName, "serving \(target) LUN \(lun.number) from \(session.portal) on \(device.path): \(lun.blockCount) blocks of \(lun.blockSize) bytes, \(request.writable ? "read-write" : "read-only")")
            answer(facts(session.portal, 0))
            return bridge.run(stopSignal: stopSignal)
        } catch let error as BootError {
            log.error(appletName, "\(error)")
            answer([(.error, [error.operation, error.object].joined(separator: " ") + (error.errno.map { ": \($0) (\(errnoName($0)))" } ?? "") + (error.detail.map { ": " + $0 } ?? "")),
                    (.option, error.option ?? "rd.retry=, netroot=")])
            return 1
        } catch {
            answer([(.error, "\(error)")])
            return 1
        }
    }

    /// Discovery (when needed) and login, again and again while the failure may pass (no
    /// answer yet, a target still starting) until `rd.retry` runs out, with back-off.
    static func logInRetrying(_ request: ISCSIBridgeRequest, log: Logger) throws -> (ISCSISession, String, [ISCSIRootSpec.Portal], ISCSILogin) {
        let login = ISCSILogin(target: request.spec.target, portals: request.spec.portals, chap: request.spec.chap, initiator: request.initiator)
        do {
            return try Retry(seconds: request.retrySeconds, clock: KernelClock()).run({ _ in
                let (target, portals) = try login.resolveTarget()
                return (try login.logIn(target, portals), target, portals, login)
            }, judge: { error in
                (error as? BootError).map(ISCSILogin.isTransient) == true ? .again : .final
            }, willRetry: { error, wait, _ in
                log.warning(appletName, "\(error); retrying in \(Backoff.text(wait)) (rd.retry=\(request.retrySeconds))")
            }, gaveUp: { error, spent in
                guard var error = error as? BootError else { return error }
                error.detail = (error.detail ?? "") + " (\(spent.text))"
                return error
            })
        } catch var error as BootError {
            error.option = error.option ?? "netroot=, rd.iscsi.*, rd.retry="
            throw error
        }
    }

    /// Each request crosses the network twice, so fewer and larger ones read faster: the
    /// kernel's defaults for nbd (128 KiB requests, 128 KiB read-ahead) are raised to 1 MiB
    /// requests and 4 MiB read-ahead (the driver allows 32 MiB). A refusal is a warning.
    static let tuning = [("max_sectors_kb", "1024"), ("read_ahead_kb", "4096")]

    static func tune(_ device: NBDDevice, log: Logger) {
        for (name, value) in tuning {
            let path = "/sys/block/nbd\(device.index)/queue/\(name)"
            do { try Posix.writeFile(path, value) } catch { log.warning(appletName, "\(error); \(device.path) keeps the kernel's \(name)") }
        }
    }
}

/// What the root stage asks the bridge to serve.
struct ISCSIBridgeRequest: Equatable {
    package var spec: ISCSIRootSpec
    package var initiator: String
    package var writable: Bool
    package var retrySeconds: Int

    package init(spec: ISCSIRootSpec, initiator: String, writable: Bool, retrySeconds: Int) {
        self.spec = spec
        self.initiator = initiator
        self.writable = writable
        self.retrySeconds = retrySeconds
    }

    package var facts: HandOffFacts<ISCSIBridgeRequestMessage> {
        var facts: HandOffFacts<ISCSIBridgeRequestMessage> = [(.portals, spec.portals.map(\.description).joined(separator: " ")), (.initiator, initiator),
                     (.writable, writable ? "1" : "0"), (.retrySeconds, String(retrySeconds))]
        if let target = spec.target { facts.append((.target, target)) }
        if let lun = spec.lun { facts.append((.lun, String(lun))) }
        if let chap = spec.chap {
            facts += [(.chapUser, chap.username), (.chapPassword, chap.password)]
            if let user = chap.targetUsername, let password = chap.targetPassword {
                facts += [(.chapTargetUser, user), (.chapTargetPassword, password)]
            }
        }
        return facts
    }

    package init?(facts: HandOffValues<ISCSIBridgeRequestMessage>) {
        guard let initiator = facts[.initiator], let retry = facts[.retrySeconds].flatMap({ Int($0) }) else { return nil }
        let portals = (facts[.portals] ?? "").split(separator: " ").compactMap { ISCSISession.portal(String($0)) }
        guard !portals.isEmpty else { return nil }
        var spec = ISCSIRootSpec(portals: portals, target: facts[.target], lun: facts[.lun].flatMap { Int($0) })
        if let user = facts[.chapUser], let password = facts[.chapPassword] {
            spec.chap = ISCSIRootSpec.CHAP(username: user, password: password, targetUsername: facts[.chapTargetUser],
                                           targetPassword: facts[.chapTargetPassword])
        }
        self.init(spec: spec, initiator: initiator, writable: facts[.writable] == "1", retrySeconds: retry)
    }
}
