import Foundation
@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import DHCPFixtures
import XCTest

/// The keeper's pure parts: the lease record it gets through argv, its resumption of a
/// lease, and how it sees that a network manager took over.
final class LeaseKeeperTests: XCTestCase {
    static func record() throws -> LeaseRecord {
        let ack = DHCPFixtures.ack(xid: 7, lease: 600)
        let lease = try XCTUnwrap(DHCPLease(ack: ack, server: DHCPFixtures.server, start: Uptime(nanoseconds: 5_000_000_000)))
        var configuration = DHCPClient.Configuration(hardwareAddress: DHCPFixtures.mac)
        configuration.hostName = "thin-7"
        return LeaseRecord(interface: "eth0", index: 2, lease: lease, configuration: configuration)
    }

    func testRecordRoundTripsThroughArgv() throws {
        let record = try Self.record()
        let words = record.fields.map { "\($0.0)=\($0.1)" }
        XCTAssertTrue(words.allSatisfy { word in word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "=" || $0 == ".") } },
                      "argv words need no quoting: \(words)")
        let read = try XCTUnwrap(LeaseRecord(words))
        XCTAssertEqual(read, record)
        XCTAssertEqual(read.lease, record.lease)
        XCTAssertEqual(read.configuration.hostName, "thin-7")
        XCTAssertEqual(read.configuration.clientIdentifier, [1] + DHCPFixtures.mac)
        XCTAssertEqual(LeaseRecord(record.text.split(separator: "\n")), record, "the lease file reads back too")
    }

    func testHostileRecordsAreRefused() throws {
        let words = try Self.record().fields.map { "\($0.0)=\($0.1)" }
        let cases: [[String]] = [
            [], ["INTERFACE=6574"], words.filter { !$0.hasPrefix("ACK=") },
            words.map { $0.hasPrefix("ACK=") ? "ACK=0" : $0 },  // odd length
            words.map { $0.hasPrefix("ACK=") ? "ACK=zz" : $0 },
            words.map { $0.hasPrefix("ACK=") ? "ACK=" + String($0.dropFirst(4).prefix(100)) : $0 },  // truncated message
            words.map { $0.hasPrefix("INTERFACE=") ? "INTERFACE=" : $0 },
            words.map { $0.hasPrefix("REQUESTED_AT_NS=") ? "REQUESTED_AT_NS=-1" : $0 },
            words.map { $0.hasPrefix("SERVER=") ? "SERVER=10.0.0" : $0 },
            words.map { $0.hasPrefix("INDEX=") ? "INDEX=0" : $0 },
        ]
        for (index, words) in cases.enumerated() {
            XCTAssertNil(LeaseRecord(words), "case \(index)")
        }
    }

    func testResumeWaitsForT1OrRenewsAtOnce() throws {
        let lease = try Self.record().lease  // 600 s from 5 s: T1 at 305 s, T2 at 530 s
        var client = DHCPFixtures.client()
        XCTAssertEqual(client.resume(lease, at: DHCPFixtures.time(10)), [.setTimer(DHCPFixtures.time(305))])
        XCTAssertEqual(client.state, .bound)
        var late = DHCPFixtures.client()
        let actions = late.resume(lease, at: DHCPFixtures.time(400))
        XCTAssertEqual(late.state, .renewing)
        guard case .send(let request, .unicast(DHCPFixtures.server))? = actions.first else {
            return XCTFail("a unicast REQUEST to the server: \(actions)")
        }
        XCTAssertEqual(request.messageType, .request)
        XCTAssertEqual(request.ciaddr, DHCPFixtures.address)
    }

    func testNetworkManagersSeenThroughRun() throws {
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("stateless-run-\(getpid())")
        defer { try? FileManager.default.removeItem(at: run) }
        for directory in ["systemd/netif/links", "NetworkManager/devices"] {
            try FileManager.default.createDirectory(at: run.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        let fd = open(run.path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        let managers = NetworkManagers(run: fd)
        func write(_ path: String, _ text: String) throws {
            try text.write(to: run.appendingPathComponent(path), atomically: true, encoding: .utf8)
        }
        XCTAssertNil(managers.manager(of: "eth0", index: 2))
        try write("systemd/netif/links/2", "# This is private data. Do not parse.\nADMIN_STATE=unmanaged\nOPER_STATE=routable\n")
        XCTAssertNil(managers.manager(of: "eth0", index: 2), "networkd runs but does not manage the link")
        try write("systemd/netif/links/2", "ADMIN_STATE=configuring\n")
        XCTAssertEqual(managers.manager(of: "eth0", index: 2), "systemd-networkd")
        try write("systemd/netif/links/2", "OPER_STATE=routable\nADMIN_STATE=configured\n")
        XCTAssertEqual(managers.manager(of: "eth0", index: 2), "systemd-networkd")
        XCTAssertNil(managers.manager(of: "eth1", index: 3))
        try write("NetworkManager/devices/3", "[device]\nmanaged=false\n")
        XCTAssertNil(managers.manager(of: "eth1", index: 3))
        try write("NetworkManager/devices/3", "[device]\nmanaged=true\n")
        XCTAssertEqual(managers.manager(of: "eth1", index: 3), "NetworkManager")
        try write("dhclient.eth4.pid", "123\n")
        XCTAssertEqual(managers.manager(of: "eth4", index: 4), "dhclient")
    }
}
