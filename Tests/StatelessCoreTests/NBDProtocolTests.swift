@testable import StatelessCore
@testable import StatelessProtocols
import XCTest

/// The nbd transmission protocol as the bridge reads it from the kernel: requests split
/// anywhere across reads, writes with their data, and streams no kernel sends.
final class NBDProtocolTests: XCTestCase {
    typealias Request = NBD.Request

    static let requests = [
        Request(command: .read, forceUnitAccess: false, handle: 1, offset: 0, length: 4096),
        Request(command: .write, forceUnitAccess: true, handle: 0xdead_beef_0000_0002, offset: 8192, length: 1024,
                payload: (0..<1024).map { UInt8(truncatingIfNeeded: $0 * 7) }),
        Request(command: .flush, forceUnitAccess: false, handle: 3, offset: 0, length: 0),
        Request(command: .trim, forceUnitAccess: false, handle: 4, offset: 1 << 40, length: 1 << 20),
        Request(command: .disconnect, forceUnitAccess: false, handle: 5, offset: 0, length: 0),
    ]

    static var stream: [UInt8] { requests.flatMap { $0.encodedHeader() + $0.payload } }

    func testRequestsSplitAnywhereComeOutWhole() throws {
        let stream = Self.stream
        for chunk in [1, 3, 27, 28, 29, 1000, stream.count] {
            var reader = NBD.RequestReader()
            var decoded: [Request] = []
            var offset = 0
            while offset < stream.count {
                reader.append(stream[offset..<min(offset + chunk, stream.count)])
                offset += chunk
                while let request = try reader.next() { decoded.append(request) }
            }
            XCTAssertEqual(decoded, Self.requests, "chunks of \(chunk)")
        }
    }

    func testBrokenStreamsAreErrors() {
        var badMagic = Self.requests[0].encodedHeader()
        badMagic[0] ^= 0xff
        var unknownCommand = Self.requests[0].encodedHeader()
        unknownCommand[7] = 9
        var huge = Self.requests[0].encodedHeader()
        huge.replaceSubrange(24..<28, with: [0x7f, 0xff, 0xff, 0xff])
        for (name, bytes) in [("magic", badMagic), ("command", unknownCommand), ("length", huge)] {
            var reader = NBD.RequestReader()
            reader.append(bytes)
            XCTAssertThrowsError(try reader.next(), name)
        }
        // A write whose data has not all arrived is not a request yet.
        var reader = NBD.RequestReader()
        let write = Self.requests[1]
        reader.append(write.encodedHeader() + write.payload.dropLast())
        XCTAssertNil(try reader.next())
    }

    func testReplyHeader() {
        let header = NBD.replyHeader(handle: 0x0102_0304_0506_0708, error: 5)
        XCTAssertEqual(header.count, NBD.replyHeaderSize)
        XCTAssertEqual(Array(header[0..<8]), [0x67, 0x44, 0x66, 0x98, 0, 0, 0, 5])
        // The handle goes back byte for byte as it came.
        var handle: UInt64 = 0
        withUnsafeMutableBytes(of: &handle) { $0.copyBytes(from: header[8..<16]) }
        XCTAssertEqual(handle, 0x0102_0304_0506_0708)
    }

    func testRequestsOutsideTheExport() {
        func request(_ offset: UInt64, _ length: UInt32) -> Request {
            Request(command: .read, forceUnitAccess: false, handle: 0, offset: offset, length: length)
        }
        XCTAssertTrue(NBD.isInside(request(0, 4096), blockSize: 512, blockCount: 8))
        XCTAssertFalse(NBD.isInside(request(512, 4096), blockSize: 512, blockCount: 8))
        XCTAssertFalse(NBD.isInside(request(100, 512), blockSize: 512, blockCount: 8))
        XCTAssertFalse(NBD.isInside(request(0, 100), blockSize: 512, blockCount: 8))
        XCTAssertFalse(NBD.isInside(request(UInt64.max - 511, 1024), blockSize: 512, blockCount: .max / 512))
    }
}
