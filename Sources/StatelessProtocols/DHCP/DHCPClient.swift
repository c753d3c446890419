import StatelessCore

/// The DHCPv4 client of one interface as a pure state machine (RFC 2131 4.4): events
/// in, actions out. It owns no socket, clock or randomness — the driver passes the time
/// with every event and a generator for transaction ids and jitter — so every path,
/// back-off and give-up included, is tested with literal times.
///
/// The driver's loop: `handle(.start)`, then feed each UDP payload on port 68 as
/// `.received`, `.timer` when the last `.setTimer` instant passes (each timer fires
/// once; a later `.setTimer` replaces it), and the answer to `.probe`.
public struct DHCPClient {
    public struct Configuration: Sendable {
        public var hardwareAddress: [UInt8]
        /// ARP hardware type; 1 is Ethernet.
        public var hardwareType: UInt8 = 1
        /// Option 61: by default the hardware type and address, the identifier
        /// dhclient and NetworkManager send and systemd-networkd sends with
        /// `ClientIdentifier=mac`, so the booted system asks for the same lease.
        public var clientIdentifier: [UInt8]
        /// Option 60: names us to the server, which can match it in its configuration.
        public var vendorClass = "stateless"
        public var hostName: String?
        /// Option 57 and the decoder's limit; at least 576 (RFC 2132 9.10).
        public var maximumMessageSize = UInt16(DHCPMessage.maximumSize)
        /// How long getting a lease may take, from `.start` or a lost lease, before
        /// `.giveUp` (rd.net.timeout.dhcp).
        public var timeoutSeconds = 30

        public init(hardwareAddress: [UInt8]) {
            self.hardwareAddress = hardwareAddress
            clientIdentifier = [hardwareType] + hardwareAddress
        }
    }

    public enum State: Equatable, Sendable {
        /// Not started, gave up, or released.
        case stopped
        /// RFC INIT: waiting out the delay after a NAK or DECLINE.
        case initial
        case selecting, requesting
        /// Waiting for the ARP probe of the ACKed address (RFC 5227).
        case checking
        case bound, renewing, rebinding
    }

    public enum Event: Sendable {
        case start
        case received([UInt8])
        case timer
        case addressInUse, addressFree
        /// Give the lease back (another interface's lease won, or a manager takes over).
        case release
    }

    public enum Destination: Equatable, Sendable {
        /// 255.255.255.255 from 0.0.0.0 (or our address while rebinding).
        case broadcast
        case unicast(IPv4Address)

        /// Where the datagram goes on the wire.
        public var address: IPv4Address {
            switch self {
            case .broadcast: .broadcast
            case .unicast(let server): server
            }
        }
    }

    public enum Action: Equatable, Sendable {
        case send(DHCPMessage, to: Destination)
        case setTimer(Uptime)
        /// Probe the address (RFC 5227), then answer `.addressInUse` or `.addressFree`.
        case probe(IPv4Address)
        case configure(DHCPLease)
        case unconfigure(DHCPLease)
        case giveUp(DHCPFailure)
    }

    /// Retransmission waits double from 4 s up to 64 s (RFC 2131 4.1), each ±1 s at random.
    static let backoffSeconds = [4, 8, 16, 32, 64]
    /// REQUESTs sent without ACK or NAK before starting over with a DISCOVER (4.4.1).
    static let requestAttempts = 4
    /// After a DECLINE at least 10 s (RFC 2131 3.1.5): 11 s ± 1 s.
    static let declineDelaySeconds = 11
    /// After a NAK: 2 s, doubling with each NAK in a row up to 64 s, ± 1 s.
    static let firstNAKDelaySeconds = 2
    /// The least wait between REQUESTs while renewing or rebinding (4.4.5).
    static let renewalRetransmitSeconds = 60

    public let configuration: Configuration
    public internal(set) var state = State.stopped
    /// The lease in use (bound, renewing, rebinding) or being checked.
    public internal(set) var lease: DHCPLease?
    package var random: any RandomNumberGenerator
    package var xid: UInt32 = 0
    /// Sends of the current packet; picks the back-off step.
    package var attempt = 0
    package var timer: Uptime?
    var giveUpAt: Uptime?
    var acquisitionStart = Uptime(nanoseconds: 0)
    /// Start of the current exchange: the `secs` field counts from here.
    var exchangeStart = Uptime(nanoseconds: 0)
    /// First send of the REQUEST the lease will count from.
    var requestStart = Uptime(nanoseconds: 0)
    package var offer: (address: IPv4Address, server: IPv4Address)?
    var naksInARow = 0
    public internal(set) var sent = DHCPTally()
    public internal(set) var received = DHCPTally()

