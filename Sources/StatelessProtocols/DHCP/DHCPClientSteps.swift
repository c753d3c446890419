import StatelessCore

/// The client's transitions: each sets the state, the one timer, and says what to do.
extension DHCPClient {
    /// A new acquisition: the give-up bound and the record of the exchange start here.
    package mutating func begin(_ now: Uptime) {
        acquisitionStart = now
        exchangeStart = now
        giveUpAt = now.saturatingAdding(seconds: configuration.timeoutSeconds)
        naksInARow = 0
        sent = DHCPTally()
        received = DHCPTally()
    }

    package mutating func discover(_ now: Uptime) -> [Action] {
        state = .selecting
        xid = UInt32(truncatingIfNeeded: random.next())
        offer = nil
        attempt = 0
        return transmit(discoverMessage(now), to: .broadcast, now)
    }

    /// Sends and arms the retransmission: the next back-off step with jitter, so that a
    /// fleet booting at once spreads out, never past the give-up bound.
    mutating func transmit(_ message: DHCPMessage, to destination: Destination, _ now: Uptime) -> [Action] {
        let step = Self.backoffSeconds[min(attempt, Self.backoffSeconds.count - 1)]
        attempt += 1
        let due = now.saturatingAdding(milliseconds: step * 1000 + jitter())
        return send(message, to: destination) + [.setTimer(arm(min(due, giveUpAt ?? due)))]
    }

    package mutating func send(_ message: DHCPMessage, to destination: Destination) -> [Action] {
        sent.add(Self.summary(message, to: destination))
        return [.send(message, to: destination)]
    }

    package mutating func arm(_ due: Uptime) -> Uptime {
        timer = due
        return due
    }

    /// Uniform in −1000…1000 ms (RFC 2131 4.1's "randomized by ±1 s").
    package mutating func jitter() -> Int { Int.random(in: -1000...1000, using: &random) }

    /// Back to INIT; a DISCOVER goes out when the delay (± jitter) has passed.
    package mutating func restart(afterSeconds seconds: Int, _ now: Uptime) -> [Action] {
        state = .initial
        offer = nil
        let due = now.saturatingAdding(milliseconds: seconds * 1000 + jitter())
        return [.setTimer(arm(min(due, giveUpAt ?? due)))]
    }

    mutating func restartAfterNAK(_ now: Uptime) -> [Action] {
        naksInARow += 1
        return restart(afterSeconds: min(64, Self.firstNAKDelaySeconds << min(naksInARow - 1, 6)), now)
    }

    /// The probe found the address in use: tell the server, so it hands out another.
    mutating func decline(_ lease: DHCPLease, _ now: Uptime) -> [Action] {
        self.lease = nil
        return send(declineMessage(lease), to: .broadcast) + restart(afterSeconds: Self.declineDelaySeconds, now)
    }

    /// Configure, then wait for T1 (an infinite lease arms nothing). A bound lease ends
    /// the acquisition: its record starts over for the renewals.
    package mutating func bind(_ lease: DHCPLease) -> [Action] {
        self.lease = lease
        state = .bound
        naksInARow = 0
        giveUpAt = nil
        sent = DHCPTally()
        received = DHCPTally()
        timer = lease.renewalAt
        return [.configure(lease)] + (lease.renewalAt.map { [.setTimer($0)] } ?? [])
    }

    /// Takes up a lease granted earlier (by the boot's own client, in another process):
    /// bound until T1, or renewing/rebinding at once when T1 or T2 has passed already.
    package mutating func resume(_ lease: DHCPLease, at now: Uptime) -> [Action] {
        self.lease = lease
        state = .bound
        giveUpAt = nil
        guard let renewalAt = lease.renewalAt else { return [] }
        guard now >= renewalAt else { return [.setTimer(arm(renewalAt))] }
        return renew(now)
    }

    /// T1: ask the server that granted the lease, by unicast, under a new transaction.
    package mutating func renew(_ now: Uptime) -> [Action] {
        state = .renewing
        xid = UInt32(truncatingIfNeeded: random.next())
        exchangeStart = now
        requestStart = now
        return renewOrRebind(now)
    }

    /// Until T2 renew with the server; until expiry rebind by broadcast with any server;
    /// then the lease is gone and acquisition starts over. Retransmissions wait half the
    /// time left to the next step, at least 60 s (RFC 2131 4.4.5).
    mutating func renewOrRebind(_ now: Uptime) -> [Action] {
        guard let lease, let rebindingAt = lease.rebindingAt, let expiresAt = lease.expiresAt else { return [] }
        if now >= expiresAt {
            self.lease = nil
            begin(now)
            return [.unconfigure(lease)] + discover(now)
        }
        if now >= rebindingAt { state = .rebinding }
        let until = state == .renewing ? rebindingAt : expiresAt
        let half = Int((until.nanoseconds - min(now.nanoseconds, until.nanoseconds)) / 2_000_000)
        let due = min(until, now.saturatingAdding(milliseconds: max(Self.renewalRetransmitSeconds * 1000, half)))
        let destination = state == .renewing ? Destination.unicast(lease.serverIdentifier) : .broadcast
        return send(renewalRequest(lease, now), to: destination) + [.setTimer(arm(due))]
    }

    /// Gives a held lease back. One still being checked was never configured: the server
    /// is told all the same, so it does not keep the address for a client that went away
    /// (another link's lease won the race).
    package mutating func release() -> [Action] {
        let held = [.bound, .renewing, .rebinding, .checking].contains(state) ? lease : nil
        let configured = state != .checking
        state = .stopped
        timer = nil
        lease = nil
        guard let held else { return [] }
        return send(releaseMessage(held), to: .unicast(held.serverIdentifier)) + (configured ? [.unconfigure(held)] : [])
    }

    package mutating func giveUp(_ now: Uptime) -> [Action] {
        let waitingFor = switch state {
        case .selecting: "an OFFER"
        case .requesting: offer.map { "an ACK for \($0.address) from \($0.server)" } ?? "an ACK"
        case .checking: lease.map { "the ARP probe of \($0.address)" } ?? "the ARP probe"
        default: "the pause after a NAK or DECLINE to end"
        }
        let seconds = Int((now.nanoseconds - min(now.nanoseconds, acquisitionStart.nanoseconds)) / 1_000_000_000)
        state = .stopped
        timer = nil
        lease = nil
        offer = nil
        return [.giveUp(DHCPFailure(seconds: seconds, waitingFor: waitingFor, sent: sent, received: received))]
    }
}
