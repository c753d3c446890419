import StatelessCore

/// One DHCP option with its payload typed (RFC 2132, RFC 3442 for 121). Options we do
/// not interpret stay `.other` with their bytes, so a message re-encodes as it came.
///
/// Strings (host name, domain, root path, TFTP server, bootfile, message) are taken at
/// any length, trailing NULs dropped: some servers count the C terminator in the
/// length, and refusing a whole lease over that would stop the boot for nothing.
/// Fixed-size payloads must have their size: a 3-byte subnet mask is a broken server.
public enum DHCPOption: Equatable, Sendable {
    case subnetMask(IPv4Address)
    case routers([IPv4Address])
    case domainNameServers([IPv4Address])
    case hostName(String)
    case domainName(String)
    case rootPath(String)
    case interfaceMTU(UInt16)
    case broadcastAddress(IPv4Address)
    case requestedAddress(IPv4Address)
    /// Seconds; `DHCPLease.infinite` (0xffffffff) never expires.
    case leaseTime(UInt32)
    case messageType(DHCPMessageType)
    case serverIdentifier(IPv4Address)
    case parameterRequestList([DHCPOptionCode])
    /// Option 56: the server's reason, e.g. in a NAK.
    case message(String)
    case maximumMessageSize(UInt16)
    /// T1, seconds after the lease began.
    case renewalTime(UInt32)
    /// T2, seconds after the lease began.
    case rebindingTime(UInt32)
    case vendorClassIdentifier([UInt8])
    case clientIdentifier([UInt8])
    case tftpServerName(String)
    case bootfileName(String)
    case classlessStaticRoutes([DHCPRoute])
    case other(DHCPOptionCode, [UInt8])

    public var code: DHCPOptionCode {
        switch self {
        case .subnetMask: .subnetMask
        case .routers: .router
        case .domainNameServers: .domainNameServer
        case .hostName: .hostName
        case .domainName: .domainName
        case .rootPath: .rootPath
        case .interfaceMTU: .interfaceMTU
        case .broadcastAddress: .broadcastAddress
        case .requestedAddress: .requestedAddress
        case .leaseTime: .leaseTime
        case .messageType: .messageType
        case .serverIdentifier: .serverIdentifier
        case .parameterRequestList: .parameterRequestList
        case .message: .message
        case .maximumMessageSize: .maximumMessageSize
        case .renewalTime: .renewalTime
        case .rebindingTime: .rebindingTime
        case .vendorClassIdentifier: .vendorClassIdentifier
        case .clientIdentifier: .clientIdentifier
        case .tftpServerName: .tftpServerName
        case .bootfileName: .bootfileName
        case .classlessStaticRoutes: .classlessStaticRoutes
        case .other(let code, _): code
        }
    }

    /// The bytes after the code and length. Payloads over 255 bytes are split by the
    /// message encoder (RFC 3396).
    public var payload: [UInt8] {
        switch self {
        case .subnetMask(let address), .broadcastAddress(let address), .requestedAddress(let address),
             .serverIdentifier(let address):
            address.array
        case .routers(let addresses), .domainNameServers(let addresses):
            addresses.flatMap(\.array)
        case .hostName(let text), .domainName(let text), .rootPath(let text), .message(let text),
             .tftpServerName(let text), .bootfileName(let text):
            Array(text.utf8)
        case .interfaceMTU(let value), .maximumMessageSize(let value):
            Self.bytes(UInt32(value), count: 2)
        case .leaseTime(let value), .renewalTime(let value), .rebindingTime(let value):
            Self.bytes(value)
        case .messageType(let type):
            [type.rawValue]
        case .parameterRequestList(let codes):
            codes.map(\.rawValue)
        case .vendorClassIdentifier(let bytes), .clientIdentifier(let bytes), .other(_, let bytes):
            bytes
        case .classlessStaticRoutes(let routes):
            routes.flatMap(\.encoded)
        }
    }