    public init(_ configuration: Configuration, random: some RandomNumberGenerator) {
        self.configuration = configuration
        self.random = random
    }

    public mutating func handle(_ event: Event, at now: Uptime) -> [Action] {
        switch event {
        case .start:
            guard state == .stopped else { return [] }
            begin(now)
            return discover(now)
        case .received(let bytes):
            guard let message = accept(bytes) else { return [] }
            switch receive(message, now) {
            case .act(let actions):
                received.add(Self.summary(message))
                return actions
            case .ignore(let reason):
                received.add("\(Self.summary(message)) (ignored: \(reason))")
                return []
            }
        case .timer:
            guard let due = timer, now >= due else { return [] }
            timer = nil
            return timerFired(now)
        case .addressFree:
            guard state == .checking, let lease else { return [] }
            return bind(lease)
        case .addressInUse:
            guard state == .checking, let lease else { return [] }
            return decline(lease, now)
        case .release:
            return release()
        }
    }

    mutating func timerFired(_ now: Uptime) -> [Action] {
        if let giveUpAt, now >= giveUpAt, [.initial, .selecting, .requesting, .checking].contains(state) {
            return giveUp(now)
        }
        switch state {
        case .initial: return discover(now)
        case .selecting: return transmit(discoverMessage(now), to: .broadcast, now)
        case .requesting:
            guard attempt < Self.requestAttempts, let offer else { return discover(now) }
            return transmit(selectingRequest(offer, now), to: .broadcast, now)
        case .bound: return renew(now)
        case .renewing, .rebinding: return renewOrRebind(now)
        case .checking, .stopped: return []
        }
    }

    /// A lease granted: probe its address (RFC 5227) before taking it.
    private mutating func check(_ granted: DHCPLease) -> [Action] {
        lease = granted
        state = .checking
        timer = giveUpAt
        return [.probe(granted.address)] + (giveUpAt.map { [.setTimer($0)] } ?? [])
    }

    package enum Outcome {
        case act([Action])
        case ignore(String)
    }

    /// A reply to the current exchange, by state and message type.
    package mutating func receive(_ message: DHCPMessage, _ now: Uptime) -> Outcome {
        let type = message.messageType
        switch (state, type) {
        case (.selecting, .offer?):
            guard message.yiaddr != .any, let server = message.serverIdentifier else {
                return .ignore("no address or no server identifier")
            }
            offer = (message.yiaddr, server)
            state = .requesting
            attempt = 0
            requestStart = now
            return .act(transmit(selectingRequest((message.yiaddr, server), now), to: .broadcast, now))
        case (.selecting, .ack?):
            // RFC 4039: the server committed the lease at our DISCOVER. Its times count
            // from the exchange's start, the earliest they can (the DISCOVER answered may
            // be a retransmission).
            guard message[.rapidCommit] != nil, let server = message.serverIdentifier else {
                return .ignore("an ACK without Rapid Commit or server identifier before any REQUEST")
            }
            guard let granted = DHCPLease(ack: message, server: server, start: exchangeStart) else {
                return .ignore("no address or no lease time")
            }
            return .act(check(granted))
        case (.requesting, .ack?), (.requesting, .nak?):
            guard let offer, (message.serverIdentifier ?? offer.server) == offer.server else {
                return .ignore("not the server we asked")
            }
            guard type == .ack else { return .act(restartAfterNAK(now)) }
            guard let granted = DHCPLease(ack: message, server: offer.server, start: requestStart) else {
                return .ignore("no address or no lease time")
            }
            return .act(check(granted))
        case (.renewing, .ack?), (.rebinding, .ack?):
            guard let old = lease, let renewed = DHCPLease(ack: message, server: old.serverIdentifier, start: requestStart)
            else { return .ignore("no address or no lease time") }
            return .act((renewed.address == old.address ? [] : [.unconfigure(old)]) + bind(renewed))
        case (.renewing, .nak?), (.rebinding, .nak?):
            let lost = lease.map { [Action.unconfigure($0)] } ?? []
            lease = nil
            begin(now)
            return .act(lost + restartAfterNAK(now))
        default:
            return .ignore("unexpected while \(state)")
        }
    }
}
