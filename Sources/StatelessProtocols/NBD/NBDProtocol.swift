import StatelessCore

/// The transmission phase of the kernel's nbd driver, as the server end of its socket sees
/// it (include/uapi/linux/nbd.h, the NBD protocol's "simple replies"). Pure: the bridge
/// feeds it the bytes it read and writes out the replies it builds.
package enum NBD {
    static let requestMagic: UInt32 = 0x2560_9513
    static let replyMagic: UInt32 = 0x6744_6698
    static let requestSize = 28
    static let replyHeaderSize = 16

    package enum Command: UInt16, Sendable {
        case read = 0, write = 1, disconnect = 2, flush = 3, trim = 4
    }

    /// NBD_FLAG_* of the export, handed to the kernel with the device's configuration.
    package struct ServerFlags: OptionSet, Sendable {
        package let rawValue: UInt64
        package init(rawValue: UInt64) { self.rawValue = rawValue }
        package static let hasFlags = ServerFlags(rawValue: 1 << 0)
        package static let readOnly = ServerFlags(rawValue: 1 << 1)
        package static let sendFlush = ServerFlags(rawValue: 1 << 2)
        package static let sendFUA = ServerFlags(rawValue: 1 << 3)
        package static let sendTrim = ServerFlags(rawValue: 1 << 5)
    }

    /// One request from the kernel. The handle is opaque: it is echoed in the reply.
    package struct Request: Equatable, Sendable {
        package var command: Command
        /// NBD_CMD_FLAG_FUA: the write must be on stable storage before the reply.
        package var forceUnitAccess: Bool
        package var handle: UInt64
        package var offset: UInt64
        package var length: UInt32
        /// A write's data, which follows its header on the socket.
        package var payload: [UInt8] = []
    }

    /// The reply header: `error` is an errno value (0 for success); a read's data follows it.
    package static func replyHeader(handle: UInt64, error: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(replyMagic)
        bytes.appendBigEndian(error)
        withUnsafeBytes(of: handle) { bytes += $0 }
        return bytes
    }

    /// A stream the kernel broke: the bridge can only stop.
    struct ProtocolError: Error, CustomStringConvertible {
        package var description: String
    }

    /// Cuts the byte stream from the kernel into requests: a header and, for a write, its
    /// data, however the reads split them. The kernel never sends more than
    /// `maximumLength` per request (the queue's max_hw_sectors); anything else is a broken
    /// stream, not a request to answer.
    package struct RequestReader {
        static let maximumLength: UInt32 = 32 << 20
        private var buffer: [UInt8] = []
        private var start = 0

        package init() {}

        package mutating func append(_ bytes: some Collection<UInt8>) { buffer += bytes }

        /// The next complete request, nil when more bytes are needed.
        package mutating func next() throws -> Request? {
            let available = buffer.count - start
            guard available >= requestSize else { compact(); return nil }
            let header = buffer[start..<start + requestSize]
            let magic = header.bigEndian(UInt32.self, at: 0)
            guard magic == requestMagic else {
                throw ProtocolError(description: "expected the nbd request magic 0x25609513, found 0x\(String(magic, radix: 16))")
            }
            let type = header.bigEndian(UInt32.self, at: 4)
            guard let command = Command(rawValue: UInt16(truncatingIfNeeded: type)) else {
                throw ProtocolError(description: "unknown nbd command \(type & 0xffff)")
            }
            let length = header.bigEndian(UInt32.self, at: 24)
            guard length <= Self.maximumLength else {
                throw ProtocolError(description: "an nbd request of \(length) bytes, more than the kernel sends (\(Self.maximumLength))")
            }
            let payloadLength = command == .write ? Int(length) : 0
            guard available >= requestSize + payloadLength else { compact(); return nil }
            var handle: UInt64 = 0
            withUnsafeMutableBytes(of: &handle) { $0.copyBytes(from: header.dropFirst(8).prefix(8)) }
            let payloadStart = start + requestSize
            let request = Request(command: command, forceUnitAccess: type & (1 << 16) != 0, handle: handle,
                                  offset: header.bigEndian(UInt64.self, at: 16), length: length,
                                  payload: Array(buffer[payloadStart..<payloadStart + payloadLength]))
            start = payloadStart + payloadLength
            return request
        }

        /// Drops consumed bytes once they are the bulk of the buffer.
        private mutating func compact() {
            guard start > 0, start >= buffer.count / 2 else { return }
            buffer.removeFirst(start)
            start = 0
        }
    }

    /// Whether a request fits the export: whole blocks inside the device. The kernel
    /// only sends such requests; the check guards the target against a broken stream.
    package static func isInside(_ request: Request, blockSize: Int, blockCount: UInt64) -> Bool {
        let size = UInt64(blockSize)
        guard request.offset % size == 0, UInt64(request.length) % size == 0 else { return false }
        let (end, overflow) = request.offset.addingReportingOverflow(UInt64(request.length))
        return !overflow && end <= blockCount * size
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { self += $0 }
    }
}

extension ArraySlice where Element == UInt8 {
    /// The big-endian integer at `offset` from the slice's start.
    package func bigEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        var value: T = 0
        for byte in self[(startIndex + offset)..<(startIndex + offset + MemoryLayout<T>.size)] {
            value = value << 8 | T(byte)
        }
        return value
    }
}

extension NBD.Request {
    /// The header as the kernel's nbd driver sends it (the tests play the kernel with it).
    func encodedHeader() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(NBD.requestMagic)
        bytes.appendBigEndian(UInt32(command.rawValue) | (forceUnitAccess ? 1 << 16 : 0))
        withUnsafeBytes(of: handle) { bytes += $0 }
        bytes.appendBigEndian(offset)
        bytes.appendBigEndian(length)
        return bytes
    }
}
