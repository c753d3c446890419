import StatelessCore

/// The number of a DHCP option on the wire (RFC 2132). A struct rather than an enum, so
/// that codes we do not know still round-trip.
public struct DHCPOptionCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    /// Framing, not options: pad fills, end closes an area, overload says that the
    /// `sname`/`file` fields hold options too. The codec consumes them; a message's
    /// option list never carries them.
    public static let pad = Self(0)
    public static let end = Self(255)
    public static let overload = Self(52)

    public static let subnetMask = Self(1)
    public static let router = Self(3)
    public static let domainNameServer = Self(6)
    public static let hostName = Self(12)
    public static let domainName = Self(15)
    public static let rootPath = Self(17)
    public static let interfaceMTU = Self(26)
    public static let broadcastAddress = Self(28)
    public static let requestedAddress = Self(50)
    public static let leaseTime = Self(51)
    public static let messageType = Self(53)
    public static let serverIdentifier = Self(54)
    public static let parameterRequestList = Self(55)
    public static let message = Self(56)
    public static let maximumMessageSize = Self(57)
    public static let renewalTime = Self(58)
    public static let rebindingTime = Self(59)
    public static let vendorClassIdentifier = Self(60)
    public static let clientIdentifier = Self(61)
    public static let tftpServerName = Self(66)
    public static let bootfileName = Self(67)
    /// RFC 4039, no payload: in a DISCOVER, "an ACK right away will do"; in that ACK, "this
    /// is one" (the lease is committed without OFFER and REQUEST).
    public static let rapidCommit = Self(80)
    public static let classlessStaticRoutes = Self(121)

    public var description: String { "option \(rawValue)" }
}

/// Option 53, the DHCP message type (RFC 2132 9.6). Unknown values (the later RFCs'
/// FORCERENEW, LEASEQUERY…) round-trip as numbers.
public struct DHCPMessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let discover = Self(rawValue: 1)
    public static let offer = Self(rawValue: 2)
    public static let request = Self(rawValue: 3)
    public static let decline = Self(rawValue: 4)
    public static let ack = Self(rawValue: 5)
    public static let nak = Self(rawValue: 6)
    public static let release = Self(rawValue: 7)
    public static let inform = Self(rawValue: 8)

    package static let names = ["DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM"]

    /// The name the RFC uses (`DISCOVER`), or `type N` for the rest.
    public var description: String {
        (1...Self.names.count).contains(Int(rawValue)) ? Self.names[Int(rawValue) - 1] : "type \(rawValue)"
    }
}
