import CLinux
import Glibc
import StatelessCore
import SystemPackage

/// Loop devices through /dev/loop-control and LOOP_CONFIGURE (Linux 5.8): file,
/// read-only and direct I/O set in one call.
public enum LoopDevice {
    public static let control = "/dev/loop-control"
    /// Another process may take the free device between asking and configuring it.
    public static let attempts = 8

    public struct Attached: Equatable {
        public var device: String
        /// Whether the kernel does direct I/O on the file (it falls back to buffered I/O
        /// where the backing file cannot).
        public var directIO: Bool
    }

    /// Attaches `image` to a free loop device. The device holds the open file, so the
    /// image stays the inode it was when a server renames a new one into place. No
    /// autoclear: the device must outlive this process's descriptor until a mount holds it.
    /// `offset` and `sizeLimit` (bytes; 0: to the end) show a part of the file: a cache
    /// slot's squashfs and hash tree inside its zchunk container.
    public static func attach(_ image: String, writable: Bool, directIO: Bool, offset: UInt64 = 0, sizeLimit: UInt64 = 0) throws -> Attached {
        let control = try Posix.open(Self.control, .readWrite)
        defer { try? control.close() }
        let file = try Posix.open(image, writable ? .readWrite : .readOnly)
        defer { try? file.close() }
        for _ in 0..<attempts {
            let number = ioctl(control.rawValue, UInt(LOOP_CTL_GET_FREE))
            guard number >= 0 else { throw BootError("find a free loop device", Self.control, errno: Posix.lastErrno) }
            let device = "/dev/loop\(number)"
            let loop = try Posix.open(device, writable ? .readWrite : .readOnly)
            defer { try? loop.close() }
            var config = loop_config()
            config.fd = UInt32(file.rawValue)
            config.info.lo_offset = offset
            config.info.lo_sizelimit = sizeLimit
            config.info.lo_flags = UInt32((writable ? 0 : LO_FLAGS_READ_ONLY) | (directIO ? LO_FLAGS_DIRECT_IO : 0))
            copyName(image, into: &config.info.lo_file_name)
            if ioctl(loop.rawValue, UInt(LOOP_CONFIGURE), &config) != 0 {
                let errno = Posix.lastErrno
                if errno == .resourceBusy { continue }
                throw BootError("attach", "\(image) to \(device)", errno: errno, detail: "LOOP_CONFIGURE failed")
            }
            var status = loop_info64()
            let direct = ioctl(loop.rawValue, UInt(LOOP_GET_STATUS64), &status) == 0 && status.lo_flags & UInt32(LO_FLAGS_DIRECT_IO) != 0
            return Attached(device: device, directIO: direct)
        }
        throw BootError("attach", image, detail: "every free loop device was taken by someone else \(attempts) times in a row")
    }

    /// lo_file_name is what losetup shows; the kernel keeps 63 bytes and a NUL.
    static func copyName<Field>(_ path: String, into field: inout Field) {
        withUnsafeMutableBytes(of: &field) { buffer in
            let bytes = Array(path.utf8.suffix(buffer.count - 1))
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
    }

    /// LOOP_CLR_FD.
    public static func detach(_ device: String) throws {
        let loop = try Posix.open(device, .readOnly)
        defer { try? loop.close() }
        if ioctl(loop.rawValue, UInt(LOOP_CLR_FD), 0) != 0 { throw BootError("detach", device, errno: Posix.lastErrno) }
    }
}
