import StatelessCore
import StatelessProtocols

/// A DHCP client, server and replies with literal values, shared by the state machine's
/// tests (StatelessCoreTests) and the lease keeper's (StatelessBootTests).
package enum DHCPFixtures {
    package static let mac: [UInt8] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]
    package static let xid: UInt32 = 0x3903_F326

    package struct ScriptedRandom: RandomNumberGenerator {
        package var values: [UInt64]
        package init(values: [UInt64]) { self.values = values }
        package mutating func next() -> UInt64 { values.isEmpty ? 1 << 63 : values.removeFirst() }
    }

    package static let server = IPv4Address(192, 168, 1, 1)
    package static let address = IPv4Address(192, 168, 1, 50)

    package static func client(timeout: Int = 30, random: some RandomNumberGenerator = ScriptedRandom(values: [UInt64(xid)])) -> DHCPClient {
        var configuration = DHCPClient.Configuration(hardwareAddress: mac)
        configuration.timeoutSeconds = timeout
        return DHCPClient(configuration, random: random)
    }

    package static func time(_ seconds: Double) -> Uptime { Uptime(nanoseconds: UInt64(seconds * 1000) * 1_000_000) }

    package static func reply(_ type: DHCPMessageType, xid: UInt32, server: IPv4Address = server, options: [DHCPOption] = []) -> DHCPMessage {
        var message = DHCPMessage(op: .reply, xid: xid, chaddr: mac, options: [.messageType(type), .serverIdentifier(server)] + options)
        if type != .nak { message.yiaddr = address }
        return message
    }

    package static func offer(xid: UInt32) -> DHCPMessage { reply(.offer, xid: xid, options: [.leaseTime(3600)]) }

    package static func ack(xid: UInt32, lease: UInt32 = 3600, server: IPv4Address = server) -> DHCPMessage {
        reply(.ack, xid: xid, server: server, options: [.leaseTime(lease), .subnetMask(IPv4Address(255, 255, 255, 0))])
    }

    /// An ACK to a DISCOVER from a server doing Rapid Commit (RFC 4039).
    package static func rapidAck(xid: UInt32) -> DHCPMessage {
        reply(.ack, xid: xid, options: [.other(.rapidCommit, []), .leaseTime(3600), .subnetMask(IPv4Address(255, 255, 255, 0))])
    }

    package static func nak(xid: UInt32) -> DHCPMessage { reply(.nak, xid: xid, options: [.message("wrong network")]) }

    /// One line per action, for tables.
    package static func describe(_ action: DHCPClient.Action) -> String {
        switch action {
        case .send(let message, .broadcast): "broadcast \(DHCPClient.summary(message, to: .broadcast))"
        case .send(let message, let destination): "unicast \(DHCPClient.summary(message, to: destination))"
        case .setTimer(let due): "timer \(due)"
        case .probe(let address): "probe \(address)"
        case .configure(let lease): "configure \(lease.address)/\(lease.prefixLength)"
        case .unconfigure(let lease): "unconfigure \(lease.address)"
        case .giveUp(let failure): "give up: \(failure)"
        }
    }

    package static func sent(_ actions: [DHCPClient.Action]) -> DHCPMessage? {
        actions.lazy.compactMap { if case .send(let message, _) = $0 { message } else { nil } }.first
    }
}
