import CLinux
import Foundation
@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import XCTest

/// Host integration: rtnetlink through libmnl against the real kernel, inside a network
/// namespace of its own (a namespace is per thread, so one thread unshares and the rest
/// of the test process keeps the host's network). Needs root, as the lab does.
final class NetlinkTests: XCTestCase {
    /// `ip` from the same thread, so it acts in the same namespace (test scaffolding only:
    /// the boot code creates no links). system(3) forks from this thread, whose network
    /// namespace the child inherits.
    static func ip(_ arguments: String...) throws {
        let command = "/usr/sbin/ip " + arguments.joined(separator: " ")
        let status = system(command)
        guard status == 0 else { throw BootError("run", command, detail: "exit status \(status)") }
    }

    func testLinksAddressesRoutesAndErrors() throws {
        try inNewNetworkNamespace {
            let socket = try NetlinkSocket()
            var links = try socket.links()
            let loopback = try XCTUnwrap(links.first { $0.name == "lo" })
            XCTAssertTrue(loopback.isLoopback)
            XCTAssertFalse(loopback.isUp)
            try socket.setLink(loopback, up: true)
            XCTAssertTrue(try socket.links().first { $0.name == "lo" }?.isUp ?? false)

            try Self.ip("link", "add", "v0", "type", "veth", "peer", "name", "v1")
            links = try socket.links()
            let v0 = try XCTUnwrap(links.first { $0.name == "v0" })
            XCTAssertEqual(v0.mac.count, 6)
            XCTAssertEqual(v0.macText.count, 17)
            try socket.rename(v0, to: "uplink0")  // while down: older kernels refuse a live rename
            try socket.setMTU(v0, 1400)
            let uplink = try XCTUnwrap(try socket.links().first { $0.index == v0.index })
            XCTAssertEqual(uplink.name, "uplink0")
            XCTAssertEqual(uplink.mtu, 1400)

            for link in try socket.links() where link.name == "uplink0" || link.name == "v1" {
                try socket.setLink(link, up: true)
            }
            _ = try Self.waitForCarrier(v0, socket)  // a veth pair with both ends up has carrier

            let address = try XCTUnwrap(IPv4Address(parsing: "10.9.8.7"))
            try socket.addAddress(address, prefixLength: 24, to: uplink)
            try socket.addAddress(address, prefixLength: 24, to: uplink)  // replacing is not an error
            XCTAssertTrue(try socket.addresses().contains(LinkAddress(linkIndex: v0.index, address: address, prefixLength: 24)))

            let gateway = try XCTUnwrap(IPv4Address(parsing: "10.9.8.1"))
            try socket.addRoute(.defaultRoute(via: gateway, linkIndex: v0.index))
            let network = try XCTUnwrap(IPv4Address(parsing: "192.168.50.0"))
            try socket.addRoute(Route(destination: network, prefixLength: 24, gateway: IPv4Address(parsing: "10.9.8.2"),
                                      linkIndex: v0.index, metric: 100))
            let routes = try socket.routes()
            XCTAssertTrue(routes.contains { $0.prefixLength == 0 && $0.gateway == gateway && $0.linkIndex == v0.index }, "\(routes)")
            XCTAssertTrue(routes.contains { $0.destination == network && $0.prefixLength == 24 && $0.metric == 100 }, "\(routes)")

            // The kernel's refusals come back as one line with the errno by name.
            XCTAssertThrowsError(try socket.addRoute(.defaultRoute(via: IPv4Address(172, 16, 0, 1), linkIndex: v0.index))) {
                XCTAssertTrue(String(describing: $0).contains("ENETUNREACH"), "\($0)")
                XCTAssertTrue(String(describing: $0).contains("via 172.16.0.1"), "\($0)")
            }

            try socket.removeAddress(LinkAddress(linkIndex: v0.index, address: address, prefixLength: 24), from: uplink)
            XCTAssertFalse(try socket.addresses().contains { $0.address == address })
        }
    }

