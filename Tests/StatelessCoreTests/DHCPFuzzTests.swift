@testable import StatelessCore
@testable import StatelessProtocols
import DHCPFixtures
import XCTest

/// Seeded random and mutated packets for the DHCP decoder and the client that reads
/// them: anyone on the link can send them to PID 1. The only acceptable outcomes are a
/// value or a `DHCPDecodingError`; a decoded message must re-encode to itself. The suite
/// runs a few thousand inputs; `Tests/fuzz` runs 10⁶ (same knobs as FuzzTests).
final class DHCPFuzzTests: XCTestCase {
    typealias Generator = FuzzTests.SeededGenerator

    /// Golden ACK and DISCOVER, and a reply whose options continue in file and sname.
    static let corpus: [[UInt8]] = [
        DHCPCodecTests.ackBytes,
        DHCPCodecTests.discoverBytes,
        {
            var bytes = DHCPCodecTests.ackBytes.prefix(240) + [53, 1, 2, 54, 4, 192, 168, 1, 1, 52, 1, 3, 255]
            bytes.replaceSubrange(44..<52, with: [15, 3, 0x6C, 0x61, 0x62, 255, 0, 0])
            bytes.replaceSubrange(108..<122, with: [121, 5, 0, 10, 0, 0, 1, 51, 4, 0, 0, 0, 60, 255])
            return Array(bytes)
        }(),
    ]

    /// Bytes that mean something to the decoder: pad, end, overload and its values,
    /// lengths around the field sizes, the codes with fixed sizes.
    static let interesting: [UInt8] = [0, 255, 52, 1, 2, 3, 4, 5, 6, 16, 17, 32, 33, 53, 121, 127, 128, 254]

    func byte(_ generator: inout Generator) -> UInt8 {
        Bool.random(using: &generator)
            ? Self.interesting[Int.random(in: 0..<Self.interesting.count, using: &generator)]
            : UInt8.random(in: 0...255, using: &generator)
    }

    /// Mostly a header with the cookie and options that are well framed more often than
    /// not, so the inputs get past the first checks to the option parsers; sometimes any
    /// bytes of any length.
    func randomPacket(_ generator: inout Generator) -> [UInt8] {
        if Int.random(in: 0..<8, using: &generator) == 0 {
            return (0..<Int.random(in: 0...1600, using: &generator)).map { _ in byte(&generator) }
        }
        var bytes = (0..<236).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[0] = UInt8.random(in: 1...2, using: &generator)
        bytes[2] = UInt8.random(in: 0...17, using: &generator)
        bytes += DHCPMessage.magicCookie
        for _ in 0..<Int.random(in: 0...12, using: &generator) {
            let payload = (0..<Int.random(in: 0...9, using: &generator)).map { _ in byte(&generator) }
            let length = Int.random(in: 0..<4, using: &generator) == 0 ? byte(&generator) : UInt8(payload.count)
            bytes += [byte(&generator), length] + payload
        }
        return bytes + (Int.random(in: 0..<4, using: &generator) == 0 ? [] : [255])
    }

    func mutated(_ generator: inout Generator) -> [UInt8] {
        var bytes = Self.corpus[Int.random(in: 0..<Self.corpus.count, using: &generator)]
        for _ in 0..<Int.random(in: 1...3, using: &generator) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<5, using: &generator) {
            case 0: bytes.insert(byte(&generator), at: position)
            case 1: if !bytes.isEmpty { bytes.remove(at: position) }
            case 2: if !bytes.isEmpty { bytes[position] = byte(&generator) }
            case 3: bytes.removeLast(Int.random(in: 0...bytes.count - position, using: &generator))
            default:
                let other = Self.corpus[Int.random(in: 0..<Self.corpus.count, using: &generator)]
                let start = Int.random(in: 0..<other.count, using: &generator)
                bytes.insert(contentsOf: other[start...].prefix(24), at: position)
            }
        }
        return bytes
    }

    func testDecoderAndClient() throws {
        var generator = Generator(state: FuzzTests.seed &+ 3)
        var client = DHCPFixtures.client()
        var decoded = 0
        var bound = 0
        for index in 0..<FuzzTests.inputCount {
            let bytes = index % 2 == 0 ? randomPacket(&generator) : mutated(&generator)
            if let message = try? DHCPMessage(decoding: bytes) {
                decoded += 1
                // Overloaded options move into the options field and text may grow,
                // so the second pass has no size limit.
                XCTAssertEqual(try DHCPMessage(decoding: message.encoded(), maximumSize: .max), message)
            }
            // The client, in whichever state the previous inputs left it.
            if index % 1000 == 0 || client.state == .bound { client = DHCPFixtures.client() }
            let now = DHCPFixtures.time(Double(index % 1000))
            _ = client.handle(client.state == .stopped ? .start : .received(bytes), at: now)
            if client.state == .checking, client.handle(.addressFree, at: now).isEmpty == false { bound += 1 }
        }
        XCTAssertGreaterThan(decoded, FuzzTests.inputCount / 20, "enough inputs must decode to reach the option parsers")
        print("fuzz: \(FuzzTests.inputCount) DHCP packets, \(decoded) decoded, \(bound) leases bound by the client")
    }

    /// The ARP verdict reads every frame on the link during a probe: random frames, and a
    /// probe frame with a few bytes changed (so ARP headers are often well formed).
    func testARPVerdict() throws {
        var generator = Generator(state: FuzzTests.seed &+ 5)
        let ours = try XCTUnwrap(MACAddress(parsing: "52:54:00:12:34:56"))
        let candidate = IPv4Address(10, 0, 2, 15)
        let probe = ARPPacket.probe(for: candidate, from: try XCTUnwrap(MACAddress(parsing: "02:00:00:00:00:09")))
        var conflicts = 0
        for index in 0..<FuzzTests.inputCount {
            var frame: [UInt8]
            if index % 2 == 0 {
                frame = (0..<Int.random(in: 0...64, using: &generator)).map { _ in byte(&generator) }
            } else {
                frame = probe
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    frame[Int.random(in: 0..<frame.count, using: &generator)] = byte(&generator)
                }
                if Bool.random(using: &generator) { frame.removeLast(Int.random(in: 0...frame.count, using: &generator)) }
            }
            if case .conflict = ARPPacket.verdict(on: frame, probing: candidate, ourMAC: ours) { conflicts += 1 }
        }
        XCTAssertGreaterThan(conflicts, 0, "some mutated probes must still be conflicts")
        print("fuzz: \(FuzzTests.inputCount) ARP frames, \(conflicts) conflicts")
    }
}
