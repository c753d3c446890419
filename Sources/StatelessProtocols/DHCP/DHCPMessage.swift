import StatelessCore

/// One DHCP message in the BOOTP layout (RFC 2131 section 2, RFC 951): a 236-byte fixed
/// header, the magic cookie, then options. The value holds what the packet says;
/// `encoded()` and `init(decoding:)` are the only places that know byte positions.
public struct DHCPMessage: Equatable, Sendable {
    public enum Op: UInt8, Sendable {
        case request = 1
        case reply = 2
    }

    public struct Flags: OptionSet, Hashable, Sendable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        /// Asks the server to broadcast its reply: a client without an address cannot
        /// receive a unicast one through an ordinary UDP socket.
        public static let broadcast = Flags(rawValue: 0x8000)
    }

    public var op: Op
    /// ARP hardware type; 1 is Ethernet.
    public var htype: UInt8
    public var hops: UInt8 = 0
    /// Transaction id: a reply carries the id of the request it answers.
    public var xid: UInt32
    /// Seconds since the client began to acquire or renew an address.
    public var secs: UInt16 = 0
    public var flags: Flags = []
    public var ciaddr: IPv4Address = .any
    public var yiaddr: IPv4Address = .any
    /// The next server (TFTP) in a reply.
    public var siaddr: IPv4Address = .any
    public var giaddr: IPv4Address = .any
    /// The client's hardware address: `hlen` bytes, at most 16 are sent.
    public var chaddr: [UInt8]
    /// The server host name field up to its NUL; empty when it carried options
    /// (overload). Bytes, not text, so that a packet re-encodes as it came.
    public var sname: [UInt8] = []
    /// The boot file name field up to its NUL; empty when it carried options (overload).
    public var file: [UInt8] = []
    /// In packet order, each code once: repeated codes are joined (RFC 3396).
    public var options: [DHCPOption] = []

    public init(op: Op, xid: UInt32, chaddr: [UInt8], htype: UInt8 = 1, options: [DHCPOption] = []) {
        self.op = op
        self.xid = xid
        self.chaddr = chaddr
        self.htype = htype
        self.options = options
    }

    public var hlen: UInt8 { UInt8(truncatingIfNeeded: min(chaddr.count, 16)) }

    public static let magicCookie: [UInt8] = [99, 130, 83, 99]
    /// Header and cookie; the options start here.
    static let optionsOffset = 240
    static let snameRange = 44..<108
    static let fileRange = 108..<236
    /// The smallest BOOTP message (RFC 951); many servers and relays drop shorter ones.
    public static let minimumSize = 300
    /// The largest message we accept unless told otherwise: one Ethernet frame less the
    /// IP and UDP headers, which the client also advertises in option 57.
    public static let maximumSize = 1500 - 20 - 8

    /// The first option with this code.
    public subscript(code: DHCPOptionCode) -> DHCPOption? { options.first { $0.code == code } }

    public var messageType: DHCPMessageType? {
        if case .messageType(let type)? = self[.messageType] { return type }
        return nil
    }

    public var serverIdentifier: IPv4Address? {
        if case .serverIdentifier(let address)? = self[.serverIdentifier] { return address }
        return nil
    }

    /// The exact bytes: options in order, each longer than 255 bytes split into several
    /// (RFC 3396), the end option, then pad up to the 300-byte BOOTP minimum. Framing
    /// codes (pad, end, overload) in `options` are not written: this encoder puts
    /// every option in the options field.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [op.rawValue, htype, hlen, hops]
        bytes += DHCPOption.bytes(xid) + DHCPOption.bytes(UInt32(secs), count: 2) + DHCPOption.bytes(UInt32(flags.rawValue), count: 2)
        bytes += ciaddr.array + yiaddr.array + siaddr.array + giaddr.array
        bytes += Self.field(chaddr, size: 16) + Self.field(sname, size: 64) + Self.field(file, size: 128)
        bytes += Self.magicCookie
        for option in options where ![.pad, .end, .overload].contains(option.code) {
            let payload = option.payload
            for start in stride(from: 0, through: max(0, payload.count - 1), by: 255) {
                let chunk = payload[min(start, payload.count)..<min(start + 255, payload.count)]
                bytes += [option.code.rawValue, UInt8(truncatingIfNeeded: chunk.count)] + chunk
            }
        }
        bytes.append(DHCPOptionCode.end.rawValue)
        return bytes + Array(repeating: 0, count: max(0, Self.minimumSize - bytes.count))
    }

    /// `bytes` cut or zero-filled to `size`.
    package static func field(_ bytes: [UInt8], size: Int) -> [UInt8] {
        Array(bytes.prefix(size)) + Array(repeating: 0, count: max(0, size - bytes.count))
    }
}
