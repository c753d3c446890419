/// Encodes entries as a newc ("070701") cpio archive, the format the kernel unpacks into
/// rootfs (see the kernel's Documentation/driver-api/early-userspace/buffer-format.rst).
///
/// The output is a pure function of the entries: modification times are a fixed value and
/// inode numbers are assigned in order, so the same inputs give the same image bytes.
public struct NewcWriter: Sendable {
    /// Written into every header's mtime; 0 unless a caller wants a reproducible date.
    public var modificationTime: UInt32

    public init(modificationTime: UInt32 = 0) {
        self.modificationTime = modificationTime
    }

    public static let magic = "070701"
    public static let trailerName = "TRAILER!!!"
    /// Six bytes of magic and thirteen 8-digit hex fields.
    public static let headerSize = 110

    /// Encodes `entries` in the given order, followed by the trailer. Inode numbers start
    /// at 1; the trailer gets 0, as GNU cpio writes it.
    public func encode(_ entries: [NewcEntry]) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.reduce(0) { $0 + Self.headerSize + $1.path.utf8.count + $1.data.count + 8 } + 128)
        var inode: UInt32 = 1
        for entry in entries {
            guard !entry.path.isEmpty, !entry.path.utf8.contains(0) else {
                throw ImageError("write cpio entry", entry.path, "the name is empty or contains a NUL byte")
            }
            let data = entry.data
            guard let size = UInt32(exactly: data.count) else {
                throw ImageError("write cpio entry", entry.path, "\(data.count) bytes do not fit the 32-bit newc size field")
            }
            var rdev: (UInt32, UInt32) = (0, 0)
            switch entry.kind {
            case .characterDevice(let major, let minor), .blockDevice(let major, let minor):
                rdev = (major, minor)
            default:
                break
            }
            let nlink: UInt32 = entry.kind == .directory ? 2 : 1
            appendHeader(to: &out, name: entry.path, fields: [
                inode, entry.mode, 0, 0, nlink, modificationTime, size, 0, 0, rdev.0, rdev.1,
            ])
            out.append(contentsOf: data)
            pad(&out)
            inode &+= 1
        }
        appendHeader(to: &out, name: Self.trailerName, fields: [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])
        return out
    }

    /// Appends magic, the eleven given fields (ino … rdevminor), namesize, check = 0, the
    /// name with its NUL, and padding of header+name to a multiple of four.
    private func appendHeader(to out: inout [UInt8], name: String, fields: [UInt32]) {
        out.append(contentsOf: Array(Self.magic.utf8))
        let nameBytes = Array(name.utf8)
        for value in fields + [UInt32(nameBytes.count + 1), 0] {
            appendHex(value, to: &out)
        }
        out.append(contentsOf: nameBytes)
        out.append(0)
        pad(&out)
    }

    private func appendHex(_ value: UInt32, to out: inout [UInt8]) {
        let digits = Array("0123456789ABCDEF".utf8)
        for shift in stride(from: 28, through: 0, by: -4) {
            out.append(digits[Int((value >> UInt32(shift)) & 0xF)])
        }
    }

    private func pad(_ out: inout [UInt8]) {
        while out.count % 4 != 0 { out.append(0) }
    }
}
