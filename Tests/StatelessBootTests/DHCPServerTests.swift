import CLinux
import Foundation
@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import XCTest

/// Host integration: `DHCPSession` against a real server, dnsmasq, in a named network
/// namespace at the far end of a veth pair, with the client in a namespace of its own on a
/// thread (as NetlinkTests). Only the private 10.78.0.0/24 inside the namespaces is used.
final class DHCPServerTests: XCTestCase {
    static let dnsmasq = "/usr/sbin/dnsmasq"
    static let serverAddress = IPv4Address(10, 78, 0, 1)

    func testLeaseFromDnsmasqCarriesEveryOption() throws {
        try requireDnsmasq()
        try inLab(serving: true) { link, socket in
            let started = Uptime.now()
            let lease = try DHCPSession.lease(on: "client0", configuration: .init(hardwareAddress: link.mac),
                                              deadline: started.adding(milliseconds: 20_000))
            print("DHCPServerTests: lease after \(Self.seconds(since: started)) s: \(lease.address)/\(lease.prefixLength)",
                  "server \(lease.serverIdentifier), lease \(lease.leaseTime) s (T1 \(lease.renewalTime), T2 \(lease.rebindingTime)),",
                  "routers \(lease.routers), dns \(lease.dnsServers), domain \(lease.domainName ?? "-"),",
                  "root-path \(lease.rootPath ?? "-"), mtu \(lease.mtu.map(String.init) ?? "-"), routes \(lease.classlessRoutes),",
                  "ack flags \(lease.ack.flags)")
            // dnsmasq pings a new address for 3 s before it offers it (--no-ping: 3 ms).
            XCTAssertLessThan(Self.seconds(since: started), 8, "one DISCOVER is answered")
            XCTAssertTrue((100...150).contains(lease.address.value - IPv4Address(10, 78, 0, 0).value), "\(lease.address)")
            XCTAssertEqual(lease.prefixLength, 24)
            XCTAssertEqual(lease.serverIdentifier, Self.serverAddress)
            XCTAssertEqual(lease.leaseTime, 120)
            XCTAssertEqual(lease.nextServer, Self.serverAddress, "dnsmasq names itself in siaddr")
            XCTAssertEqual(lease.routers, [Self.serverAddress])
            XCTAssertEqual(lease.dnsServers, [IPv4Address(10, 78, 0, 53)])
            XCTAssertEqual(lease.domainName, "lab.example")
            XCTAssertEqual(lease.rootPath, "10.78.0.1:/srv/root")
            XCTAssertEqual(lease.mtu, 1400)
            XCTAssertEqual(lease.classlessRoutes,
                           [DHCPRoute(destination: IPv4Address(192, 168, 60, 0), prefixLength: 24, router: IPv4Address(10, 78, 0, 254))])

            // The session only hands the lease back; configuring it is the caller's step.
            XCTAssertFalse(try socket.addresses().contains { $0.address == lease.address })
            try socket.addAddress(lease.address, prefixLength: lease.prefixLength, to: link)
            XCTAssertTrue(try socket.addresses().contains(
                LinkAddress(linkIndex: link.index, address: lease.address, prefixLength: lease.prefixLength)))
        }
    }

    /// No server: both bounds end in one line naming the interface and the option, on time.
    func testNoServerFailsWithinTheBound() throws {
        try inLab(serving: false) { link, _ in
            // The caller's deadline comes first (the client's own bound is 30 s).
            var started = Uptime.now()
            XCTAssertThrowsError(try DHCPSession.lease(on: "client0", configuration: .init(hardwareAddress: link.mac),
                                                       deadline: started.adding(milliseconds: 6000))) { error in
                let elapsed = Self.seconds(since: started)
                print("DHCPServerTests: deadline after \(elapsed) s: \(error)")
                XCTAssertTrue((5.9...7.0).contains(elapsed), "gave up after \(elapsed) s")
                Self.assertFailureLine(error)
            }
            // The client's own bound (rd.net.timeout.dhcp=) comes first.
            var configuration = DHCPClient.Configuration(hardwareAddress: link.mac)
            configuration.timeoutSeconds = 3
            started = Uptime.now()
            XCTAssertThrowsError(try DHCPSession.lease(on: "client0", configuration: configuration,
                                                       deadline: started.adding(milliseconds: 20_000))) { error in
                let elapsed = Self.seconds(since: started)
                print("DHCPServerTests: client gave up after \(elapsed) s: \(error)")
                XCTAssertTrue((2.9...4.0).contains(elapsed), "gave up after \(elapsed) s")
                Self.assertFailureLine(error)
            }
        }
    }

