@testable import StatelessCore
@testable import StatelessProtocols
import DHCPFixtures
import XCTest

/// The DHCP codec against bytes written by hand from RFC 2131's layout (section 2: op,
/// htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr, giaddr, chaddr, sname,
/// file, then the magic cookie and options) and RFC 2132's option formats.
final class DHCPCodecTests: XCTestCase {
    static func zeros(_ count: Int) -> [UInt8] { Array(repeating: 0, count: count) }

    static let mac = DHCPFixtures.mac
    static let xid = DHCPFixtures.xid

    /// A DISCOVER as the client sends it (see DHCPClientTests): broadcast flag, client
    /// identifier 1+MAC, max size 1472, vendor class "stateless", our request list.
    static let discoverBytes: [UInt8] =
        [0x01, 0x01, 0x06, 0x00] // op BOOTREQUEST, htype Ethernet, hlen 6, hops 0
        + [0x39, 0x03, 0xF3, 0x26] // xid
        + [0x00, 0x00, 0x80, 0x00] // secs 0, flags BROADCAST
        + zeros(16) // ciaddr, yiaddr, siaddr, giaddr
        + [0x52, 0x54, 0x00, 0x12, 0x34, 0x56] + zeros(10) // chaddr, 16 bytes
        + zeros(64) + zeros(128) // sname, file
        + [0x63, 0x82, 0x53, 0x63] // magic cookie
        + [0x35, 0x01, 0x01] // 53 message type: DISCOVER
        + [0x50, 0x00] // 80 Rapid Commit (RFC 4039), no payload
        + [0x3D, 0x07, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56] // 61 client identifier
        + [0x39, 0x02, 0x05, 0xC0] // 57 max message size 1472
        + [0x3C, 0x09, 0x73, 0x74, 0x61, 0x74, 0x65, 0x6C, 0x65, 0x73, 0x73] // 60 "stateless"
        + [0x37, 0x0D, 0x01, 0x03, 0x06, 0x0C, 0x0F, 0x11, 0x1A, 0x1C, 0x3A, 0x3B, 0x42, 0x43, 0x79] // 55
        + [0xFF] + zeros(15) // end, pad to 300

    static let discover: DHCPMessage = {
        var message = DHCPMessage(op: .request, xid: xid, chaddr: mac, options: [
            .messageType(.discover), .other(.rapidCommit, []), .clientIdentifier([1] + mac), .maximumMessageSize(1472),
            .vendorClassIdentifier(Array("stateless".utf8)), .parameterRequestList(DHCPClient.requestedOptions),
        ])
        message.flags = .broadcast
        return message
    }()

    /// An ACK for 192.168.1.50 from 192.168.1.1 with a PXE boot file in the file field.
    static let ackBytes: [UInt8] =
        [0x02, 0x01, 0x06, 0x00] // op BOOTREPLY
        + [0x39, 0x03, 0xF3, 0x26] + [0x00, 0x00, 0x80, 0x00]
        + zeros(4) + [0xC0, 0xA8, 0x01, 0x32] + [0xC0, 0xA8, 0x01, 0x01] + zeros(4) // yiaddr, siaddr
        + [0x52, 0x54, 0x00, 0x12, 0x34, 0x56] + zeros(10)
        + zeros(64)
        + [0x70, 0x78, 0x65, 0x6C, 0x69, 0x6E, 0x75, 0x78, 0x2E, 0x30] + zeros(118) // file "pxelinux.0"
        + [0x63, 0x82, 0x53, 0x63]
        + [0x35, 0x01, 0x05] // ACK
        + [0x36, 0x04, 0xC0, 0xA8, 0x01, 0x01] // 54 server identifier
        + [0x33, 0x04, 0x00, 0x00, 0x0E, 0x10] // 51 lease 3600 s
        + [0x01, 0x04, 0xFF, 0xFF, 0xFF, 0x00] // 1 subnet mask
        + [0x03, 0x04, 0xC0, 0xA8, 0x01, 0x01] // 3 router
        + [0x06, 0x08, 0xC0, 0xA8, 0x01, 0x01, 0x08, 0x08, 0x08, 0x08] // 6 DNS, two
        + [0x0F, 0x03, 0x6C, 0x61, 0x62] // 15 domain "lab"
        + [0x79, 0x0D, 0x18, 0x0A, 0x00, 0x05, 0xC0, 0xA8, 0x01, 0xFE, 0x00, 0xC0, 0xA8, 0x01, 0x01] // 121
        + [0xFF] + zeros(2)

