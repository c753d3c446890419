import Glibc
import StatelessCore
import SystemPackage

/// Reads and writes at an offset, and a file replaced so that a power cut leaves either
/// the old or the new content (the cache's record, a slot's manifest).
extension Posix {
    /// `count` bytes at `offset` (fewer at the end of the file).
    public static func readBytes(_ path: String, at offset: UInt64, count: Int) throws -> [UInt8] {
        let fd = try open(path, .readOnly)
        return try fd.closeAfter {
            var bytes = [UInt8](repeating: 0, count: count)
            var filled = 0
            while filled < count {
                let read: Int
                do {
                    read = try bytes.withUnsafeMutableBytes {
                        try fd.read(fromAbsoluteOffset: Int64(offset) + Int64(filled), into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...]))
                    }
                } catch let errno as Errno {
                    throw BootError("read", path, errno: errno, detail: "at byte \(offset + UInt64(filled))")
                }
                if read == 0 { break }
                filled += read
            }
            return Array(bytes.prefix(filled))
        }
    }

    /// Writes all of `bytes` at `offset` of an open file.
    public static func write(_ bytes: UnsafeRawBufferPointer, to fd: FileDescriptor, at offset: UInt64, path: String) throws {
        do {
            _ = try fd.writeAll(toAbsoluteOffset: Int64(offset), bytes)
        } catch let errno as Errno {
            throw BootError("write", path, errno: errno, detail: "\(bytes.count) bytes at byte \(offset)")
        }
    }

    /// fsync(2): the file's data and size are on the disk.
    public static func sync(_ fd: FileDescriptor, path: String) throws {
        if fsync(fd.rawValue) != 0 { throw BootError("sync", path, errno: lastErrno) }
    }

    /// Sets the size of `path` (sparse when it grows), creating it.
    public static func truncate(_ path: String, to size: UInt64) throws {
        if Glibc.truncate(path, off_t(size)) != 0 {
            let errno = lastErrno
            if errno == .noSuchFileOrDirectory {
                try writeFile(path, "")
                if Glibc.truncate(path, off_t(size)) == 0 { return }
            }
            throw BootError("set the size of", path, errno: lastErrno, detail: "to \(size) bytes")
        }
    }

    /// Replaces `path` with `text` so that a power cut at any point leaves the old file or
    /// the new one, never a mix: written beside as `path.new`, synced, renamed over it,
    /// and the directory synced so that the rename itself is on the disk.
    public static func replaceFile(_ path: String, _ text: String) throws {
        let temporary = path + ".new"
        do {
            let fd = try FileDescriptor.open(FilePath(temporary), .writeOnly, options: [.create, .truncate, .closeOnExec],
                                             permissions: [.ownerReadWrite, .groupRead, .otherRead])
            try fd.closeAfter {
                _ = try fd.writeAll(text.utf8)
                if fsync(fd.rawValue) != 0 { throw lastErrno }
            }
        } catch let errno as Errno {
            throw BootError("write", temporary, errno: errno)
        }
        if rename(temporary, path) != 0 { throw BootError("rename", "\(temporary) to \(path)", errno: lastErrno) }
        try syncDirectory(of: path)
    }

    /// Syncs the directory holding `path`: a rename or a new file in it is durable.
    public static func syncDirectory(of path: String) throws {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let fd = try open(directory.isEmpty ? "/" : directory, .readOnly, options: [.directory])
        try fd.closeAfter { if fsync(fd.rawValue) != 0 { throw BootError("sync", directory, errno: lastErrno) } }
    }

    /// unlink(2).
    public static func removeFile(_ path: String) throws {
        if unlink(path) != 0 { throw BootError("remove", path, errno: lastErrno) }
    }
}

/// An exclusive flock(2) on a file, so that two writers of the same cache (a timer's
/// `stateless update` and an admin's) never interleave. Released on `release()` or exit.
package struct FileDescriptorLock {
    let descriptor: FileDescriptor

    /// nil when another process holds it.
    package static func take(_ path: String) throws -> FileDescriptorLock? {
        let descriptor = try Posix.open(path, .readWrite, options: [.create], permissions: [.ownerReadWrite])
        if flock(descriptor.rawValue, LOCK_EX | LOCK_NB) != 0 {
            let errno = Posix.lastErrno
            try? descriptor.close()
            if errno == .wouldBlock { return nil }
            throw BootError("lock", path, errno: errno)
        }
        return FileDescriptorLock(descriptor: descriptor)
    }

    package func release() { try? descriptor.close() }
}
