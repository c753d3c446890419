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
    public init?(facts: [String: String]) {
        guard let interface = facts["NET_INTERFACE"], !interface.isEmpty,
              let address = facts["NET_ADDRESS"].flatMap({ IPv4Address(parsing: $0) }),
              let mac = facts["NET_MAC"].flatMap({ MACAddress(parsing: $0) })
        else { return nil }
        func optional(_ key: String) -> String? { facts[key].flatMap { $0.isEmpty ? nil : $0 } }
        self.interface = interface
        self.address = address
        self.mac = mac
        hostname = optional("NET_HOSTNAME")
        bootServer = optional("NET_BOOT_SERVER").flatMap { IPv4Address(parsing: $0) }
        dhcpServer = optional("NET_DHCP_SERVER").flatMap { IPv4Address(parsing: $0) }
        rootPath = optional("NET_ROOT_PATH")
        bootFile = optional("NET_BOOT_FILE")
    }

    /// What net.env says now; an error naming the file when the net stage left none.
    public static func current() throws -> BootNetwork {
        let path = HandOff.path("net")
        guard let facts = HandOff.read("net") else {
            throw BootError("read", path, detail: "a network root needs the network stage's hand-off, and there is none: did the net stage run?", option: "ip=, rd.neednet=")
        }
        guard let network = BootNetwork(facts: facts) else {
            throw BootError("read", path, detail: "expected NET_INTERFACE, NET_ADDRESS and NET_MAC, found \(facts.keys.sorted().joined(separator: " "))")
        }
        return network
    }

    /// Where an NFS root without a server is (the kernel's and dracut's rule): the boot
    /// server, else the DHCP server.
    public var defaultServer: IPv4Address? { bootServer ?? dhcpServer }
}