    /// Types the payload of `code`; throws when it cannot have come from a correct server.
    public init(code: DHCPOptionCode, payload: [UInt8]) throws(DHCPDecodingError) {
        func sized(_ size: Int) throws(DHCPDecodingError) -> [UInt8] {
            guard payload.count == size else {
                throw .badOption(code, "length \(payload.count), expected \(size)")
            }
            return payload
        }
        func address() throws(DHCPDecodingError) -> IPv4Address {
            IPv4Address(value: Self.number(try sized(4)))
        }
        func addresses() throws(DHCPDecodingError) -> [IPv4Address] {
            guard payload.count % 4 == 0 else {
                throw .badOption(code, "length \(payload.count), expected a multiple of 4")
            }
            return stride(from: 0, to: payload.count, by: 4).map {
                IPv4Address(value: Self.number(payload[$0..<$0 + 4]))
            }
        }
        func text() -> String {
            String(decoding: payload.prefix((payload.lastIndex { $0 != 0 } ?? -1) + 1), as: UTF8.self)
        }
        switch code {
        case .subnetMask: self = .subnetMask(try address())
        case .router: self = .routers(try addresses())
        case .domainNameServer: self = .domainNameServers(try addresses())
        case .hostName: self = .hostName(text())
        case .domainName: self = .domainName(text())
        case .rootPath: self = .rootPath(text())
        case .interfaceMTU: self = .interfaceMTU(UInt16(truncatingIfNeeded: Self.number(try sized(2))))
        case .broadcastAddress: self = .broadcastAddress(try address())
        case .requestedAddress: self = .requestedAddress(try address())
        case .leaseTime: self = .leaseTime(Self.number(try sized(4)))
        case .messageType: self = .messageType(DHCPMessageType(rawValue: UInt8(truncatingIfNeeded: Self.number(try sized(1)))))
        case .serverIdentifier: self = .serverIdentifier(try address())
        case .parameterRequestList: self = .parameterRequestList(payload.map { DHCPOptionCode($0) })
        case .message: self = .message(text())
        case .maximumMessageSize: self = .maximumMessageSize(UInt16(truncatingIfNeeded: Self.number(try sized(2))))
        case .renewalTime: self = .renewalTime(Self.number(try sized(4)))
        case .rebindingTime: self = .rebindingTime(Self.number(try sized(4)))
        case .vendorClassIdentifier: self = .vendorClassIdentifier(payload)
        case .clientIdentifier: self = .clientIdentifier(payload)
        case .tftpServerName: self = .tftpServerName(text())
        case .bootfileName: self = .bootfileName(text())
        case .classlessStaticRoutes: self = .classlessStaticRoutes(try DHCPRoute.decode(payload))
        default: self = .other(code, payload)
        }
    }

    /// Big-endian bytes (at most four) as a number.
    package static func number(_ bytes: some Collection<UInt8>) -> UInt32 {
        bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The last `count` bytes of a number, big-endian (network order).
    package static func bytes(_ value: UInt32, count: Int = 4) -> [UInt8] {
        (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) }
    }
}

/// A classless static route (option 121, RFC 3442): a destination network and the
/// router that reaches it; router 0.0.0.0 means the network is on the link itself.
public struct DHCPRoute: Equatable, Sendable, CustomStringConvertible {
    /// The network, host bits cleared (the kernel refuses a route with them set).
    public private(set) var destination: IPv4Address
    /// 0–32; 0 is the default route.
    public private(set) var prefixLength: Int
    public var router: IPv4Address

    /// Clamps the prefix length to 0–32 and clears the destination's host bits.
    public init(destination: IPv4Address, prefixLength: Int, router: IPv4Address) {
        self.prefixLength = max(0, min(32, prefixLength))
        self.destination = IPv4Address(value: destination.value & IPv4Address(prefixLength: self.prefixLength).value)
        self.router = router
    }

    public var description: String { "\(destination)/\(prefixLength) via \(router)" }

    /// Width, the destination's significant octets only, then the router.
    package var encoded: [UInt8] {
        [UInt8(truncatingIfNeeded: prefixLength)] + destination.array.prefix((prefixLength + 7) / 8) + router.array
    }

    static func decode(_ bytes: [UInt8]) throws(DHCPDecodingError) -> [DHCPRoute] {
        var routes: [DHCPRoute] = []
        var index = 0
        while index < bytes.count {
            let width = Int(bytes[index])
            guard width <= 32 else {
                throw .badOption(.classlessStaticRoutes, "route \(routes.count + 1): prefix length \(width) over 32")
            }
            let significant = (width + 7) / 8
            guard bytes.count - index >= 1 + significant + 4 else {
                throw .badOption(.classlessStaticRoutes, "route \(routes.count + 1): needs \(1 + significant + 4) bytes, \(bytes.count - index) left")
            }
            let destination = Array(bytes[index + 1..<index + 1 + significant]) + Array(repeating: 0, count: 4 - significant)
            let router = bytes[index + 1 + significant..<index + 5 + significant]
            routes.append(DHCPRoute(destination: IPv4Address(value: DHCPOption.number(destination)), prefixLength: width,
                                    router: IPv4Address(value: DHCPOption.number(router))))
            index += 5 + significant
        }
        return routes
    }
}
