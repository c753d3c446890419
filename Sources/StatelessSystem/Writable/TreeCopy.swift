import CLinux
import Glibc
import StatelessCore
import StatelessProtocols

/// Copies a path from the read-only root into the writable tmpfs the way `cpio -p` does
/// for Fedora's readonly-root, keeping owner, mode, times, symlinks, device nodes and
/// extended attributes (so SELinux labels survive). Hard links become separate files.
///
/// Metadata that cannot be kept (an xattr the tmpfs refuses) is reported as a warning:
/// a label missing on one file should not stop a boot.
public struct TreeCopy {
    public enum Depth {
        /// Only the entry itself; a directory comes out empty, a file comes out empty.
        case entryOnly
        /// Directories, recursively, without any other files.
        case directoriesOnly
        /// Everything.
        case everything
    }

    package let warn: (String) -> Void
    /// Paths (of the source) left out of a directory's copy: the image's identity files
    /// (IdentityFiles), which the boot hides or replaces.
    package var leaveOut: (String) -> Bool = { _ in false }

    public init(warn: @escaping (String) -> Void) { self.warn = warn }

    public func copy(_ source: String, to target: String, depth: Depth) throws {
        guard let info = try Posix.lstatIfPresent(source)?.raw else { return }
        let type = info.st_mode & S_IFMT
        switch type {
        case S_IFDIR:
            try Posix.makeDirectory(target, mode: 0o700)
            if depth != .entryOnly {
                for name in try Posix.listDirectory(source) {
                    let child = try Posix.lstatIfPresent(source + "/" + name)?.raw
                    if depth == .directoriesOnly && child.map({ $0.st_mode & S_IFMT != S_IFDIR }) ?? true { continue }
                    // Never cross into another filesystem mounted inside the root. Only a
                    // directory's device says so: overlayfs reports a file of its lower
                    // layer with the lower filesystem's device.
                    if let child, child.st_mode & S_IFMT == S_IFDIR, child.st_dev != info.st_dev { continue }
                    if leaveOut(source + "/" + name) { continue }
                    try copy(source + "/" + name, to: target + "/" + name, depth: depth)
                }
            }
        case S_IFREG:
            try copyContents(source, to: target, mode: info.st_mode, empty: depth == .entryOnly)
        case S_IFLNK:
            let destination = try Posix.readLink(source)
            if symlink(destination, target) != 0 && Posix.lastErrno != .fileExists {
                throw BootError("create symlink", target, errno: Posix.lastErrno)
            }
        default:
            // FIFOs, sockets and device nodes: recreate the node itself.
            if mknod(target, info.st_mode, info.st_rdev) != 0 && Posix.lastErrno != .fileExists {
                throw BootError("create node", target, errno: Posix.lastErrno)
            }
        }
        try copyMetadata(from: source, to: target, info)
    }

    private func copyContents(_ source: String, to target: String, mode: mode_t, empty: Bool) throws {
        let output = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode & 0o7777)
        guard output >= 0 else { throw BootError("create", target, errno: Posix.lastErrno) }
        defer { close(output) }
        if empty { return }
        let input = open(source, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard input >= 0 else { throw BootError("open", source, errno: Posix.lastErrno) }
        defer { close(input) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw BootError("read", source, errno: Posix.lastErrno) }
            if count == 0 { return }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { bytes -> Int in
                    guard let base = bytes.baseAddress else { return -1 }
                    return write(output, base + offset, count - offset)
                }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { throw BootError("write", target, errno: Posix.lastErrno) }
                offset += written
            }
        }
    }

    /// Owner first (chown clears set-id bits), then mode, xattrs, and times last.
    private func copyMetadata(from source: String, to target: String, _ info: stat) throws {
        let isLink = info.st_mode & S_IFMT == S_IFLNK
        if lchown(target, info.st_uid, info.st_gid) != 0 {
            throw BootError("set owner of", target, errno: Posix.lastErrno)
        }
        if !isLink && chmod(target, info.st_mode & 0o7777) != 0 {
            throw BootError("set mode of", target, errno: Posix.lastErrno)
        }
        copyExtendedAttributes(from: source, to: target)
        var times = [info.st_atim, info.st_mtim]
        if utimensat(AT_FDCWD, target, &times, AT_SYMLINK_NOFOLLOW) != 0 {
            throw BootError("set times of", target, errno: Posix.lastErrno)
        }
    }

    private func copyExtendedAttributes(from source: String, to target: String) {
        let size = llistxattr(source, nil, 0)
        guard size > 0 else { return }
        var names = [CChar](repeating: 0, count: size)
        let listed = llistxattr(source, &names, names.count)
        guard listed > 0 else { return }
        for nameBytes in names[..<listed].split(separator: 0) {
            let name = String(decoding: nameBytes.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let valueSize = lgetxattr(source, name, nil, 0)
            guard valueSize >= 0 else { continue }
            var value = [UInt8](repeating: 0, count: max(valueSize, 1))
            let read = lgetxattr(source, name, &value, valueSize)
            guard read >= 0 else { continue }
            if lsetxattr(target, name, value, read, 0) != 0 {
                let error = BootError("copy extended attribute", "\(name) to \(target)", errno: Posix.lastErrno)
                warn(error.description)
            }
        }
    }
}
