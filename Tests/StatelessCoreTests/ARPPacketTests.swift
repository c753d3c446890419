@testable import StatelessCore
@testable import StatelessProtocols
import XCTest

/// The RFC 5227 probe frame byte for byte, and the verdict on every kind of frame a LAN
/// (or a hostile host on it) can send while we probe.
final class ARPPacketTests: XCTestCase {
    static let ours = MACAddress(bytes: [0x52, 0x54, 0x00, 0x12, 0x34, 0x56])!
    static let other = MACAddress(bytes: [0x02, 0x00, 0x00, 0x77, 0x00, 0x01])!
    static let candidate = IPv4Address(10, 77, 0, 50)
    static let router = IPv4Address(10, 77, 0, 1)

    /// An Ethernet + ARP frame for IPv4, each field as given.
    static func frame(
        operation: UInt8, sender: MACAddress, senderIP: IPv4Address, targetMAC: [UInt8] = [0, 0, 0, 0, 0, 0],
        targetIP: IPv4Address
    ) -> [UInt8] {
        [UInt8](repeating: 0xff, count: 6) + sender.bytes + [0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0, operation]
            + sender.bytes + senderIP.array + targetMAC + targetIP.array
    }

    func testProbeFrameGoldenBytes() {
        XCTAssertEqual(ARPPacket.probe(for: Self.candidate, from: Self.ours), [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // Ethernet destination: broadcast
            0x52, 0x54, 0x00, 0x12, 0x34, 0x56,  // Ethernet source: ours
            0x08, 0x06,                          // ethertype ARP
            0x00, 0x01, 0x08, 0x00, 6, 4,        // Ethernet, IPv4, lengths 6 and 4
            0x00, 0x01,                          // request
            0x52, 0x54, 0x00, 0x12, 0x34, 0x56,  // sender hardware: ours
            0, 0, 0, 0,                          // sender IP 0.0.0.0: a probe
            0, 0, 0, 0, 0, 0,                    // target hardware: unknown
            10, 77, 0, 50,                       // target IP: the candidate
        ])
        XCTAssertEqual(ARPPacket.probe(for: Self.candidate, from: Self.ours).count, ARPPacket.frameLength)
    }

    func testVerdicts() {
        let conflict = ARPVerdict.conflict(senderMAC: Self.other)
        let table: [(String, [UInt8], ARPVerdict)] = [
            ("reply from the candidate", Self.frame(operation: 2, sender: Self.other, senderIP: Self.candidate,
                                                    targetMAC: Self.ours.bytes, targetIP: .any), conflict),
            ("announcement from the candidate", Self.frame(operation: 1, sender: Self.other, senderIP: Self.candidate,
                                                           targetIP: Self.candidate), conflict),
            ("request from the candidate for another address",
             Self.frame(operation: 1, sender: Self.other, senderIP: Self.candidate, targetIP: Self.router), conflict),
            ("probe for the candidate from another host",
             Self.frame(operation: 1, sender: Self.other, senderIP: .any, targetIP: Self.candidate), conflict),
            ("padded to the Ethernet minimum", Self.frame(operation: 2, sender: Self.other, senderIP: Self.candidate,
                                                          targetIP: .any) + [UInt8](repeating: 0, count: 18), conflict),
            ("our own probe echoed", ARPPacket.probe(for: Self.candidate, from: Self.ours), .unrelated),
            ("our own reply", Self.frame(operation: 2, sender: Self.ours, senderIP: Self.candidate, targetIP: .any), .unrelated),
            ("reply for another address", Self.frame(operation: 2, sender: Self.other, senderIP: Self.router,
                                                     targetMAC: Self.ours.bytes, targetIP: Self.candidate), .unrelated),
            ("probe for another address", Self.frame(operation: 1, sender: Self.other, senderIP: .any, targetIP: Self.router), .unrelated),
            ("a host asking who has the candidate",
             Self.frame(operation: 1, sender: Self.other, senderIP: Self.router, targetIP: Self.candidate), .unrelated),
            ("reply with sender IP 0 is not a probe",
             Self.frame(operation: 2, sender: Self.other, senderIP: .any, targetIP: Self.candidate), .unrelated),
            ("unknown operation from the candidate",
             Self.frame(operation: 3, sender: Self.other, senderIP: Self.candidate, targetIP: .any), .unrelated),
        ]
        for (name, frame, expected) in table {
            XCTAssertEqual(ARPPacket.verdict(on: frame, probing: Self.candidate, ourMAC: Self.ours), expected, name)
        }
    }

    /// A frame that is a conflict when whole, cut at every length and with each header
    /// field of another kind: never a trap, never a conflict.
    func testHostileFramesAreUnrelated() {
        let whole = Self.frame(operation: 2, sender: Self.other, senderIP: Self.candidate, targetIP: .any)
        XCTAssertEqual(ARPPacket.verdict(on: whole, probing: Self.candidate, ourMAC: Self.ours), .conflict(senderMAC: Self.other))
        for length in 0..<ARPPacket.frameLength {
            XCTAssertEqual(ARPPacket.verdict(on: Array(whole.prefix(length)), probing: Self.candidate, ourMAC: Self.ours),
                           .unrelated, "truncated to \(length) bytes")
        }
        let changes: [(String, Int, [UInt8])] = [
            ("ethertype IPv4", 12, [0x08, 0x00]), ("ethertype VLAN", 12, [0x81, 0x00]), ("ethertype RARP", 12, [0x80, 0x35]),
            ("hardware IEEE 802", 14, [0x00, 0x06]), ("protocol IPv6", 16, [0x86, 0xdd]),
            ("hardware length 8", 18, [8]), ("protocol length 16", 19, [16]), ("lengths 0", 18, [0, 0]),
        ]
        for (name, offset, bytes) in changes {
            var frame = whole
            frame.replaceSubrange(offset..<offset + bytes.count, with: bytes)
            XCTAssertEqual(ARPPacket.verdict(on: frame, probing: Self.candidate, ourMAC: Self.ours), .unrelated, name)
        }
    }
}