    /// The client's socket on a link without an address: its broadcast reaches a server in
    /// another namespace at the other end of a veth pair, and the server's broadcast reply
    /// reaches it. (Both ends in one namespace would short-circuit through local delivery.)
    func testDHCPSocketBroadcastsBeforeTheLinkHasAnAddress() throws {
        try inVethLab(serverAddress: "10.77.0.1/24") { serverNamespace, _, _ in
            let client = try DHCPSocket(interface: "client0")
            let server = try Self.serverSocket(device: "server0", namespace: serverNamespace)
            defer { close(server) }
            try client.send(Array("discover".utf8))
            var poller = pollfd(fd: server, events: Int16(POLLIN), revents: 0)
            XCTAssertEqual(poll(&poller, 1, 3000), 1, "the broadcast reached the server")
            var request = [UInt8](repeating: 0, count: 64)
            let received = request.withUnsafeMutableBytes { recv(server, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            XCTAssertEqual(received > 0 ? String(decoding: request[..<received], as: UTF8.self) : "", "discover")

            var reply = DHCPSocket.socketAddress(.broadcast, port: DHCPSocket.clientPort)
            let offer = Array("offer".utf8)
            // Sent again after 1 s without an answer, as a DHCP server's client would ask
            // again: one run in ~25 lost the first reply right after the veth came up.
            var answers: [String] = []
            for _ in 0..<3 where answers.isEmpty {
                let sent = offer.withUnsafeBytes { buffer in
                    withUnsafePointer(to: &reply) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(server, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                        }
                    }
                }
                XCTAssertEqual(sent, offer.count)
                answers = client.receive(waitingUpTo: 1000).map { String(decoding: $0, as: UTF8.self) }
            }
            XCTAssertEqual(answers, ["offer"])
            XCTAssertEqual(client.receive(waitingUpTo: 10), [], "nothing else queued")
        }
    }

    /// A plain UDP socket on port 67 of `device` in the named namespace, as a DHCP server
    /// has. A socket belongs to the namespace it was created in, so a short-lived thread
    /// joins that namespace to create it.
    static func serverSocket(device: String, namespace: String) throws -> CInt {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var fd: CInt = -1
        let thread = Thread {
            defer { done.signal() }
            let handle = open("/run/netns/\(namespace)", O_RDONLY)
            guard handle >= 0, setns(handle, STATELESS_CLONE_NEWNET) == 0 else { return }
            close(handle)
            fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            var yes: CInt = 1
            setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &yes, socklen_t(MemoryLayout<CInt>.size))
            _ = device.withCString { setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, $0, socklen_t(strlen($0) + 1)) }
            var address = DHCPSocket.socketAddress(.any, port: DHCPSocket.serverPort)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound != 0 { close(fd); fd = -1 }
        }
        thread.start()
        _ = done.wait(timeout: .now() + 10)
        guard fd >= 0 else { throw BootError("open", "test server socket in \(namespace)", errno: .init(rawValue: errno)) }
        return fd
    }

    func testIPv4AddressParsingAndMasks() {
        let valid: [(String, IPv4Address)] = [("0.0.0.0", .any), ("255.255.255.255", .broadcast), ("10.0.2.15", IPv4Address(10, 0, 2, 15))]
        for (text, address) in valid {
            XCTAssertEqual(IPv4Address(parsing: text), address, text)
            XCTAssertEqual(address.description, text)
        }
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", " 1.2.3.4", "1.2.3.-4", "a.b.c.d", "1.2.3.4 "] {
            XCTAssertNil(IPv4Address(parsing: bad), bad)
        }
        XCTAssertEqual(IPv4Address(prefixLength: 24).description, "255.255.255.0")
        XCTAssertEqual(IPv4Address(prefixLength: 0), .any)
        XCTAssertEqual(IPv4Address(prefixLength: 99), .broadcast)
        XCTAssertEqual(IPv4Address(255, 255, 240, 0).prefixLength, 20)
        XCTAssertEqual(IPv4Address.any.prefixLength, 0)
        XCTAssertNil(IPv4Address(255, 0, 255, 0).prefixLength)
        XCTAssertNil(IPv4Address(bytes: [1, 2, 3]))
    }
}

extension XCTestCase {
    /// Runs `body` on a thread in a new network namespace (NetlinkTests, DHCPServerTests).
    func inNewNetworkNamespace(seconds: Int = 60, _ body: @escaping @Sendable () throws -> Void) throws {
        guard getuid() == 0 else {
            let reason = "needs root for a network namespace"
            // Under CI a test that cannot run fails with its reason; it never passes as a skip.
            if ProcessInfo.processInfo.environment["CI"] == "true" { throw BootError("run", "network namespace test", detail: reason) }
            throw XCTSkip(reason)
        }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: Error?
        let thread = Thread {
            defer { done.signal() }
            guard unshare(STATELESS_CLONE_NEWNET) == 0 else {
                failure = BootError("unshare", "CLONE_NEWNET", errno: .init(rawValue: errno))
                return
            }
            do { try body() } catch { failure = error }
        }
        thread.start()
        XCTAssertEqual(done.wait(timeout: .now() + .seconds(seconds)), .success, "the namespace test finished in time")
        if let failure { throw failure }
    }

    /// A veth pair between two namespaces: client0 up, with carrier, in a new one on a
    /// thread; server0 at `serverAddress` (CIDR) in a named one. `body` gets the server
    /// namespace's name, client0 and a route socket; the named namespace goes away in
    /// every case. (Both ends in one namespace would short-circuit through local delivery.)
    func inVethLab(
        serverAddress: String, seconds: Int = 60, _ body: @escaping @Sendable (String, NetworkLink, NetlinkSocket) throws -> Void
    ) throws {
        let namespace = "stateless-test-\(getpid())"
        try NetlinkTests.ip("netns", "add", namespace)
        defer { _ = system("/usr/sbin/ip netns del \(namespace)") }
        try inNewNetworkNamespace(seconds: seconds) {
            try NetlinkTests.ip("link", "add", "client0", "type", "veth", "peer", "name", "server0", "netns", namespace)
            try NetlinkTests.ip("-n", namespace, "link", "set", "server0", "up")
            try NetlinkTests.ip("-n", namespace, "addr", "add", serverAddress, "dev", "server0")
            let socket = try NetlinkSocket()
            let client = try XCTUnwrap(try socket.links().first { $0.name == "client0" })
            try socket.setLink(client, up: true)
            try body(namespace, try Self.waitForCarrier(client, socket), socket)
        }
    }

    /// The link as it is once it has carrier (bounded: 3 s).
    static func waitForCarrier(_ link: NetworkLink, _ socket: NetlinkSocket) throws -> NetworkLink {
        for _ in 0..<60 {
            if let now = try socket.links().first(where: { $0.index == link.index }), now.hasCarrier { return now }
            usleep(50_000)
        }
        throw BootError("wait for carrier on", link.name, detail: "none within 3 s")
    }
}
