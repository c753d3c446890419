import StatelessCore
import StatelessProtocols
import StatelessSystem

/// Starting the lease keeper from the net stage, and the `keep-lease` applet it runs as.
///
/// The keeper is a Daemon, `@keep-lease`. The lease travels in argv (LeaseRecord:
/// hexadecimal words), so the keeper needs no file that switch-root could move away
/// before it reads it; /run comes as descriptor 3.
enum KeeperProcess {
    static let appletName = "keep-lease"
    /// The inherited /run directory (NetworkManagers).
    package static let runDescriptor = Daemon.runDescriptor

    static func leaseFile(_ interface: String) -> String {
        "stateless/dhcp-\(NetConfiguration.fileName(interface)).lease"
    }

    /// Writes /run/stateless/dhcp-IFACE.lease and starts the keeper; a failure is a
    /// warning (the lease still holds until T1, and a manager may renew it).
    package static func start(_ record: LeaseRecord, log: Logger) {
        do {
            try Posix.writeFile("/run/" + leaseFile(record.interface), record.text)
            let pid = try Daemon.spawn(appletName, record.fields.map { "\($0.0)=\($0.1)" })
            log.info("net", "\(record.interface): keeping the lease from process \(pid) (@\(appletName)) until a network manager takes over")
        } catch {
            log.warning("net", "\(record.interface): no lease keeper: \(error); the lease lapses after \(record.lease.leaseTime) s unless the booted system renews it")
        }
    }

    /// The applet: keeps the lease given in `arguments` until a manager takes over.
    package static func run(_ arguments: [String], log: Logger) -> Int32 {
        guard let record = LeaseRecord(arguments) else {
            log.error(appletName, "expected the lease words the net stage passes (INTERFACE=… ACK=…), found: \(arguments.joined(separator: " "))")
            return 2
        }
        let managers = NetworkManagers(run: runDescriptor)
        var keeper = LeaseKeeper(record: record, log: log)
        let routes = try? NetlinkSocket()
        keeper.takenOver = {
            guard let links = try? routes?.links() else { return nil }
            guard let link = links.first(where: { $0.index == record.index }) else { return "the link is gone; nothing to keep" }
            return managers.manager(of: link.name, index: record.index).map { "\($0) manages the link now; the lease is its to renew" }
        }
        keeper.renewed = { renewed in Daemon.writeRunFile(leaseFile(record.interface), renewed.text) }
        do {
            if let reason = try keeper.run() { log.info(appletName, "\(record.interface): \(reason)") }
            return 0
        } catch {
            log.error(appletName, "\(record.interface): \(error)")
            return 1
        }
    }
}
