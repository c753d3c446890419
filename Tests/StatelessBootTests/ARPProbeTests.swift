import Foundation
@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import XCTest

/// Host integration: ARP probes from client0 over a veth pair to a server namespace whose
/// kernel answers for its addresses (as any host on a LAN would). Needs root, as the lab does.
final class ARPProbeTests: XCTestCase {
    static let serverMAC = "02:00:00:77:00:01"

    /// The lab with server0 at 10.77.0.1 and 10.77.0.50, its hardware address fixed.
    func inProbeLab(_ body: @escaping @Sendable (NetworkLink) throws -> Void) throws {
        try inVethLab(serverAddress: "10.77.0.1/24") { namespace, client, _ in
            try NetlinkTests.ip("-n", namespace, "link", "set", "server0", "address", Self.serverMAC)
            try NetlinkTests.ip("-n", namespace, "addr", "add", "10.77.0.50/24", "dev", "server0")
            try body(client)
        }
    }

    func testAddressInUseReturnsTheHolder() throws {
        try inProbeLab { client in
            let started = Uptime.now()
            let holder = try ARPProbe.conflict(for: IPv4Address(10, 77, 0, 50), on: client)
            let elapsed = Self.seconds(since: started)
            print("ARPProbeTests: conflict for 10.77.0.50 from \(holder?.description ?? "nobody") after \(elapsed) s")
            XCTAssertEqual(holder, MACAddress(parsing: Self.serverMAC))
            XCTAssertLessThan(elapsed, 1.0)
        }
    }

    func testFreeAddressReturnsNilWithinTheBound() throws {
        try inProbeLab { client in
            let started = Uptime.now()
            let holder = try ARPProbe.conflict(for: IPv4Address(10, 77, 0, 60), on: client)
            let elapsed = Self.seconds(since: started)
            print("ARPProbeTests: no conflict for 10.77.0.60 after \(elapsed) s (3 probes 200 ms apart, 200 ms after)")
            XCTAssertNil(holder)
            XCTAssertGreaterThanOrEqual(elapsed, 0.5)
            XCTAssertLessThanOrEqual(elapsed, 1.5)
        }
    }

    /// The kernel's refusal and a link without a hardware address come back as one line.
    func testErrorsNameTheLink() throws {
        try inProbeLab { client in
            var gone = client
            gone.index = Int32.max
            XCTAssertThrowsError(try ARPProbe.conflict(for: IPv4Address(10, 77, 0, 60), on: gone)) {
                XCTAssertTrue("\($0)".hasPrefix("bind ARP socket to client0 (index 2147483647)"), "\($0)")
                XCTAssertTrue("\($0)".contains("ENODEV"), "\($0)")
            }
            var bare = client
            bare.mac = []
            XCTAssertThrowsError(try ARPProbe.conflict(for: IPv4Address(10, 77, 0, 60), on: bare)) {
                XCTAssertEqual("\($0)", "probe for 10.77.0.60 on client0: the link has no Ethernet address (found 0 bytes)")
            }
        }
    }

    static func seconds(since start: Uptime) -> Double {
        Double(Uptime.now().nanoseconds - start.nanoseconds) / 1e9
    }
}
