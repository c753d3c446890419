import CLinux
import Glibc

/// Starting the lease keeper from the net stage, and the `keep-lease` applet it runs as.
///
/// The keeper is this same binary, spawned as `@keep-lease` in a session of its own with
/// /dev/null as its standard streams (its lines go to /dev/kmsg, hence the journal). The
/// lease travels in argv (LeaseRecord: hexadecimal words), so the keeper needs no file
/// that switch-root could move away before it reads it; /run comes as descriptor 3.
enum KeeperProcess {
    static let appletName = "keep-lease"
    /// The inherited /run directory (NetworkManagers).
    static let runDescriptor: CInt = 3

    static func leaseFile(_ interface: String) -> String {
        "stateless/dhcp-\(NetConfiguration.fileName(interface)).lease"
    }

    /// Writes /run/stateless/dhcp-IFACE.lease and starts the keeper; a failure is a
    /// warning (the lease still holds until T1, and a manager may renew it).
    static func start(_ record: LeaseRecord, log: Logger) {
        do {
            try Posix.writeFile("/run/" + leaseFile(record.interface), record.text)
            let pid = try spawn(["@" + appletName] + record.fields.map { "\($0.0)=\($0.1)" })
            log.info("net", "\(record.interface): keeping the lease from process \(pid) (@\(appletName)) until a network manager takes over")
        } catch {
            log.warning("net", "\(record.interface): no lease keeper: \(error); the lease lapses after \(record.lease.leaseTime) s unless the booted system renews it")
        }
    }

    static func spawn(_ arguments: [String]) throws -> pid_t {
        let run = open("/run", O_RDONLY | O_DIRECTORY)  // inherited: no O_CLOEXEC
        guard run >= 0 else { throw BootError("open", "/run for the lease keeper", errno: Posix.lastErrno) }
        defer { close(run) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        posix_spawn_file_actions_adddup2(&actions, run, runDescriptor)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(STATELESS_POSIX_SPAWN_SETSID))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, &argv, environ)
        guard result == 0 else { throw BootError("start", "@\(appletName)", errno: .init(rawValue: result)) }
        return pid
    }

    /// The applet: keeps the lease given in `arguments` until a manager takes over.
    static func run(_ arguments: [String], log: Logger) -> Int32 {
        guard let record = LeaseRecord(arguments) else {
            log.error(appletName, "expected the lease words the net stage passes (INTERFACE=… ACK=…), found: \(arguments.joined(separator: " "))")
            return 2
        }
        let managers = NetworkManagers(run: runDescriptor)
        var keeper = LeaseKeeper(record: record, log: log)
        let routes = try? RouteSocket()
        keeper.takenOver = {
            guard let links = try? routes?.links() else { return nil }
            guard let link = links.first(where: { $0.index == record.index }) else { return "the link is gone; nothing to keep" }
            return managers.manager(of: link.name, index: record.index).map { "\($0) manages the link now; the lease is its to renew" }
        }
        keeper.renewed = { renewed in
            let fd = openat(runDescriptor, leaseFile(record.interface), O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return }
            defer { close(fd) }
            let text = Array(renewed.text.utf8)
            _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
        do {
            if let reason = try keeper.run() { log.info(appletName, "\(record.interface): \(reason)") }
            return 0
        } catch {
            log.error(appletName, "\(record.interface): \(error)")
            return 1
        }
    }
}