    static let ack: DHCPMessage = {
        var message = DHCPMessage(op: .reply, xid: xid, chaddr: mac, options: [
            .messageType(.ack), .serverIdentifier(IPv4Address(192, 168, 1, 1)), .leaseTime(3600),
            .subnetMask(IPv4Address(255, 255, 255, 0)), .routers([IPv4Address(192, 168, 1, 1)]),
            .domainNameServers([IPv4Address(192, 168, 1, 1), IPv4Address(8, 8, 8, 8)]), .domainName("lab"),
            .classlessStaticRoutes([
                DHCPRoute(destination: IPv4Address(10, 0, 5, 0), prefixLength: 24, router: IPv4Address(192, 168, 1, 254)),
                DHCPRoute(destination: .any, prefixLength: 0, router: IPv4Address(192, 168, 1, 1)),
            ]),
        ])
        message.flags = .broadcast
        message.yiaddr = IPv4Address(192, 168, 1, 50)
        message.siaddr = IPv4Address(192, 168, 1, 1)
        message.file = Array("pxelinux.0".utf8)
        return message
    }()

    func testGoldenDiscover() throws {
        XCTAssertEqual(Self.discoverBytes.count, 300)
        XCTAssertEqual(Self.discover.encoded(), Self.discoverBytes)
        XCTAssertEqual(try DHCPMessage(decoding: Self.discoverBytes), Self.discover)
    }

    func testGoldenAckAndItsLease() throws {
        XCTAssertEqual(Self.ackBytes.count, 300)
        XCTAssertEqual(Self.ack.encoded(), Self.ackBytes)
        XCTAssertEqual(try DHCPMessage(decoding: Self.ackBytes), Self.ack)

        let start = Uptime(nanoseconds: 5_000_000_000)
        let lease = try XCTUnwrap(DHCPLease(ack: Self.ack, server: IPv4Address(192, 168, 1, 1), start: start))
        XCTAssertEqual(lease.address, IPv4Address(192, 168, 1, 50))
        XCTAssertEqual(lease.prefixLength, 24)
        XCTAssertEqual(lease.dnsServers.map(\.description), ["192.168.1.1", "8.8.8.8"])
        XCTAssertEqual(lease.domainName, "lab")
        XCTAssertEqual(lease.nextServer, IPv4Address(192, 168, 1, 1))
        XCTAssertEqual(lease.bootfileName, "pxelinux.0")
        XCTAssertNil(lease.tftpServerName)
        // Option 121 replaces the router option (RFC 3442).
        XCTAssertEqual(lease.routes.map(\.description), ["10.0.5.0/24 via 192.168.1.254", "0.0.0.0/0 via 192.168.1.1"])
        XCTAssertEqual([lease.renewalTime, lease.rebindingTime, lease.leaseTime], [1800, 3150, 3600])
        XCTAssertEqual(lease.renewalAt, Uptime(nanoseconds: 1805_000_000_000))
        XCTAssertEqual(lease.expiresAt, Uptime(nanoseconds: 3605_000_000_000))
    }

