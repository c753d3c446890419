/// One header and its data as read back from a newc archive.
public struct NewcRecord: Equatable, Sendable {
    public var inode: UInt32
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var nlink: UInt32
    public var mtime: UInt32
    public var devMajor: UInt32
    public var devMinor: UInt32
    public var rdevMajor: UInt32
    public var rdevMinor: UInt32
    public var name: String
    public var data: [UInt8]

    /// The record as an entry, or nil for a file type the builder does not write (sockets).
    public var entry: NewcEntry? {
        let permissions = mode & 0o7777
        let kind: NewcEntry.Kind
        switch mode & FileTypeBits.mask {
        case FileTypeBits.directory: kind = .directory
        case FileTypeBits.regular: kind = .regularFile(contents: data)
        case FileTypeBits.symlink: kind = .symlink(target: String(decoding: data, as: UTF8.self))
        case FileTypeBits.characterDevice: kind = .characterDevice(major: rdevMajor, minor: rdevMinor)
        case FileTypeBits.blockDevice: kind = .blockDevice(major: rdevMajor, minor: rdevMinor)
        case FileTypeBits.fifo: kind = .fifo
        default: return nil
        }
        return NewcEntry(path: name, permissions: permissions, kind: kind)
    }
}

/// Decodes a newc ("070701") archive. Pure and defensive: the bytes come from a file the
/// user names, so every length and offset is checked and a bad archive throws an error
/// that says where and why, never traps.
public enum NewcReader {
    /// Reads records up to the `TRAILER!!!` entry. Bytes after the trailer (the kernel's
    /// zero padding, or a concatenated second archive) are ignored.
    public static func read(_ bytes: [UInt8]) throws -> [NewcRecord] {
        var records: [NewcRecord] = []
        var offset = 0
        while true {
            guard offset < bytes.count else {
                throw failure(offset, "archive ends without a \(NewcWriter.trailerName) entry")
            }
            guard bytes.count - offset >= NewcWriter.headerSize else {
                throw failure(offset, "truncated header: \(bytes.count - offset) bytes left, \(NewcWriter.headerSize) needed")
            }
            let magic = bytes[offset..<offset + 6]
            guard magic.elementsEqual(NewcWriter.magic.utf8) else {
                let shown = String(decoding: magic.map { (0x20...0x7e).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
                throw failure(offset, "bad magic \"\(shown)\", expected \"\(NewcWriter.magic)\"")
            }
            var fields: [UInt32] = []
            for index in 0..<13 {
                let start = offset + 6 + index * 8
                fields.append(try hexField(bytes[start..<start + 8], at: start, name: fieldNames[index]))
            }
            let fileSize = Int(fields[6])
            let nameSize = Int(fields[11])
            let nameStart = offset + NewcWriter.headerSize
            guard nameSize >= 1 else {
                throw failure(offset, "name size is 0; the name needs at least its NUL terminator")
            }
            guard nameSize <= bytes.count - nameStart else {
                throw failure(offset, "name size \(nameSize) runs past the end of the archive (\(bytes.count - nameStart) bytes left)")
            }
            guard bytes[nameStart + nameSize - 1] == 0 else {
                throw failure(offset, "name is not NUL-terminated")
            }
            let name = String(decoding: bytes[nameStart..<nameStart + nameSize - 1], as: UTF8.self)
            let dataStart = align4(nameStart + nameSize)
            if name == NewcWriter.trailerName {
                return records
            }
            guard dataStart <= bytes.count, fileSize <= bytes.count - dataStart else {
                throw failure(offset, "data of '\(name)' (\(fileSize) bytes) runs past the end of the archive")
            }
            records.append(NewcRecord(
                inode: fields[0], mode: fields[1], uid: fields[2], gid: fields[3], nlink: fields[4],
                mtime: fields[5], devMajor: fields[7], devMinor: fields[8],
                rdevMajor: fields[9], rdevMinor: fields[10], name: name,
                data: Array(bytes[dataStart..<dataStart + fileSize])))
            offset = align4(dataStart + fileSize)
        }
    }

    static let fieldNames = [
        "ino", "mode", "uid", "gid", "nlink", "mtime", "filesize",
        "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check",
    ]

    private static func hexField(_ digits: ArraySlice<UInt8>, at offset: Int, name: String) throws -> UInt32 {
        var value: UInt32 = 0
        for byte in digits {
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default:
                let shown = String(decoding: digits.map { (0x20...0x7e).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
                throw failure(offset, "field \(name) \"\(shown)\" is not hexadecimal")
            }
            value = value << 4 | UInt32(nibble)
        }
        return value
    }

    private static func align4(_ value: Int) -> Int { (value + 3) & ~3 }

    private static func failure(_ offset: Int, _ reason: String) -> ImageError {
        ImageError("read newc archive", "offset \(offset)", reason)
    }
}
