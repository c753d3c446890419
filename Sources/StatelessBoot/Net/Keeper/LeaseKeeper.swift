import StatelessCore
import StatelessProtocols
import StatelessSystem

/// Keeps the boot's DHCP lease alive after switch-root until a network manager of the
/// booted system takes the interface over: renews at T1 with the server, rebinds at T2
/// with any, puts a changed address on the link, and if the lease is lost asks for a new
/// one. A network root must never lose its address because the booted system runs no
/// DHCP client (or runs it later).
///
/// It is the loop of the `keep-lease` applet, a process started by the net stage as
/// `@keep-lease` (systemd's mark: not killed at switch-root or shutdown), and is driven
/// in-process by the host tests.
struct LeaseKeeper {
    package let record: LeaseRecord
    package let log: Logger
    /// Why to stop, checked at every wake-up (a manager took the link over, the link is
    /// gone); nil: keep going.
    var takenOver: () -> String? = { nil }
    /// Called with the record after every renewal (the lease file is rewritten).
    package var renewed: (LeaseRecord) -> Void = { _ in }
    /// How often the takeover is checked while nothing else happens.
    var checkMilliseconds = 2_000
    /// T1, T2, the lease's end and the pause after giving up are read from it.
    package var clock: any BootClock = KernelClock()

    /// Runs until `takenOver` gives a reason (returned) or `stop` says so (nil). Trouble
    /// on the way (a refused send, a netlink or ARP error) is a warning and is tried again
    /// at the next timer: the keeper must outlive a network blip.
    package func run(stop: () -> Bool = { false }) throws -> String? {
        let interface = record.interface
        let socket = try DHCPSocket(interface: interface)
        let routes = try NetlinkSocket()
        var client = DHCPClient(record.configuration, random: SystemRandomNumberGenerator())
        var actions = client.resume(record.lease, at: clock.now())
        var timer: Uptime?
        var restartAt: Uptime?
        while true {
            client.perform(actions, at: { clock.now() }) { action in
                do {
                    switch action {
                    case .send(let message, let destination):
                        try socket.send(message.encoded(), to: destination.address)
                    case .setTimer(let due):
                        timer = due
                    case .probe(let address):
                        let link = try routes.links().first { $0.index == record.index }
                        let holder = try link.flatMap { try ARPProbe.conflict(for: address, on: $0) }
                        return holder == nil ? .addressFree : .addressInUse
                    case .configure(let lease):
                        try configure(lease, routes)
                    case .unconfigure(let lease):
                        try unconfigure(lease, routes)
                    case .giveUp(let failure):
                        log.warning("keep-lease", "\(DHCPSession.error(interface, failure)); asking again in 60 s")
                        restartAt = clock.now().adding(milliseconds: 60_000)
                    }
                } catch {
                    log.warning("keep-lease", "\(interface): \(error); trying again at the next timer")
                    if case .probe = action { return .addressFree }
                }
                return nil
            }
            if let manager = takenOver() { return manager }
            if stop() { return nil }
            let now = clock.now()
            let wake = [timer, restartAt, now.adding(milliseconds: checkMilliseconds)].compactMap { $0 }.min() ?? now
            let datagrams = socket.receive(waitingUpTo: clock.realMilliseconds(wake.millisecondsLeft(from: now)))
            let later = clock.now()
            actions = datagrams.flatMap { client.handle(.received($0), at: later) }
            if let due = restartAt, later >= due {
                restartAt = nil
                actions += client.handle(.start, at: later)
            }
            if actions.isEmpty, let due = timer, later >= due {
                timer = nil
                actions = client.handle(.timer, at: later)
            }
        }
    }

    /// The renewed (or re-acquired) lease on the link, routes included: when the last
    /// address went, the kernel flushed the link's routes with it.
    package func configure(_ lease: DHCPLease, _ routes: NetlinkSocket) throws {
        guard let link = try routes.links().first(where: { $0.index == record.index }), let mac = MACAddress(bytes: link.mac) else { return }
        let configuration = NetConfiguration(lease: lease, interface: link.name, mac: mac,
                                             clientIdentifier: record.configuration.clientIdentifier)
        try routes.install(configuration, on: link, log: log)
        log.info("keep-lease", "\(link.name): \(lease.address) renewed with \(lease.serverIdentifier) for \(lease.leaseTime) s")
        renewed(LeaseRecord(interface: record.interface, index: record.index, lease: lease, configuration: record.configuration))
    }

    /// The server refused or the lease ran out: the address goes, as RFC 2131 requires.
    package func unconfigure(_ lease: DHCPLease, _ routes: NetlinkSocket) throws {
        guard let link = try routes.links().first(where: { $0.index == record.index }) else { return }
        log.warning("keep-lease", "\(record.interface): lost the lease of \(lease.address) (the server refused to renew it or it ran out); removing the address")
        try routes.removeAddress(LinkAddress(linkIndex: link.index, address: lease.address, prefixLength: lease.prefixLength), from: link)
    }
}