    /// dnsmasq's shortest lease, 2 minutes: the keeper renews it at T1 (60 s) with the
    /// server by unicast, the address stays on the link, and the keeper stops when a
    /// manager takes over. The keeper's clock runs 30 times faster than real time: T1
    /// comes after 2 s, and the server is none the wiser.
    func testLeaseKeeperRenewsAtT1() throws {
        try requireDnsmasq()
        try inLab(serving: true, seconds: 40) { link, socket in
            let configuration = DHCPClient.Configuration(hardwareAddress: link.mac)
            let lease = try DHCPSession.lease(on: "client0", configuration: configuration,
                                              deadline: Uptime.now().adding(milliseconds: 20_000))
            XCTAssertEqual(lease.leaseTime, 120)
            XCTAssertEqual(lease.renewalTime, 60)
            try socket.addAddress(lease.address, prefixLength: lease.prefixLength, to: link)
            var renewals: [(at: Uptime, record: LeaseRecord)] = []
            let clock = FastClock(factor: 30)
            let realStart = Uptime.now()
            var keeper = LeaseKeeper(record: LeaseRecord(interface: "client0", index: link.index, lease: lease, configuration: configuration),
                                     log: Logger(verbose: true))
            keeper.clock = clock
            keeper.renewed = { renewals.append((clock.now(), $0)) }
            keeper.takenOver = { renewals.isEmpty ? nil : "a manager" }
            keeper.checkMilliseconds = 1000
            let deadline = lease.start.adding(milliseconds: 80_000)
            XCTAssertEqual(try keeper.run { clock.now() >= deadline }, "a manager", "renewed, then stopped for the manager")
            let realSeconds = Double(Uptime.now().nanoseconds - realStart.nanoseconds) / 1e9
            XCTAssertLessThan(realSeconds, 10, "T1 on the fast clock passes in seconds of real time")
            let renewal = try XCTUnwrap(renewals.first)
            let afterStart = Double(renewal.at.nanoseconds - lease.start.nanoseconds) / 1e9
            print("DHCPServerTests: renewed \(afterStart) s after the lease's REQUEST (T1 = \(lease.renewalTime) s)")
            XCTAssertTrue((59.5...64.0).contains(afterStart), "renewed at T1, found \(afterStart) s")
            XCTAssertEqual(renewal.record.lease.address, lease.address, "the same address")
            XCTAssertEqual(renewal.record.lease.leaseTime, 120)
            XCTAssertGreaterThan(renewal.record.lease.start, lease.start.adding(milliseconds: 59_000), "the new lease counts from the renewal")
            XCTAssertTrue(try socket.addresses().contains { $0.address == lease.address && $0.linkIndex == link.index })
        }
    }

    static func assertFailureLine(_ error: Error, file: StaticString = #filePath, line: UInt = #line) {
        let text = String(describing: error)
        for part in ["client0", "rd.net.timeout.dhcp=", "waiting for an OFFER", "sent ", "DISCOVER", "received nothing"] {
            XCTAssertTrue(text.contains(part), "\(part) in: \(text)", file: file, line: line)
        }
    }

    static func seconds(since start: Uptime) -> Double {
        Double(Uptime.now().nanoseconds - start.nanoseconds) / 1e9
    }

    /// dnsmasq is a lab prerequisite (Tests/lab/setup): under CI its absence fails the test.
    func requireDnsmasq() throws {
        guard access(Self.dnsmasq, X_OK) != 0 else { return }
        let reason = "\(Self.dnsmasq) is missing: install dnsmasq-base (Tests/lab/setup)"
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            throw BootError("find", Self.dnsmasq, detail: reason)  // a thrown error fails the test with it
        }
        throw XCTSkip(reason)
    }

    /// Every option the client reads, on a 2-minute lease (dnsmasq's shortest).
    static let dnsmasqArguments = [
        "--dhcp-range=10.78.0.100,10.78.0.150,255.255.255.0,2m",
        "--dhcp-option=3,10.78.0.1", "--dhcp-option=6,10.78.0.53", "--dhcp-option=15,lab.example",
        "--dhcp-option=17,10.78.0.1:/srv/root", "--dhcp-option=26,1400",
        "--dhcp-option=121,192.168.60.0/24,10.78.0.254",
    ]

    /// The server namespace with server0 at 10.78.0.1/24 (and dnsmasq on it when
    /// `serving`), client0 up with carrier in the client's namespace; `body` gets client0
    /// and a route socket. dnsmasq is stopped and both namespaces go away in every case.
    func inLab(serving: Bool, seconds: Int = 60, _ body: @escaping @Sendable (NetworkLink, NetlinkSocket) throws -> Void) throws {
        try inVethLab(serverAddress: "10.78.0.1/24", seconds: seconds) { namespace, client, socket in
            let server = serving ? try LabDnsmasq(namespace: namespace, interface: "server0", arguments: Self.dnsmasqArguments) : nil
            defer { server?.stop() }
            try server?.waitUntilReady()
            try body(client, socket)
        }
    }
}

/// A clock that runs `factor` times faster than real time from the moment it is made,
/// for waits of minutes against real servers (a lease's T1).
struct FastClock: BootClock {
    let factor: Int
    let start = Uptime.now()

    func now() -> Uptime {
        let real = Uptime.now().nanoseconds - start.nanoseconds
        return Uptime(nanoseconds: start.nanoseconds + real * UInt64(factor))
    }

    func realMilliseconds(_ milliseconds: Int) -> Int { milliseconds / factor }
    func sleep(milliseconds: Int) { StatelessSystem.sleep(milliseconds: realMilliseconds(milliseconds)) }
}
