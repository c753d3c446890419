import CLinux
import SystemPackage
import Glibc

/// Attaches a filesystem image file to a free loop device, read-only, and hands the
/// device up to the filesystem layer, which probes what the image holds (squashfs,
/// ext4, erofs: by its signature, never by the file's name).
///
/// One LOOP_CONFIGURE (Linux 5.8) sets file, read-only and direct I/O together. Direct
/// I/O keeps the image's pages from being cached twice (once by the loop device, once
/// by NFS); the kernel falls back to buffered I/O where the backing file cannot do it.
/// The loop device holds the open file, so the image stays the inode it was when a
/// server renames a new one into place. No autoclear: the device must outlive this
/// process's descriptor until the mount holds it, and the root is never unmounted
/// before shutdown anyway.
struct LoopDeviceLayer: RootLayer {
    let image: String
    /// Read-write: only for the live snapshot's copy-on-write store and a persistent
    /// overlay's filesystem image, never a root image.
    var writable = false
    static let layerName = "loop-device"
    var name: String { Self.layerName }

    static let control = "/dev/loop-control"
    /// Another process may take the free device between asking and configuring it.
    static let attempts = 8

    func attach(_ below: RootResource, _ context: AttachContext) throws -> AttachedLayer {
        context.watcher.modules.load(alias: "loop", reason: "image file \(image)")
        let control = try Posix.open(Self.control, .readWrite)
        defer { try? control.close() }
        let file = try Posix.open(image, writable ? .readWrite : .readOnly)
        defer { try? file.close() }
        for _ in 0..<Self.attempts {
            let number = ioctl(control.rawValue, UInt(LOOP_CTL_GET_FREE))
            guard number >= 0 else { throw BootError("find a free loop device", Self.control, errno: Posix.lastErrno) }
            let device = "/dev/loop\(number)"
            let loop = try Posix.open(device, writable ? .readWrite : .readOnly)
            defer { try? loop.close() }
            var config = loop_config()
            config.fd = UInt32(file.rawValue)
            config.info.lo_flags = UInt32((writable ? 0 : LO_FLAGS_READ_ONLY) | (context.options.loopDirectIO ? LO_FLAGS_DIRECT_IO : 0))
            Self.copyName(image, into: &config.info.lo_file_name)
            if ioctl(loop.rawValue, UInt(LOOP_CONFIGURE), &config) != 0 {
                let errno = Posix.lastErrno
                if errno == .resourceBusy { continue }
                throw BootError("attach", "\(image) to \(device)", errno: errno, detail: "LOOP_CONFIGURE failed")
            }
            var status = loop_info64()
            let direct = ioctl(loop.rawValue, UInt(LOOP_GET_STATUS64), &status) == 0 && status.lo_flags & UInt32(LO_FLAGS_DIRECT_IO) != 0
            context.log.info("root", "attached \(image) to \(device), \(writable ? "read-write" : "read-only")\(direct ? ", direct I/O" : "")")
            let log = context.log
            return AttachedLayer(resource: .blockDevice(device),
                                 facts: [("ROOT_LOOP_DEVICE", device), ("ROOT_LOOP_FILE", image), ("ROOT_LOOP_DIRECT_IO", direct ? "1" : "0")],
                                 undo: { Self.detach(device, log) })
        }
        throw BootError("attach", image, detail: "every free loop device was taken by someone else \(Self.attempts) times in a row")
    }

    /// lo_file_name is what losetup shows; the kernel keeps 63 bytes and a NUL.
    static func copyName<Field>(_ path: String, into field: inout Field) {
        withUnsafeMutableBytes(of: &field) { buffer in
            let bytes = Array(path.utf8.suffix(buffer.count - 1))
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
    }

    static func detach(_ device: String, _ log: Logger) {
        do {
            let loop = try Posix.open(device, .readOnly)
            defer { try? loop.close() }
            if ioctl(loop.rawValue, UInt(LOOP_CLR_FD), 0) != 0 { log.warning("root", "undo: detach \(device): \(Posix.lastErrno)") }
        } catch {
            log.warning("root", "undo: detach \(device): \(error)")
        }
    }
}
