import StatelessCore

/// What a received frame means for an address being probed (RFC 5227 2.1.1).
public enum ARPVerdict: Equatable, Sendable {
    /// Another host uses the address, or probes for it at the same time.
    case conflict(senderMAC: MACAddress)
    /// Not ARP for IPv4 over Ethernet, malformed, ours, or about another address.
    case unrelated
}

/// The Ethernet frames of RFC 5227 address conflict detection: the probe a DHCP client
/// sends before it uses an offered address, and the verdict on each frame it hears. Pure:
/// whole frames in and out (Ethernet header included), so the tests see the wire bytes.
public enum ARPPacket {
    /// Ethernet header (14) and ARP for IPv4 over Ethernet (28); shorter frames are
    /// malformed, longer ones carry padding (the minimum Ethernet frame is 60).
    public static let frameLength = 42

    static let etherTypeARP: UInt16 = 0x0806
    static let hardwareEthernet: UInt16 = 1
    static let protocolIPv4: UInt16 = 0x0800
    static let operationRequest: UInt16 = 1
    static let operationReply: UInt16 = 2

    /// An ARP probe (RFC 5227 2.1.1): a broadcast request for `candidate` with sender IP
    /// 0.0.0.0, so that no host's ARP cache learns an address we may not get to keep, and
    /// target hardware 0. 42 bytes: the kernel pads it to the Ethernet minimum.
    public static func probe(for candidate: IPv4Address, from mac: MACAddress) -> [UInt8] {
        var frame = [UInt8](repeating: 0xff, count: 6) + mac.bytes
        frame += bigEndian(etherTypeARP)
        frame += bigEndian(hardwareEthernet) + bigEndian(protocolIPv4) + [6, 4] + bigEndian(operationRequest)
        frame += mac.bytes + IPv4Address.any.array
        frame += [UInt8](repeating: 0, count: 6) + candidate.array
        return frame
    }

    /// A conflict is any request or reply whose sender IP is `candidate` (someone uses
    /// it), or a probe (sender IP 0) for `candidate` (someone is about to). Frames with
    /// our own sender hardware address are ours echoed back; anything malformed, of
    /// another ethertype, hardware or protocol is unrelated, never a trap.
    public static func verdict(on frame: [UInt8], probing candidate: IPv4Address, ourMAC: MACAddress) -> ARPVerdict {
        guard frame.count >= frameLength,
              uint16(frame, 12) == etherTypeARP,
              uint16(frame, 14) == hardwareEthernet, uint16(frame, 16) == protocolIPv4,
              frame[18] == 6, frame[19] == 4,
              let sender = MACAddress(bytes: frame[22..<28]), sender != ourMAC,
              let senderIP = IPv4Address(bytes: frame[28..<32]), let targetIP = IPv4Address(bytes: frame[38..<42])
        else { return .unrelated }
        let operation = uint16(frame, 20)
        let uses = senderIP == candidate && (operation == operationRequest || operation == operationReply)
        let probes = senderIP == .any && targetIP == candidate && operation == operationRequest
        return uses || probes ? .conflict(senderMAC: sender) : .unrelated
    }

    private static func bigEndian(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }

    /// Callers check the length first.
    private static func uint16(_ frame: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(frame[offset]) << 8 | UInt16(frame[offset + 1])
    }
}
