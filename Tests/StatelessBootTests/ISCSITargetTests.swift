import CLinux
import Foundation
@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import SystemPackage
import XCTest

/// Host integration: libiscsi through ISCSILogin and ISCSIBridge against a real target,
/// tgtd (Debian's tgt), on 127.0.0.1:3270 with its own control port. The bridge is
/// driven from the kernel's side of its socket pair by the test, since the host's kernel
/// has no nbd driver (the VM scenarios use the real one).
final class ISCSITargetTests: XCTestCase {
    typealias Portal = ISCSIRootSpec.Portal
    static let portal = Portal(host: "127.0.0.1", port: 3270)
    static let controlPort = "70"
    static let open = "iqn.2026-11.lab.stateless:open"
    static let chap = "iqn.2026-11.lab.stateless:chap"
    static let mutual = "iqn.2026-11.lab.stateless:mutual"
    static let initiator = "iqn.2026-11.lab.stateless:host-test"
    static let imageBytes = 8 << 20

    // MARK: Login, discovery, LUNs

    func testDiscoveryLoginAndTheFirstDiskLUN() throws {
        try withTarget(targets: [Self.open]) { _ in
            let login = ISCSILogin(target: nil, portals: [Self.portal], chap: nil, initiator: Self.initiator)
            let (target, portals) = try login.resolveTarget()
            XCTAssertEqual(target, Self.open)
            XCTAssertEqual(portals, [Self.portal])
            let session = try login.logIn(target, portals)
            defer { session.close() }
            XCTAssertEqual(try login.reportedLUNs(session), [0, 1])
            XCTAssertEqual(try login.deviceType(session, lun: 0), 12, "tgt's LUN 0 is its controller")
            let lun = try login.lun(session, named: nil)
            XCTAssertEqual(lun, ISCSILUN(number: 1, blockSize: 512, blockCount: UInt64(Self.imageBytes / 512), thinProvisioned: false))
            XCTAssertThrowsError(try login.lun(session, named: 5)) { error in
                XCTAssertTrue("\(error)".contains("LUN 5 is not connected"), "\(error)")
                XCTAssertTrue("\(error)".contains("the target's LUNs: 0, 1"), "\(error)")
            }
        }
    }

    func testDiscoveryWithSeveralTargetsAsksForOne() throws {
        try withTarget(targets: [Self.open, Self.mutual]) { _ in
            let login = ISCSILogin(target: nil, portals: [Self.portal], chap: nil, initiator: Self.initiator)
            XCTAssertThrowsError(try login.resolveTarget()) { error in
                XCTAssertTrue("\(error)".contains("SendTargets lists 2 targets"), "\(error)")
                XCTAssertTrue("\(error)".contains("netroot=iscsi"), "\(error)")
            }
        }
    }

    func testWrongTargetAndNoTargetAreExplained() throws {
        try withTarget(targets: [Self.open]) { _ in
            let wrong = ISCSILogin(target: "iqn.2026-11.lab.stateless:nope", portals: [Self.portal], chap: nil, initiator: Self.initiator)
            XCTAssertThrowsError(try wrong.logIn("iqn.2026-11.lab.stateless:nope", [Self.portal])) { error in
                let error = error as! BootError
                XCTAssertFalse(ISCSILogin.isTransient(error), "\(error)")
                XCTAssertTrue("\(error)".contains("127.0.0.1:3270"), "names the portal: \(error)")
                XCTAssertTrue("\(error)".contains("no such target"), "\(error)")
            }
        }
        // Nothing listens: a transient failure, named as such.
        let login = ISCSILogin(target: Self.open, portals: [Portal(host: "127.0.0.1", port: 3271)], chap: nil, initiator: Self.initiator)
        XCTAssertThrowsError(try login.logIn(Self.open, login.portals)) { error in
            XCTAssertTrue(ISCSILogin.isTransient(error as! BootError), "\(error)")
            XCTAssertTrue("\(error)".contains("is the target running?"), "\(error)")
        }
    }

    func testCHAPOneWayAndMutual() throws {
        try withTarget(targets: [Self.chap, Self.mutual]) { _ in
            func logIn(_ target: String, _ chap: ISCSIRootSpec.CHAP?) throws {
                let login = ISCSILogin(target: target, portals: [Self.portal], chap: chap, initiator: Self.initiator)
                try login.logIn(target, [Self.portal]).close()
            }
            try logIn(Self.chap, .init(username: "client", password: "client-secret1"))
            try logIn(Self.mutual, .init(username: "client", password: "client-secret1", targetUsername: "target", targetPassword: "target-secret1"))
            let failures: [(String, ISCSIRootSpec.CHAP?, String)] = [
                (Self.chap, nil, "asks for CHAP credentials"),
                (Self.chap, .init(username: "client", password: "wrong-secret12"), "refused the CHAP credentials"),
                (Self.mutual, .init(username: "client", password: "client-secret1", targetUsername: "target", targetPassword: "wrong-secret12"), "log in"),
            ]
            for (target, chap, expected) in failures {
                XCTAssertThrowsError(try logIn(target, chap), "\(target) \(chap?.password ?? "none")") { error in
                    XCTAssertFalse(ISCSILogin.isTransient(error as! BootError), "\(error)")
                    XCTAssertTrue("\(error)".contains(expected), "\(error)")
                    XCTAssertFalse("\(error)".contains("secret1"), "no secret in the line: \(error)")
                }
            }
        }
    }

