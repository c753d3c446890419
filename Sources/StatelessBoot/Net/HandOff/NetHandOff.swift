import StatelessCore
import StatelessProtocols
import StatelessSystem
import SystemPackage

/// What the net stage leaves for the booted system, as pure functions of the
/// configuration: the interface keeps its address and routes through switch-root (/run
/// moves with it), and each network stack the root may run finds a file telling it to
/// keep them and to ask for the same lease, so a network root is never cut and the
/// server never hands out a second address.
///
/// | file | who reads it |
/// |---|---|
/// | /run/stateless/net-IFACE.env, net.env | scripts, dracut hooks, admins (`. /run/stateless/net.env`) |
/// | /run/stateless/resolv.conf | the resolver, where /etc/resolv.conf links to it |
/// | /run/systemd/network/10-stateless-IFACE.network | systemd-networkd (NetworkdFile.swift) |
/// | /run/NetworkManager/system-connections/stateless-IFACE.nmconnection | NetworkManager (NetworkManagerKeyfile.swift) |
///
/// ifupdown (Debian's default without either) reads none of them: its `iface … inet dhcp`
/// starts dhclient, which sends no client identifier unless told to; until a manager takes
/// the interface, our own renewal keeps the lease alive. The writer creates the
/// directories, which do not exist before their daemon runs.
public enum NetHandOff {
    public struct File: Equatable, Sendable {
        public var path: String
        public var contents: String
        public var mode: FilePermissions
    }

    package static let readable: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]

    /// The files for one configured interface.
    public static func files(for configuration: NetConfiguration) -> [File] {
        let name = configuration.fileName
        return [
            File(path: HandOff.path("net-" + name), contents: HandOff.format(environment(configuration)), mode: readable),
            File(path: "/run/systemd/network/10-stateless-\(name).network", contents: networkdFile(configuration), mode: readable),
            // NetworkManager ignores a keyfile that anyone but root can read.
            File(path: "/run/NetworkManager/system-connections/stateless-\(name).nmconnection",
                 contents: networkManagerKeyfile(configuration), mode: [.ownerReadWrite]),
        ]
    }

    /// The boot's own network, from the interface whose lease won (or the `ip=` one):
    /// net.env — its facts plus NET_INTERFACES, every interface configured — and the
    /// resolver content.
    public static func bootFiles(for configuration: NetConfiguration, interfaces: [String]) -> [File] {
        let facts = environment(configuration) + [(.interfaces, interfaces.joined(separator: " "))]
        return [
            File(path: HandOff.path(NetEnv.self), contents: HandOff.format(facts), mode: readable),
            File(path: HandOff.directory + "/resolv.conf", contents: resolverConfiguration(configuration), mode: readable),
        ]
    }

    /// The facts of net-IFACE.env. Every key is always there (empty when it does not
    /// apply, such as the DHCP ones of a static configuration), so a script can test
    /// `[ -n "$NET_DHCP_SERVER" ]` under `set -u`. Lists are separated by spaces; routes
    /// are `DESTINATION/PREFIX,ROUTER` (the router left out when on-link).
    public static func environment(_ configuration: NetConfiguration) -> HandOffFacts<NetEnv> {
        let c = configuration
        var dhcp = ("static", "", "", "")
        if case .dhcp(let server, let seconds, let identifier) = c.origin {
            dhcp = ("dhcp", server.description, String(seconds), identifier.colonHex)
        }
        return [
            (.interface, c.interface), (.mac, c.mac.description), (.method, dhcp.0),
            (.address, c.address.description), (.prefix, String(c.prefixLength)),
            (.netmask, IPv4Address(prefixLength: c.prefixLength).description),
            (.gateway, c.gateway?.description ?? ""),
            (.routes, c.routes.map(NetConfiguration.routeText).joined(separator: " ")),
            (.dns, c.nameservers.map(\.description).joined(separator: " ")),
            (.domain, c.validSearchDomain ?? ""), (.hostname, c.validHostname ?? ""),
            (.mtu, c.mtu.map(String.init) ?? ""),
            (.dhcpServer, dhcp.1), (.leaseSeconds, dhcp.2), (.clientID, dhcp.3),
            (.bootServer, c.bootServer?.description ?? ""), (.rootPath, c.rootPath ?? ""),
            (.bootFile, c.bootFile ?? ""),
        ]
    }

    /// resolv.conf(5) lines, independent of systemd-resolved: glibc and musl read only
    /// /etc/resolv.conf, so a root whose /etc/resolv.conf links to
    /// /run/stateless/resolv.conf (the kernel's nfsroot.rst suggests the same for
    /// /proc/net/pnp) resolves with what the boot used. resolved and NetworkManager get the
    /// same servers from their own files below. Only three `nameserver` lines: glibc
    /// ignores more (MAXNS).
    public static func resolverConfiguration(_ configuration: NetConfiguration) -> String {
        var lines = ["# \(origin(configuration)), written by stateless in the initramfs."]
        lines += configuration.nameservers.prefix(3).map { "nameserver \($0)" }
        if let domain = configuration.validSearchDomain { lines.append("search \(domain)") }
        return lines.map { $0 + "\n" }.joined()
    }

    /// `From the DHCP lease of eth0 (server 10.0.2.2)`, for the files' first comment line.
    package static func origin(_ configuration: NetConfiguration) -> String {
        switch configuration.origin {
        case .manual: return "From ip= for \(configuration.fileName)"
        case .dhcp(let server, _, _): return "From the DHCP lease of \(configuration.fileName) (server \(server))"
        }
    }
}
