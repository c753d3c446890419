import StatelessCore

/// How one interface was configured in the initramfs — from a DHCP lease or from `ip=` —
/// in the terms the hand-off files need. The booted system is told to keep exactly this,
/// and to ask for the same lease, because the address may carry the root filesystem.
public struct NetConfiguration: Equatable, Sendable {
    /// Where the configuration came from.
    public enum Origin: Equatable, Sendable {
        /// A static `ip=`.
        case manual
        /// A lease: the server that granted it, its length in seconds (0xffffffff is
        /// "infinite", RFC 2132 9.2) and the client identifier (option 61, type byte
        /// first) the lease was requested with.
        case dhcp(server: IPv4Address, leaseSeconds: UInt32, clientIdentifier: [UInt8])
    }

    /// The name in the initramfs. The files match the link by `mac`: udev in the booted
    /// system may give it another name.
    public var interface: String
    public var mac: MACAddress
    public var address: IPv4Address
    public var prefixLength: Int
    public var gateway: IPv4Address?
    /// Further routes (DHCP option 121, or static ones); a router of 0.0.0.0 is on-link.
    public var routes: [DHCPRoute] = []
    /// In the order the resolver should try them.
    public var nameservers: [IPv4Address] = []
    public var searchDomain: String?
    public var hostname: String?
    public var mtu: Int?
    /// The boot server: `ip=`'s `<server-IP>`, else the lease's next-server (siaddr), the
    /// PXE server. An NFS root without a server comes from here (the kernel's rule).
    public var bootServer: IPv4Address?
    /// DHCP option 17, where a network root is (RFC 2132 3.19); never from `ip=`.
    public var rootPath: String?
    /// DHCP option 67 (else the `file` field): what PXE loads, and where a live image is
    /// when it is an http:// URL and no root-path says otherwise.
    public var bootFile: String?
    public var origin: Origin

    public init(interface: String, mac: MACAddress, address: IPv4Address, prefixLength: Int, origin: Origin) {
        self.interface = interface
        self.mac = mac
        self.address = address
        self.prefixLength = prefixLength
        self.origin = origin
    }

    /// A name safe in a file name, a keyfile and a comment: the kernel allows nearly any
    /// byte in an interface name, so anything but letters, digits, `.`, `_` and `-` becomes `_`.
    package var fileName: String { Self.fileName(interface) }

    package static func fileName(_ interface: String) -> String {
        String(interface.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") ? $0 : "_" })
    }

    /// `searchDomain` when it is a DNS name; a lease's domain comes from the network, and
    /// one line break in it would add a line of its own to resolv.conf or a unit file.
    package var validSearchDomain: String? { searchDomain.flatMap(Self.dnsName) }
    package var validHostname: String? { hostname.flatMap(Self.dnsName) }

    static func dnsName(_ name: String) -> String? {
        guard (1...253).contains(name.utf8.count), name.first != "-", name.first != ".",
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") })
        else { return nil }
        return name
    }

    /// `10.0.0.0/8,10.0.0.1`, or `10.0.0.0/8` for an on-link route: NetworkManager's
    /// `routeN=` syntax, also used in net.env.
    package static func routeText(_ route: DHCPRoute) -> String {
        "\(route.destination)/\(route.prefixLength)" + (route.router == .any ? "" : ",\(route.router)")
    }
}

extension NetConfiguration {
    /// The smallest MTU taken from a lease: dhclient ignores anything under 576 (RFC 791's
    /// datagram every host must accept); a server's typo must not cut the root's link.
    static let smallestLeaseMTU = 576

    /// A lease in these terms: the default route's router as the gateway, the other routes
    /// (option 121) as routes, DNS, domain, host name and a usable MTU.
    package init(lease: DHCPLease, interface: String, mac: MACAddress, clientIdentifier: [UInt8]) {
        self.init(interface: interface, mac: mac, address: lease.address, prefixLength: lease.prefixLength,
                  origin: .dhcp(server: lease.serverIdentifier, leaseSeconds: lease.leaseTime, clientIdentifier: clientIdentifier))
        gateway = lease.routes.first { $0.prefixLength == 0 }?.router
        routes = lease.routes.filter { $0.prefixLength != 0 }
        nameservers = lease.dnsServers
        searchDomain = lease.domainName
        hostname = lease.hostName
        mtu = lease.mtu.map(Int.init).flatMap { $0 >= Self.smallestLeaseMTU ? $0 : nil }
        bootServer = lease.nextServer
        rootPath = lease.rootPath
        bootFile = lease.bootfileName
    }

    /// Whether `router` is inside the address's own network (reachable without a route).
    package func isOnLink(_ router: IPv4Address) -> Bool {
        let mask = IPv4Address(prefixLength: prefixLength).value
        return prefixLength < 32 && router.value & mask == address.value & mask
    }
}