    // MARK: The bridge

    func testBridgeServesAndSurvivesATargetRestart() throws {
        try withTarget(targets: [Self.open]) { target in
            let login = ISCSILogin(target: Self.open, portals: [Self.portal], chap: nil, initiator: Self.initiator)
            let session = try login.logIn(Self.open, [Self.portal])
            let lun = try login.lun(session, named: 1)
            let (kernelSocket, ourSocket) = try Posix.socketPair()
            let (kernel, ours) = (kernelSocket.rawValue, ourSocket.rawValue)
            let stop = eventfd(0, 0)
            let bridge = ISCSIBridge(kernel: ours, session: session, login: login, target: Self.open, portals: [Self.portal],
                                     lun: lun, writable: true, log: Logger(verbose: false))
            let finished = DispatchSemaphore(value: 0)
            let status = Box<Int32>(-1)
            let running = Box(bridge)  // the test thread only reads the socket from here on
            Thread.detachNewThread {
                status.value = running.value.run(stopSignal: stop)
                finished.signal()
            }
            defer { close(kernel); close(stop) }
            let device = NBDClient(fd: kernel)

            // Reads see the image; a write is read back; flush is answered.
            XCTAssertEqual(try device.read(handle: 1, offset: 4096, length: 4096), Self.pattern(at: 4096, length: 4096))
            let data = [UInt8](repeating: 0xa5, count: 8192)
            XCTAssertEqual(try device.request(.write, handle: 2, offset: 65536, payload: data).error, 0)
            XCTAssertEqual(try device.request(.flush, handle: 3, offset: 0, length: 0).error, 0)
            XCTAssertEqual(try device.read(handle: 4, offset: 65536, length: 8192), data)
            // Outside the device: EINVAL, and the bridge goes on.
            XCTAssertEqual(try device.request(.read, handle: 5, offset: UInt64(Self.imageBytes), length: 512).error, UInt32(EINVAL))

            // The target goes away with a read in flight; it comes back 3 s later.
            try target.stop()
            try device.send(.init(command: .read, forceUnitAccess: false, handle: 6, offset: 1 << 20, length: 65536))
            Thread.sleep(forTimeInterval: 3)
            try target.start()
            let reply = try device.reply(readLength: 65536)
            XCTAssertEqual(reply.handle, 6)
            XCTAssertEqual(reply.error, 0)
            XCTAssertEqual(reply.data, Self.pattern(at: 1 << 20, length: 65536))
            XCTAssertEqual(try device.read(handle: 7, offset: 65536, length: 8192), data, "the write is on the target")

            // NBD_CMD_DISC: the bridge logs out and ends.
            try device.send(.init(command: .disconnect, forceUnitAccess: false, handle: 8, offset: 0, length: 0))
            XCTAssertEqual(finished.wait(timeout: .now() + 10), .success)
            XCTAssertEqual(status.value, 0)
        }
    }

    /// Two portals: when the one in use goes away and the target comes back on the other,
    /// the bridge logs in there.
    func testBridgeFailsOverToTheNextPortal() throws {
        try withTarget(targets: [Self.open]) { target in
            let second = Portal(host: "127.0.0.1", port: 3272)
            let login = ISCSILogin(target: Self.open, portals: [Self.portal, second], chap: nil, initiator: Self.initiator)
            let session = try login.logIn(Self.open, login.portals)
            XCTAssertEqual(session.portal, Self.portal)
            let lun = try login.lun(session, named: 1)
            let (kernelSocket, ourSocket) = try Posix.socketPair()
            let (kernel, ours) = (kernelSocket.rawValue, ourSocket.rawValue)
            let stop = eventfd(0, 0)
            let bridge = ISCSIBridge(kernel: ours, session: session, login: login, target: Self.open, portals: login.portals,
                                     lun: lun, writable: false, log: Logger(verbose: false))
            let portals = Box<[String]>([])
            bridge.publish = { portal, _ in portals.value.append(portal?.description ?? "-") }
            let finished = DispatchSemaphore(value: 0)
            let running = Box(bridge)
            Thread.detachNewThread {
                _ = running.value.run(stopSignal: stop)
                finished.signal()
            }
            defer { close(kernel); close(stop) }
            let device = NBDClient(fd: kernel)
            XCTAssertEqual(try device.read(handle: 1, offset: 0, length: 512), Self.pattern(at: 0, length: 512))
            try target.stop()
            target.portal = second
            try target.start()
            XCTAssertEqual(try device.read(handle: 2, offset: 512, length: 512), Self.pattern(at: 512, length: 512))
            XCTAssertEqual(try device.request(.write, handle: 3, offset: 0, payload: [UInt8](repeating: 1, count: 512)).error, UInt32(EPERM),
                           "a read-only export refuses writes")
            try device.send(.init(command: .disconnect, forceUnitAccess: false, handle: 4, offset: 0, length: 0))
            XCTAssertEqual(finished.wait(timeout: .now() + 10), .success)
            XCTAssertEqual(portals.value, ["-", second.description], "dropped, then serving from the second portal")
        }
    }

