@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import XCTest

/// `NetlinkSocket.install` against the kernel (a veth link in a namespace of its own): a /32
/// lease whose router is outside its network gets a host route to the router first, and
/// installing twice (a renewal) is harmless.
final class NetInstallTests: XCTestCase {
    func testSlash32LeaseWithARouterOutsideItsNetwork() throws {
        try inNewNetworkNamespace {
            try NetlinkTests.ip("link", "add", "d0", "type", "veth", "peer", "name", "d1")
            let socket = try NetlinkSocket()
            let down = try XCTUnwrap(try socket.links().first { $0.name == "d0" })
            try socket.setLink(down, up: true)
            let link = try XCTUnwrap(try socket.links().first { $0.name == "d0" })
            let mac = try XCTUnwrap(MACAddress(bytes: link.mac))
            var c = NetConfiguration(interface: "d0", mac: mac, address: IPv4Address(203, 0, 113, 7), prefixLength: 32, origin: .manual)
            c.gateway = IPv4Address(172, 31, 1, 1)
            c.routes = [DHCPRoute(destination: IPv4Address(198, 51, 100, 0), prefixLength: 24, router: IPv4Address(172, 31, 1, 1))]
            c.mtu = 1400
            XCTAssertFalse(c.isOnLink(IPv4Address(172, 31, 1, 1)))
            try socket.install(c, on: link, log: Logger(verbose: false))
            try socket.install(c, on: link, log: Logger(verbose: false))  // a renewal: the same again
            let routes = try socket.routes().filter { $0.linkIndex == link.index }
            XCTAssertTrue(routes.contains { $0.destination == IPv4Address(172, 31, 1, 1) && $0.prefixLength == 32 && $0.gateway == nil }, "\(routes)")
            XCTAssertTrue(routes.contains { $0.prefixLength == 0 && $0.gateway == IPv4Address(172, 31, 1, 1) }, "\(routes)")
            XCTAssertTrue(routes.contains { $0.prefixLength == 24 && $0.destination == IPv4Address(198, 51, 100, 0) }, "\(routes)")
            XCTAssertEqual(try socket.links().first { $0.name == "d0" }?.mtu, 1400)
            XCTAssertEqual(try socket.addresses().filter { $0.linkIndex == link.index }.map(\.address), [IPv4Address(203, 0, 113, 7)])
        }
    }

    func testOnLink() {
        let c = NetConfiguration(interface: "e", mac: MACAddress(parsing: "02:00:00:00:00:01")!, address: IPv4Address(10, 0, 2, 15),
                                 prefixLength: 24, origin: .manual)
        XCTAssertTrue(c.isOnLink(IPv4Address(10, 0, 2, 2)))
        XCTAssertFalse(c.isOnLink(IPv4Address(10, 0, 3, 2)))
    }
}
