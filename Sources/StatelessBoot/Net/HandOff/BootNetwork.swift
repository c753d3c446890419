import StatelessCore
import StatelessProtocols
import StatelessSystem

/// The boot's network as the net stage left it in net.env: what a network root needs to
/// find its server and to name a per-machine path. Read back from the file rather than
/// passed in memory, so that the `root` applet run alone from a dracut hook sees the
/// same as PID 1.
public struct BootNetwork: Equatable, Sendable {
    public var interface: String
    public var address: IPv4Address
    public var mac: MACAddress
    public var hostname: String?
    /// `ip=`'s `<server-IP>` or the lease's next-server.
    public var bootServer: IPv4Address?
    public var dhcpServer: IPv4Address?
    /// DHCP option 17 as the server sent it.
    public var rootPath: String?
    /// DHCP option 67 (or the `file` field) as the server sent it.
    public var bootFile: String?

    /// Nil when a required fact is missing or unreadable.
    public init?(facts: HandOffValues<NetEnv>) {
        guard let interface = facts.nonEmpty(.interface),
              let address = facts[.address].flatMap({ IPv4Address(parsing: $0) }),
              let mac = facts[.mac].flatMap({ MACAddress(parsing: $0) })
        else { return nil }
        self.interface = interface
        self.address = address
        self.mac = mac
        hostname = facts.nonEmpty(.hostname)
        bootServer = facts.nonEmpty(.bootServer).flatMap { IPv4Address(parsing: $0) }
        dhcpServer = facts.nonEmpty(.dhcpServer).flatMap { IPv4Address(parsing: $0) }
        rootPath = facts.nonEmpty(.rootPath)
        bootFile = facts.nonEmpty(.bootFile)
    }

    /// What net.env says now; an error naming the file when the net stage left none.
    public static func current() throws -> BootNetwork {
        let path = HandOff.path(NetEnv.self)
        guard let facts = HandOff.read(NetEnv.self) else {
            throw BootError("read", path, detail: "a network root needs the network stage's hand-off, and there is none: did the net stage run?", option: "ip=, rd.neednet=")
        }
        guard let network = BootNetwork(facts: facts) else {
            throw BootError("read", path, detail: "expected NET_INTERFACE, NET_ADDRESS and NET_MAC, found \(facts.values.keys.sorted().joined(separator: " "))")
        }
        return network
    }

    /// Where an NFS root without a server is (the kernel's and dracut's rule): the boot
    /// server, else the DHCP server.
    public var defaultServer: IPv4Address? { bootServer ?? dhcpServer }
}
