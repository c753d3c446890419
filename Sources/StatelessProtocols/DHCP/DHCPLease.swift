import StatelessCore

/// What an ACK granted, in the terms the network stage configures and hands off. Times
/// count from when the REQUEST was first sent (RFC 2131 4.4.1), not from the ACK, so a
/// slow server cannot make us use the address longer than it granted.
public struct DHCPLease: Equatable, Sendable {
    /// Option 51's "never expires".
    public static let infinite: UInt32 = 0xffff_ffff
    /// A shorter lease is taken as this long: a server granting 0 s would otherwise have
    /// the client renew in a tight loop.
    public static let shortest: UInt32 = 60

    public var address: IPv4Address
    public var serverIdentifier: IPv4Address
    /// When the REQUEST that got this lease was first sent.
    public var start: Uptime
    /// Seconds from `start`: lease, T1 (renew with the server), T2 (rebind with any).
    public var leaseTime: UInt32
    public var renewalTime: UInt32
    public var rebindingTime: UInt32
    /// The ACK itself, for the lease file: every option, also those we do not interpret.
    public var ack: DHCPMessage
    /// Whether the server committed it at the DISCOVER (RFC 4039): two messages, not four.
    public var isRapidCommit: Bool { ack[.rapidCommit] != nil }

    public var subnetMask: IPv4Address?
    public var routers: [IPv4Address] = []
    public var dnsServers: [IPv4Address] = []
    public var hostName: String?
    public var domainName: String?
    public var rootPath: String?
    public var mtu: UInt16?
    public var broadcastAddress: IPv4Address?
    public var classlessRoutes: [DHCPRoute] = []
    /// siaddr, the TFTP server of PXE; nil when 0.0.0.0.
    public var nextServer: IPv4Address?
    /// Option 66, else the `sname` field.
    public var tftpServerName: String?
    /// Option 67, else the `file` field.
    public var bootfileName: String?

    /// Nil when the ACK lacks what RFC 2131 says an ACK to a REQUEST must carry: an
    /// address and a lease time. `server` is the one we asked, used when the ACK does
    /// not name itself.
    public init?(ack: DHCPMessage, server: IPv4Address, start: Uptime) {
        guard ack.yiaddr != .any, case .leaseTime(let seconds)? = ack[.leaseTime] else { return nil }
        address = ack.yiaddr
        serverIdentifier = ack.serverIdentifier ?? server
        self.start = start
        self.ack = ack
        leaseTime = max(Self.shortest, seconds)
        var renewal: UInt32?
        var rebinding: UInt32?
        for option in ack.options {
            switch option {
            case .subnetMask(let mask): subnetMask = mask
            case .routers(let list): routers = list
            case .domainNameServers(let list): dnsServers = list
            case .hostName(let name): hostName = name
            case .domainName(let name): domainName = name
            case .rootPath(let path): rootPath = path
            case .interfaceMTU(let value): mtu = value
            case .broadcastAddress(let address): broadcastAddress = address
            case .classlessStaticRoutes(let list): classlessRoutes = list
            case .tftpServerName(let name): tftpServerName = name
            case .bootfileName(let name): bootfileName = name
            case .renewalTime(let value): renewal = value
            case .rebindingTime(let value): rebinding = value
            default: break
            }
        }
        nextServer = ack.siaddr == .any ? nil : ack.siaddr
        tftpServerName = tftpServerName ?? (ack.sname.isEmpty ? nil : String(decoding: ack.sname, as: UTF8.self))
        bootfileName = bootfileName ?? (ack.file.isEmpty ? nil : String(decoding: ack.file, as: UTF8.self))
        // T1 < T2 < lease (RFC 2131 4.4.5); values that break the order get the defaults.
        let lease = leaseTime
        rebindingTime = rebinding.flatMap { $0 < lease ? $0 : nil } ?? lease - lease / 8
        let rebindingTime = rebindingTime
        renewalTime = renewal.flatMap { $0 < rebindingTime ? $0 : nil } ?? min(lease / 2, rebindingTime)
    }

    public var isInfinite: Bool { leaseTime == Self.infinite }

    /// Nil for an infinite lease, which is never renewed.
    public var renewalAt: Uptime? { instant(renewalTime) }
    public var rebindingAt: Uptime? { instant(rebindingTime) }
    public var expiresAt: Uptime? { instant(leaseTime) }

    package func instant(_ seconds: UInt32) -> Uptime? {
        isInfinite ? nil : start.saturatingAdding(milliseconds: Int(seconds) * 1000)
    }

    /// The prefix of the subnet mask; without one (or with a non-contiguous one), the
    /// address class decides, as the kernel's own ipconfig does.
    public var prefixLength: Int {
        if let length = subnetMask?.prefixLength { return length }
        let first = address.bytes.0
        return first < 128 ? 8 : first < 192 ? 16 : 24
    }

    /// The routes to install: option 121 when present, which then replaces the router
    /// option (RFC 3442); else a default route through the first router.
    public var routes: [DHCPRoute] {
        if !classlessRoutes.isEmpty { return classlessRoutes }
        return routers.first.map { [DHCPRoute(destination: .any, prefixLength: 0, router: $0)] } ?? []
    }
}

extension Uptime {
    /// `self` plus a span, stuck at the largest instant instead of overflowing: lease
    /// times come from the network.
    func saturatingAdding(milliseconds: Int) -> Uptime {
        let (nanoseconds, overflow1) = UInt64(max(0, milliseconds)).multipliedReportingOverflow(by: 1_000_000)
        let (sum, overflow2) = self.nanoseconds.addingReportingOverflow(nanoseconds)
        return Uptime(nanoseconds: overflow1 || overflow2 ? .max : sum)
    }

    func saturatingAdding(seconds: Int) -> Uptime {
        let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        return saturatingAdding(milliseconds: overflow ? .max : milliseconds)
    }
}
