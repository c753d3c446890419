import Foundation

/// Random access to bytes, so the ELF reader can pick a few hundred bytes of section
/// headers and `.modinfo` out of a multi-megabyte module without reading all of it, and
/// can be tested on an in-memory array.
public protocol ByteSource {
    var byteCount: Int { get }
    /// Exactly `count` bytes at `offset`; the caller has already checked the range.
    func bytes(at offset: Int, count: Int) throws -> [UInt8]
}

extension Array: ByteSource where Element == UInt8 {
    public var byteCount: Int { count }
    public func bytes(at offset: Int, count: Int) throws -> [UInt8] {
        Array(self[offset..<offset + count])
    }
}

/// A file read on demand through a file handle.
public final class FileByteSource: ByteSource {
    public let path: String
    public let byteCount: Int
    private let handle: FileHandle

    public init(path: String) throws {
        self.path = path
        do {
            handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            let end = try handle.seekToEnd()
            guard let size = Int(exactly: end) else {
                throw ImageError("open", path, "file too large")
            }
            byteCount = size
        } catch let error as ImageError {
            throw error
        } catch {
            throw ImageError("open", path, error.localizedDescription)
        }
    }

    deinit { try? handle.close() }

    public func bytes(at offset: Int, count: Int) throws -> [UInt8] {
        do {
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: count) ?? Data()
            guard data.count == count else {
                throw ImageError("read", path, "short read at offset \(offset): \(data.count) of \(count) bytes")
            }
            return [UInt8](data)
        } catch let error as ImageError {
            throw error
        } catch {
            throw ImageError("read", path, error.localizedDescription)
        }
    }
}