    // MARK: The target

    /// The image's bytes: each 4-byte word holds its own offset, so a misplaced read shows.
    static func pattern(at offset: Int, length: Int) -> [UInt8] {
        (offset / 4..<(offset + length) / 4).flatMap { word in withUnsafeBytes(of: UInt32(word * 4).bigEndian) { Array($0) } }
    }

    final class Box<T>: @unchecked Sendable {
        var value: T
        init(_ value: T) { self.value = value }
    }

    /// tgtd with the given targets, each with LUN 1 on its own copy of the pattern image;
    /// `chap` wants client/client-secret1, `mutual` also proves itself as target/target-secret1.
    final class Target {
        let targets: [String]
        let directory: URL
        var tgtd: pid_t?
        /// The portal tgtd listens on; a restart may move it (failover to a second portal).
        var portal = ISCSITargetTests.portal

        init(targets: [String]) throws {
            self.targets = targets
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("tgt-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let image = Data(ISCSITargetTests.pattern(at: 0, length: ISCSITargetTests.imageBytes))
            for index in targets.indices { try image.write(to: directory.appendingPathComponent("lun\(index).img")) }
        }

        func start() throws {
            // One left by a test run that crashed would answer on the control port.
            _ = try HostCommand.run(["/usr/bin/pkill", "-KILL", "-f", "^/usr/sbin/tgtd -f -C \(ISCSITargetTests.controlPort) "])
            tgtd = try HostCommand.spawn(["/usr/sbin/tgtd", "-f", "-C", ISCSITargetTests.controlPort, "--iscsi", "portal=\(portal)"])
            let deadline = Date().addingTimeInterval(10)
            while (try? admin(["--op", "show", "--mode", "sys"])) == nil {
                guard Date() < deadline, let pid = tgtd, HostCommand.exitStatus(pid) == nil else {
                    throw BootError("start", "tgtd", detail: "its control port \(ISCSITargetTests.controlPort) did not answer")
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            try admin(["--op", "new", "--mode", "account", "--user", "client", "--password", "client-secret1"])
            try admin(["--op", "new", "--mode", "account", "--user", "target", "--password", "target-secret1"])
            for (index, name) in targets.enumerated() {
                let tid = String(index + 1)
                try admin(["--op", "new", "--mode", "target", "--tid", tid, "-T", name])
                try admin(["--op", "new", "--mode", "logicalunit", "--tid", tid, "--lun", "1", "-b", directory.appendingPathComponent("lun\(index).img").path])
                try admin(["--op", "bind", "--mode", "target", "--tid", tid, "-I", "ALL"])
                if name == ISCSITargetTests.chap || name == ISCSITargetTests.mutual {
                    try admin(["--op", "bind", "--mode", "account", "--tid", tid, "--user", "client"])
                }
                if name == ISCSITargetTests.mutual {
                    try admin(["--op", "bind", "--mode", "account", "--tid", tid, "--user", "target", "--outgoing"])
                }
            }
        }

        /// Kills tgtd outright, as a crash or a restart does (no logout).
        func stop() throws {
            guard let pid = tgtd else { return }
            kill(pid, SIGKILL)
            _ = HostCommand.wait(pid, seconds: 10)
            tgtd = nil
        }

        @discardableResult
        func admin(_ arguments: [String]) throws -> String {
            let (status, text) = try HostCommand.run(["/usr/sbin/tgtadm", "-C", ISCSITargetTests.controlPort, "--lld", "iscsi"] + arguments)
            guard status == 0 else { throw BootError("tgtadm", arguments.joined(separator: " "), detail: text) }
            return text
        }

        deinit {
            try? stop()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    func withTarget(targets: [String], _ body: (Target) throws -> Void) throws {
        guard access("/usr/sbin/tgtd", X_OK) == 0 else {
            let reason = "/usr/sbin/tgtd is missing: install tgt (Tests/lab/setup)"
            if ProcessInfo.processInfo.environment["CI"] == "true" { throw BootError("find", "/usr/sbin/tgtd", detail: reason) }
            throw XCTSkip(reason)
        }
        let target = try Target(targets: targets)
        try target.start()
        defer { try? target.stop() }
        try body(target)
    }
}

/// The kernel's end of the bridge's socket pair, as the nbd driver uses it.
struct NBDClient {
    let fd: CInt

    struct Reply { var error: UInt32; var handle: UInt64; var data: [UInt8] }

    func send(_ request: NBD.Request) throws {
        let bytes = request.encodedHeader() + request.payload
        try FileDescriptor(rawValue: fd).writeAll(bytes)
    }

    func reply(readLength: Int) throws -> Reply {
        let header = try receive(NBD.replyHeaderSize)
        XCTAssertEqual(Array(header[0..<4]), [0x67, 0x44, 0x66, 0x98], "reply magic")
        let error = header[...].bigEndian(UInt32.self, at: 4)
        var handle: UInt64 = 0
        withUnsafeMutableBytes(of: &handle) { $0.copyBytes(from: header[8..<16]) }
        return Reply(error: error, handle: handle, data: error == 0 && readLength > 0 ? try receive(readLength) : [])
    }

    func request(_ command: NBD.Command, handle: UInt64, offset: UInt64, length: UInt32 = 0, payload: [UInt8] = []) throws -> Reply {
        try send(.init(command: command, forceUnitAccess: false, handle: handle, offset: offset,
                       length: payload.isEmpty ? length : UInt32(payload.count), payload: payload))
        let reply = try reply(readLength: command == .read ? Int(length) : 0)
        XCTAssertEqual(reply.handle, handle)
        return reply
    }

    func read(handle: UInt64, offset: UInt64, length: UInt32) throws -> [UInt8] {
        let reply = try request(.read, handle: handle, offset: offset, length: length)
        XCTAssertEqual(reply.error, 0)
        return reply.data
    }

    /// Exactly `count` bytes, within 60 s.
    func receive(_ count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        let deadline = Uptime.now().adding(milliseconds: 60_000)
        while bytes.count < count {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard deadline.millisecondsLeft() > 0 else { throw BootError("read", "an nbd reply", errno: .timedOut) }
            guard poll(&entry, 1, 1000) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: count - bytes.count)
            let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard got > 0 else { throw BootError("read", "an nbd reply", detail: "the bridge closed the socket") }
            bytes += chunk[..<got]
        }
        return bytes
    }
}

/// Programs the host tests run, with posix_spawn and waitpid and a bound on every wait.
/// Not Foundation's `Process`: in this test process its reaping lags or never happens
/// (DHCPRaceTests' dnsmasq stays a zombie), and `waitUntilExit` then waits forever.
enum HostCommand {
    /// Starts `argv` with stdin from /dev/null and stdout/stderr to `output` (default
    /// /dev/null).
    static func spawn(_ argv: [String], output: CInt? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let output {
            posix_spawn_file_actions_adddup2(&actions, output, 1)
            posix_spawn_file_actions_adddup2(&actions, output, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        var arguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, argv[0], &actions, nil, &arguments, environ)
        guard result == 0 else { throw BootError("start", argv[0], errno: Errno(rawValue: result)) }
        return pid
    }

    /// Runs `argv` to its end (at most `seconds`, then it is killed); its exit status and
    /// what it printed.
    static func run(_ argv: [String], seconds: Int = 30) throws -> (status: Int32, output: String) {
        let (reader, writer) = try Posix.socketPair()
        defer { try? reader.close() }
        let pid = try writer.closeAfter { try spawn(argv, output: writer.rawValue) }
        let output = Posix.readAll(reader, until: Uptime.now().adding(milliseconds: seconds * 1000))
        guard let status = wait(pid, seconds: output == nil ? 0 : seconds) else {
            kill(pid, SIGKILL)
            _ = wait(pid, seconds: 5)
            throw BootError("run", argv.joined(separator: " "), errno: .timedOut, detail: "still running after \(seconds) s")
        }
        return (status, output ?? "")
    }

    /// The exit status once `pid` has ended, polling up to `seconds`; nil if it runs on.
    static func wait(_ pid: pid_t, seconds: Int) -> Int32? {
        let deadline = Uptime.now().adding(milliseconds: seconds * 1000)
        repeat {
            if let status = exitStatus(pid) { return status }
            usleep(20_000)
        } while deadline.millisecondsLeft() > 0
        return exitStatus(pid)
    }

    /// Reaps `pid` if it has ended: its exit status (128 + signal when killed).
    static func exitStatus(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
