@testable import StatelessCore
@testable import StatelessProtocols
import DHCPFixtures
import XCTest

/// Packets a broken or hostile network sends: each must end in the error that names
/// what was wrong, never in a trap (a trap in PID 1 is a kernel panic).
final class DHCPHostileInputTests: XCTestCase {
    typealias Codec = DHCPCodecTests

    /// What goes into the options, sname and file fields of a test packet.
    struct Fields: CustomStringConvertible {
        var options: [UInt8]
        var sname: [UInt8]? = nil
        var file: [UInt8]? = nil
        var description: String { "options \(options) sname \(sname ?? []) file \(file ?? [])" }
    }

    func decodingError(_ bytes: [UInt8], maximumSize: Int = DHCPMessage.maximumSize) -> DHCPDecodingError? {
        do {
            _ = try DHCPMessage(decoding: bytes, maximumSize: maximumSize)
            return nil
        } catch {
            return error
        }
    }

    /// The golden ACK's header and cookie with other options.
    func packet(options: [UInt8], sname: [UInt8]? = nil, file: [UInt8]? = nil) -> [UInt8] {
        var bytes = Array(Codec.ackBytes.prefix(240)) + options
        if let sname { bytes.replaceSubrange(44..<108, with: DHCPMessage.field(sname, size: 64)) }
        if let file { bytes.replaceSubrange(108..<236, with: DHCPMessage.field(file, size: 128)) }
        return bytes
    }

    func testHeaderChecks() {
        XCTAssertEqual(decodingError([]), .tooShort(0))
        XCTAssertEqual(decodingError(Codec.ackBytes + Codec.zeros(1173)), .tooLong(1473, limit: 1472))
        XCTAssertEqual(decodingError(Codec.ackBytes, maximumSize: 299), .tooLong(300, limit: 299))
        var bytes = Codec.ackBytes
        bytes[0] = 3
        XCTAssertEqual(decodingError(bytes), .badOp(3))
        bytes = Codec.ackBytes
        bytes[2] = 17
        XCTAssertEqual(decodingError(bytes), .badHardwareAddressLength(17))
        bytes = Codec.ackBytes
        bytes[239] = 0
        XCTAssertEqual(decodingError(bytes), .badMagicCookie([99, 130, 83, 0]))
        XCTAssertEqual(decodingError(bytes)?.description,
                       "magic cookie 99.130.83.0, expected 99.130.83.99 (a BOOTP packet, not DHCP)")
    }

    /// Every prefix of the ACK: too short for the header, then cut inside the options
    /// (an overrun or no end), then whole once the end option is in.
    func testTruncatedAtEveryLength() throws {
        let end = try XCTUnwrap(Codec.ackBytes.lastIndex(of: 255))
        for length in 0..<Codec.ackBytes.count {
            let prefix = Array(Codec.ackBytes.prefix(length))
            switch length {
            case ..<240: XCTAssertEqual(decodingError(prefix), .tooShort(length))
            case ...end:
                switch decodingError(prefix) {
                case .optionOverrun?, .missingEnd(.options)?: break
                case let other: XCTFail("length \(length): \(String(describing: other))")
                }
            default: XCTAssertEqual(try DHCPMessage(decoding: prefix), Codec.ack, "length \(length)")
            }
        }
    }

    func testBadOptionLengths() {
        let cases: [([UInt8], DHCPDecodingError)] = [
            ([1, 3, 255, 255, 255, 255], .badOption(.subnetMask, "length 3, expected 4")),
            ([3, 5, 1, 2, 3, 4, 5, 255], .badOption(.router, "length 5, expected a multiple of 4")),
            ([51, 2, 0, 1, 255], .badOption(.leaseTime, "length 2, expected 4")),
            ([53, 0, 255], .badOption(.messageType, "length 0, expected 1")),
            ([26, 1, 9, 255], .badOption(.interfaceMTU, "length 1, expected 2")),
            // Two message types are one of length 2 (RFC 3396 joins repeated options).
            ([53, 1, 5, 53, 1, 5, 255], .badOption(.messageType, "length 2, expected 1")),
            ([121, 5, 33, 1, 2, 3, 4, 255], .badOption(.classlessStaticRoutes, "route 1: prefix length 33 over 32")),
            ([121, 7, 0, 1, 2, 3, 4, 24, 10, 255], .badOption(.classlessStaticRoutes, "route 2: needs 8 bytes, 2 left")),
            ([3, 9, 1, 2, 3, 4, 255], .optionOverrun(.router, field: .options, offset: 0)),
            ([0, 0, 6], .optionOverrun(.domainNameServer, field: .options, offset: 2)),
            ([53, 1, 5], .missingEnd(.options)),
            ([53, 1, 5, 0, 0, 0], .missingEnd(.options)),
        ]
        for (options, expected) in cases {
            XCTAssertEqual(decodingError(packet(options: options)), expected, "\(options)")
        }
        XCTAssertEqual(DHCPDecodingError.optionOverrun(.router, field: .file, offset: 7).description,
                       "option 3 at byte 7 of the file field runs past its end")
    }

