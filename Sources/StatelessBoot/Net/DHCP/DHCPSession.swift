import StatelessCore
import StatelessProtocols
import StatelessSystem

/// One `DHCPClient` on one link with its `DHCPSocket` and its one timer: the thin I/O
/// driver that does what the client asks. It stops at `.configure` and hands the lease up
/// rather than configuring it, because the network stage decides which of several links'
/// leases wins and configures only that one through netlink.
final class DHCPSession {
    package let interface: String
    package let socket: DHCPSocket
    package var client: DHCPClient
    package var timer: Uptime?
    /// Set when the client granted a lease (`.configure`) or gave up.
    package var lease: DHCPLease?
    package var failure: DHCPFailure?

    package init(interface: String, configuration: DHCPClient.Configuration, random: some RandomNumberGenerator) throws {
        self.interface = interface
        socket = try DHCPSocket(interface: interface)
        client = DHCPClient(configuration, random: random)
    }

    var isRunning: Bool { lease == nil && failure == nil && brokenBy == nil }

    /// Feeds one event and performs the actions, answering a probe at once with `probe`
    /// (true: the address is in use).
    package func handle(_ event: DHCPClient.Event, probe: (String, IPv4Address) -> Bool) throws {
        let actions = client.handle(event, at: .now())
        try client.perform(actions, at: { .now() }) { action in
            switch action {
            case .send(let message, let destination):
                try socket.send(message.encoded(), to: destination.address)
            case .setTimer(let due):
                timer = due
            case .probe(let address):
                return probe(interface, address) ? .addressInUse : .addressFree
            case .configure(let granted):
                lease = granted
            case .unconfigure:
                break  // Only a renewal or a release undoes a lease; a session ends at the first.
            case .giveUp(let reason):
                failure = reason
            }
            return nil
        }
    }

    /// The datagrams queued on the socket, then the timer if it is due.
    func handleReadyInput(probe: (String, IPv4Address) -> Bool) throws {
        for datagram in socket.receiveQueued() where isRunning {
            try handle(.received(datagram), probe: probe)
        }
        if isRunning, let due = timer, Uptime.now() >= due {
            timer = nil
            try handle(.timer, probe: probe)
        }
    }

    /// Past the caller's deadline: the client gives up with the same line as its own bound.
    package func giveUp() {
        guard isRunning else { return }
        for case .giveUp(let reason) in client.giveUp(.now()) { failure = reason }
    }

    /// Another link won: a lease this one holds goes back to the server. By broadcast:
    /// the lease was never configured, and a unicast from 0.0.0.0 would be dropped by the
    /// server's kernel as a martian. Best effort: the server's lease times out anyway.
    package func release() {
        for case .send(let message, _) in client.handle(.release, at: .now()) {
            try? socket.send(message.encoded(), to: .broadcast)
        }
    }

    /// The session's link failed under it (it went away, its driver refused a send): the
    /// session ends, the race goes on on the other links.
    var brokenBy: Error?
}

extension DHCPSession {
    /// Runs DISCOVER … ACK on one interface until a lease, the client's own give-up
    /// (`configuration.timeoutSeconds`), or `deadline`. See `DHCPRace` for several links.
    package static func lease(
        on interface: String, configuration: DHCPClient.Configuration, deadline: Uptime,
        random: some RandomNumberGenerator = SystemRandomNumberGenerator()
    ) throws -> DHCPLease {
        var race = DHCPRace(random: random)
        race.join(interface, configuration)
        return try race.run(until: deadline).lease
    }

    package static func error(_ interface: String, _ failure: DHCPFailure) -> BootError {
        BootError("get a DHCP lease on", interface, detail: failure.description, option: "rd.net.timeout.dhcp=")
    }
}
