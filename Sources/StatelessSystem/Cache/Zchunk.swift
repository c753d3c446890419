import CZck
import Glibc
import StatelessCore
import SystemPackage

/// A zchunk file through libzck (Fedora's delta format): its header lists every chunk's
/// offset, size and SHA-512/128; libzck checks chunks, finds the ones an older local file
/// already has and copies them across. The bytes still missing are ours to fetch
/// (ReleaseSync), by range, into the file at the offsets the header gives.
package final class ZchunkFile {
    package let path: String
    private let descriptor: FileDescriptor
    private var context: OpaquePointer?

    /// A chunk's place in the file (absolute offsets) and whether its bytes there check.
    package struct Chunk: Equatable {
        package var start: UInt64
        package var length: UInt64
        package var valid: Bool
    }

    /// Opens `path` and reads its lead and header (libzck checks the header's own
    /// checksum). `writable`: chunks will be written into it (a slot being filled).
    package init(_ path: String, writable: Bool) throws {
        self.path = path
        descriptor = try Posix.open(path, writable ? .readWrite : .readOnly)
        guard let context = zck_create() else {
            try? descriptor.close()
            throw BootError("read zchunk header", path, detail: "libzck could not make a context (out of memory?)")
        }
        self.context = context
        guard zck_init_adv_read(context, descriptor.rawValue), zck_read_lead(context), zck_read_header(context) else {
            let why = Self.error(context)
            close()
            throw BootError("read zchunk header", path, detail: "libzck: \(why)")
        }
    }

    deinit { close() }

    private func close() {
        if context != nil { zck_free(&context) }
        try? descriptor.close()
    }

    private static func error(_ context: OpaquePointer?) -> String {
        guard let context, let text = zck_get_error(context) else { return "no reason given" }
        let said = String(cString: text).trimmingNewline()
        zck_clear_error(context)
        return said.isEmpty ? "no reason given" : said
    }

    /// The SHA-256 of the data, as the header states it (hex).
    package var dataDigest: String {
        guard let digest = zck_get_data_digest(context) else { return "" }
        defer { free(digest) }
        return String(cString: digest)
    }

    package var chunks: [Chunk] {
        var found: [Chunk] = []
        var chunk = zck_get_first_chunk(context)
        while let current = chunk {
            let length = zck_get_chunk_comp_size(current)
            if length > 0 {
                found.append(Chunk(start: UInt64(zck_get_chunk_start(current)), length: UInt64(length), valid: zck_get_chunk_valid(current) == 1))
            }
            chunk = zck_get_next_chunk(current)
        }
        return found
    }

    /// Checks every chunk's bytes in the file against the header; true when all match.
    /// A chunk that does not is marked missing (a slot half filled before a power cut).
    @discardableResult
    package func checkChunks() throws -> Bool {
        let result = zck_find_valid_chunks(context)
        guard result != 0 else { throw BootError("check zchunk data", path, detail: "libzck: \(Self.error(context))") }
        return result == 1
    }

    /// Copies into this file every chunk `source` has that this one still misses.
    package func copyChunks(from source: ZchunkFile) throws {
        guard zck_copy_chunks(source.context, context) else {
            throw BootError("copy chunks", "\(source.path) to \(path)", detail: "libzck: \(Self.error(context))")
        }
    }
}
