/// The thin I/O driver of one `DHCPClient` on one interface, until the first lease: it
/// owns the `DHCPSocket`, the one timer and the clock, and does what the client asks.
/// It stops at `.configure` and hands the lease back rather than configuring it, because
/// the network stage decides which of several links' leases wins and configures only
/// that one through netlink (the rest are released, not left half-configured).
public enum DHCPSession {
    /// Runs DISCOVER … ACK on `interface` until a lease, the client's own give-up
    /// (`configuration.timeoutSeconds`), or `deadline`, whichever comes first. Every wait
    /// is a poll on the socket bounded by the client's timer and the deadline.
    ///
    /// `random` picks transaction ids and the retransmission jitter; the default reads
    /// the kernel's generator, which is what keeps a fleet booting at once out of lockstep.
    ///
    /// Throws a `BootError` naming the interface, what was sent and what came back, and
    /// `rd.net.timeout.dhcp=`, or the socket's own error.
    public static func lease(
        on interface: String, configuration: DHCPClient.Configuration, deadline: Uptime,
        random: some RandomNumberGenerator = SystemRandomNumberGenerator()
    ) throws -> DHCPLease {
        let socket = try DHCPSocket(interface: interface)
        var client = DHCPClient(configuration, random: random)
        var actions = client.handle(.start, at: .now())
        var timer: Uptime?
        while true {
            var answers: [DHCPClient.Event] = []
            for action in actions {
                switch action {
                case .send(let message, let destination):
                    try socket.send(message.encoded(), to: address(destination))
                case .setTimer(let due):
                    timer = due
                case .probe:
                    answers.append(.addressFree)  // The RFC 5227 ARP probe is a later piece.
                case .configure(let lease):
                    return lease
                case .unconfigure:
                    break  // Only a renewal or a lost lease undoes one; we return at the first.
                case .giveUp(let failure):
                    throw error(interface, failure)
                }
            }
            actions = answers.flatMap { client.handle($0, at: .now()) }
            guard actions.isEmpty else { continue }

            let now = Uptime.now()
            if now >= deadline {
                actions = client.giveUp(now)  // the caller's bound: the same line as the client's own
                continue
            }
            // The loop re-checks the clock anyway; the cap keeps the wait within poll's int.
            let wake = min(timer ?? deadline, deadline)
            let datagrams = socket.receive(waitingUpTo: min(wake.millisecondsLeft(from: now), 60_000))
            let later = Uptime.now()
            actions = datagrams.flatMap { client.handle(.received($0), at: later) }
            // A reply may have set a new timer: apply it before looking at the old one.
            if actions.isEmpty, let due = timer, later >= due {
                timer = nil
                actions = client.handle(.timer, at: later)
            }
        }
    }

    static func address(_ destination: DHCPClient.Destination) -> IPv4Address {
        switch destination {
        case .broadcast: .broadcast
        case .unicast(let server): server
        }
    }

    static func error(_ interface: String, _ failure: DHCPFailure) -> BootError {
        BootError("get a DHCP lease on", interface, detail: failure.description, option: "rd.net.timeout.dhcp=")
    }
}