    func testOverloadReadsFileThenSname() throws {
        let both = packet(options: [53, 1, 5, 52, 1, 3, 6, 4, 1, 1, 1, 1, 255],
                          sname: [15, 3] + Array("lab".utf8) + [255], file: [6, 4, 9, 9, 9, 9, 12, 2, 0x68, 0x31, 255])
        let message = try DHCPMessage(decoding: both)
        // DNS from the options field and from file joined, in that order (RFC 3396).
        XCTAssertEqual(message.options, [
            .messageType(.ack), .domainNameServers([IPv4Address(1, 1, 1, 1), IPv4Address(9, 9, 9, 9)]),
            .hostName("h1"), .domainName("lab"),
        ])
        XCTAssertEqual(message.sname, [])
        XCTAssertEqual(message.file, [])
        // Re-encoded, every option is in the options field, and it decodes the same.
        XCTAssertEqual(try DHCPMessage(decoding: message.encoded()), message)

        let fileOnly = try DHCPMessage(decoding: packet(options: [52, 1, 1, 255], sname: Array("srv".utf8), file: [67, 3, 0x61, 0x2E, 0x62, 255]))
        XCTAssertEqual(fileOnly.options, [.bootfileName("a.b")])
        XCTAssertEqual(fileOnly.sname, Array("srv".utf8))

        // Option 52 inside an overloaded field does not count.
        let nested = try DHCPMessage(decoding: packet(options: [52, 1, 1, 255], sname: [1, 200], file: [52, 1, 2, 255]))
        XCTAssertEqual(nested.options, [])
    }

    func testOverloadErrors() {
        let cases: [(Fields, DHCPDecodingError)] = [
            (.init(options: [52, 1, 1, 255], file: [12, 200, 1]), .optionOverrun(.hostName, field: .file, offset: 0)),
            (.init(options: [52, 1, 1, 255], file: [12, 1, 0x61]), .missingEnd(.file)),
            (.init(options: [52, 1, 2, 255], sname: [0, 0, 3, 4, 1, 1, 1, 1]), .missingEnd(.sname)),
            (.init(options: [52, 1, 4, 255]), .badOption(.overload, "value 4, expected 1, 2 or 3")),
            (.init(options: [52, 1, 0, 255]), .badOption(.overload, "value 0, expected 1, 2 or 3")),
            (.init(options: [52, 2, 1, 1, 255]), .badOption(.overload, "length 2, expected 1")),
            (.init(options: [52, 0, 255]), .badOption(.overload, "length 0, expected 1")),
        ]
        for (fields, expected) in cases {
            XCTAssertEqual(decodingError(packet(options: fields.options, sname: fields.sname, file: fields.file)), expected, "\(fields)")
        }
    }

    /// Replies to another exchange or another client, requests from other clients,
    /// packets without a message type and garbage: counted, never acted on.
    func testClientIgnoresWhatIsNotItsReply() throws {
        var client = DHCPFixtures.client()
        _ = client.handle(.start, at: DHCPFixtures.time(0))
        let offer = DHCPFixtures.offer(xid: Codec.xid)
        var otherXid = offer
        otherXid.xid &+= 1
        var otherClient = offer
        otherClient.chaddr = [2, 0, 0, 0, 0, 1]
        var request = offer
        request.op = .request
        var untyped = offer
        untyped.options = [.serverIdentifier(IPv4Address(192, 168, 1, 1))]
        for bytes in [otherXid.encoded(), otherClient.encoded(), request.encoded(), untyped.encoded(),
                      Array(Codec.ackBytes.prefix(250)), Codec.zeros(2000)] {
            XCTAssertEqual(client.handle(.received(bytes), at: DHCPFixtures.time(1)), [])
        }
        XCTAssertEqual(client.state, .selecting)
        XCTAssertEqual(client.received.description, "1 packets ignored (another transaction id), "
            + "1 packets ignored (another hardware address), 1 packets ignored (a request, not a reply), "
            + "1 packets ignored (no message type), 1 malformed packets (option 51 at byte 9 of the options field runs past its end), "
            + "1 malformed packets (2000 bytes, over the limit of 1472)")
    }
}
