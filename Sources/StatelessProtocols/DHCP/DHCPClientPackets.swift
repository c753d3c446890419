import StatelessCore

/// The messages the client sends (RFC 2131 table 5) and the filter for what it receives.
extension DHCPClient {
    /// What we ask servers for: everything the network stage configures or hands off.
    /// Router (3) stays beside 121, for servers without classless routes (RFC 3442).
    public static let requestedOptions: [DHCPOptionCode] = [
        .subnetMask, .router, .domainNameServer, .hostName, .domainName, .rootPath, .interfaceMTU,
        .broadcastAddress, .renewalTime, .rebindingTime, .tftpServerName, .bootfileName, .classlessStaticRoutes,
    ]

    /// A DISCOVER or REQUEST. Without an address (`ciaddr` 0.0.0.0) the client cannot
    /// take a unicast reply through a UDP socket, so it asks for a broadcast one.
    package func request(_ type: DHCPMessageType, _ now: Uptime, ciaddr: IPv4Address = .any, _ options: [DHCPOption]) -> DHCPMessage {
        var message = DHCPMessage(op: .request, xid: xid, chaddr: configuration.hardwareAddress, htype: configuration.hardwareType)
        let seconds = (now.nanoseconds - min(now.nanoseconds, exchangeStart.nanoseconds)) / 1_000_000_000
        message.secs = UInt16(clamping: seconds)
        message.ciaddr = ciaddr
        message.flags = ciaddr == .any ? .broadcast : []
        message.options = [.messageType(type)] + options + [
            .clientIdentifier(configuration.clientIdentifier),
            .maximumMessageSize(max(576, configuration.maximumMessageSize)),
            .vendorClassIdentifier(Array(configuration.vendorClass.utf8)),
        ] + (configuration.hostName.map { [.hostName($0)] } ?? []) + [.parameterRequestList(Self.requestedOptions)]
        return message
    }

    /// A DISCOVER that offers Rapid Commit (RFC 4039), as systemd-networkd's does: a server
    /// configured for it (dnsmasq's --dhcp-rapid-commit, Kea, ISC's) answers with the ACK
    /// at once, saving a round trip; every other one ignores the option and offers.
    func discoverMessage(_ now: Uptime) -> DHCPMessage { request(.discover, now, [.other(.rapidCommit, [])]) }

    func selectingRequest(_ offer: (address: IPv4Address, server: IPv4Address), _ now: Uptime) -> DHCPMessage {
        request(.request, now, [.requestedAddress(offer.address), .serverIdentifier(offer.server)])
    }

    /// RENEWING and REBINDING: our address in `ciaddr`, no requested address or server.
    func renewalRequest(_ lease: DHCPLease, _ now: Uptime) -> DHCPMessage {
        request(.request, now, ciaddr: lease.address, [])
    }

    func declineMessage(_ lease: DHCPLease) -> DHCPMessage {
        DHCPMessage(op: .request, xid: xid, chaddr: configuration.hardwareAddress, htype: configuration.hardwareType, options: [
            .messageType(.decline), .requestedAddress(lease.address), .serverIdentifier(lease.serverIdentifier),
            .clientIdentifier(configuration.clientIdentifier),
        ])
    }

    func releaseMessage(_ lease: DHCPLease) -> DHCPMessage {
        var message = DHCPMessage(op: .request, xid: xid, chaddr: configuration.hardwareAddress, htype: configuration.hardwareType, options: [
            .messageType(.release), .serverIdentifier(lease.serverIdentifier), .clientIdentifier(configuration.clientIdentifier),
        ])
        message.ciaddr = lease.address
        return message
    }

    /// One line for the record of what was sent.
    package static func summary(_ message: DHCPMessage, to destination: Destination) -> String {
        let type = message.messageType?.description ?? "message"
        if case .requestedAddress(let address)? = message[.requestedAddress] {
            return "\(type) for \(address)" + (message.serverIdentifier.map { " to \($0)" } ?? "")
        }
        if case .unicast(let server) = destination { return "\(type) of \(message.ciaddr) to \(server)" }
        return message.ciaddr == .any ? type : "\(type) of \(message.ciaddr) by broadcast"
    }

    /// The reply to our current exchange, or nil with the reason recorded: malformed,
    /// not a reply, another transaction or client, no message type. Outside an exchange
    /// packets are not even decoded.
    package mutating func accept(_ bytes: [UInt8]) -> DHCPMessage? {
        guard [.selecting, .requesting, .renewing, .rebinding].contains(state) else { return nil }
        let message: DHCPMessage
        do {
            message = try DHCPMessage(decoding: bytes, maximumSize: max(576, Int(configuration.maximumMessageSize)))
        } catch {
            received.add("malformed packets (\(error))")
            return nil
        }
        let problem: String? =
            message.op != .reply ? "a request, not a reply"
            : message.xid != xid ? "another transaction id"
            : message.chaddr != configuration.hardwareAddress ? "another hardware address"
            : message.messageType == nil ? "no message type" : nil
        if let problem {
            received.add("packets ignored (\(problem))")
            return nil
        }
        return message
    }

    /// One line for the record of what came back: type, address, server, a NAK's reason.
    package static func summary(_ message: DHCPMessage) -> String {
        let server = message.serverIdentifier.map { " from \($0)" } ?? ""
        guard message.messageType == .nak else {
            return "\(message.messageType?.description ?? "message") \(message.yiaddr)\(server)"
        }
        let reason = if case .message(let text)? = message[.message] { " (\"\(text)\")" } else { "" }
        return "NAK\(server)\(reason)"
    }
}
