import StatelessCore
import StatelessProtocols
import StatelessSystem

/// Putting a `NetConfiguration` on its link: the one place the net stage and the lease
/// keeper change addresses and routes, so a renewed or re-acquired lease gets exactly
/// what the boot set up.
extension NetlinkSocket {
    /// MTU (a refusal is a warning: the link works at its own MTU), the address, then the
    /// routes: a host route to every router outside the address's network first (a /32
    /// lease, a gateway elsewhere: the kernel refuses a route through an unreachable
    /// router, ENETUNREACH), on-link routes before routes through routers, the default
    /// route last. Every route replaces one that is there, so applying twice is harmless.
    package func install(_ c: NetConfiguration, on link: NetworkLink, log: Logger) throws {
        if let mtu = c.mtu, link.mtu != UInt32(mtu) {
            do { try setMTU(link, UInt32(mtu)) } catch { log.warning("net", "\(error); \(link.name) keeps MTU \(link.mtu)") }
        }
        try addAddress(c.address, prefixLength: c.prefixLength, to: link)
        let routers = (c.routes.map(\.router) + (c.gateway.map { [$0] } ?? [])).filter { $0 != .any && !c.isOnLink($0) }
        for router in Set(routers).sorted(by: { $0.value < $1.value }) {
            try addRoute(Route(destination: router, prefixLength: 32, gateway: nil, linkIndex: link.index))
        }
        for route in c.routes.sorted(by: { $0.router == .any && $1.router != .any }) {
            try addRoute(Route(destination: route.destination, prefixLength: route.prefixLength,
                               gateway: route.router == .any ? nil : route.router, linkIndex: link.index))
        }
        if let gateway = c.gateway { try addRoute(.defaultRoute(via: gateway, linkIndex: link.index)) }
    }
}