    /// Each typed option: its exact wire bytes, and back to the same value.
    func testEveryOptionRoundTrips() throws {
        let long = (0..<300).map { UInt8(truncatingIfNeeded: $0) }
        let table: [(DHCPOption, [UInt8])] = [
            (.subnetMask(IPv4Address(255, 255, 252, 0)), [1, 4, 255, 255, 252, 0]),
            (.routers([IPv4Address(10, 0, 0, 1), IPv4Address(10, 0, 0, 2)]), [3, 8, 10, 0, 0, 1, 10, 0, 0, 2]),
            (.domainNameServers([IPv4Address(1, 1, 1, 1)]), [6, 4, 1, 1, 1, 1]),
            (.hostName("node7"), [12, 5] + Array("node7".utf8)),
            (.domainName("example.org"), [15, 11] + Array("example.org".utf8)),
            (.rootPath("10.0.0.1:/srv/root"), [17, 18] + Array("10.0.0.1:/srv/root".utf8)),
            (.interfaceMTU(9000), [26, 2, 0x23, 0x28]),
            (.broadcastAddress(IPv4Address(10, 0, 0, 255)), [28, 4, 10, 0, 0, 255]),
            (.requestedAddress(IPv4Address(10, 0, 0, 9)), [50, 4, 10, 0, 0, 9]),
            (.leaseTime(86400), [51, 4, 0, 1, 0x51, 0x80]),
            (.leaseTime(DHCPLease.infinite), [51, 4, 255, 255, 255, 255]),
            (.messageType(.nak), [53, 1, 6]),
            (.messageType(DHCPMessageType(rawValue: 9)), [53, 1, 9]),
            (.serverIdentifier(IPv4Address(10, 0, 0, 1)), [54, 4, 10, 0, 0, 1]),
            (.parameterRequestList([.subnetMask, .router, .classlessStaticRoutes]), [55, 3, 1, 3, 121]),
            (.message("wrong network"), [56, 13] + Array("wrong network".utf8)),
            (.maximumMessageSize(576), [57, 2, 0x02, 0x40]),
            (.renewalTime(43200), [58, 4, 0, 0, 0xA8, 0xC0]),
            (.rebindingTime(75600), [59, 4, 0, 1, 0x27, 0x50]),
            (.vendorClassIdentifier(Array("stateless".utf8)), [60, 9] + Array("stateless".utf8)),
            (.clientIdentifier([1] + Self.mac), [61, 7, 1] + Self.mac),
            (.tftpServerName("tftp.lab"), [66, 8] + Array("tftp.lab".utf8)),
            (.bootfileName("ipxe.efi"), [67, 8] + Array("ipxe.efi".utf8)),
            (.classlessStaticRoutes([
                DHCPRoute(destination: .any, prefixLength: 0, router: IPv4Address(10, 0, 0, 1)),
                DHCPRoute(destination: IPv4Address(10, 0, 0, 0), prefixLength: 8, router: .any),
                DHCPRoute(destination: IPv4Address(192, 168, 7, 128), prefixLength: 25, router: IPv4Address(10, 0, 0, 3)),
                DHCPRoute(destination: IPv4Address(172, 16, 1, 2), prefixLength: 32, router: IPv4Address(10, 0, 0, 4)),
            ]), [121, 29, 0, 10, 0, 0, 1, 8, 10, 0, 0, 0, 0, 25, 192, 168, 7, 128, 10, 0, 0, 3,
                 32, 172, 16, 1, 2, 10, 0, 0, 4]),
            (.other(DHCPOptionCode(224), [1, 2, 3]), [224, 3, 1, 2, 3]),
            (.other(DHCPOptionCode(43), []), [43, 0]),
            // Longer than 255: two options of the same code, joined again (RFC 3396).
            (.other(DHCPOptionCode(250), long), [250, 255] + long.prefix(255) + [250, 45] + long.suffix(45)),
        ]
        for (option, wire) in table {
            let message = DHCPMessage(op: .reply, xid: 1, chaddr: Self.mac, options: [option])
            let bytes = message.encoded()
            XCTAssertEqual(Array(bytes[240..<240 + wire.count]), wire, "\(option)")
            XCTAssertEqual(bytes[240 + wire.count], 255, "end after \(option)")
            XCTAssertEqual(try DHCPMessage(decoding: bytes), message, "\(option)")
        }
    }

    func testHeaderFieldsRoundTrip() throws {
        var message = DHCPMessage(op: .request, xid: 0xDEAD_BEEF, chaddr: Array(1...16), htype: 6)
        message.hops = 3
        message.secs = 0xFFFF
        message.flags = Flags(rawValue: 0x8001)
        message.ciaddr = IPv4Address(1, 2, 3, 4)
        message.giaddr = IPv4Address(5, 6, 7, 8)
        message.sname = Array(repeating: 0x61, count: 64) // no NUL: the whole field
        message.file = [0xFF, 0xFE] // not UTF-8: kept as bytes
        XCTAssertEqual(try DHCPMessage(decoding: message.encoded()), message)
        XCTAssertEqual(message.encoded().count, 300)
    }

    typealias Flags = DHCPMessage.Flags

    func testStringsDropTrailingNULsAndRoutesClearHostBits() throws {
        XCTAssertEqual(try DHCPOption(code: .hostName, payload: Array("node\0\0".utf8)), .hostName("node"))
        XCTAssertEqual(try DHCPOption(code: .domainName, payload: []), .domainName(""))
        // 10.1.2.3/8 on the wire: the significant octet only, so 10.0.0.0/8.
        XCTAssertEqual(try DHCPOption(code: .classlessStaticRoutes, payload: [8, 10, 1, 2, 3, 4]),
                       .classlessStaticRoutes([DHCPRoute(destination: IPv4Address(10, 0, 0, 0), prefixLength: 8, router: IPv4Address(1, 2, 3, 4))]))
        XCTAssertEqual(DHCPRoute(destination: IPv4Address(192, 168, 7, 200), prefixLength: 40, router: .any).description,
                       "192.168.7.200/32 via 0.0.0.0")
        XCTAssertEqual(DHCPRoute(destination: IPv4Address(192, 168, 7, 200), prefixLength: 25, router: .any).destination,
                       IPv4Address(192, 168, 7, 128))
    }

    func testNamesForLogs() {
        XCTAssertEqual(DHCPMessageType.offer.description, "OFFER")
        XCTAssertEqual(DHCPMessageType(rawValue: 13).description, "type 13")
        XCTAssertEqual(DHCPOptionCode.classlessStaticRoutes.description, "option 121")
    }
}
