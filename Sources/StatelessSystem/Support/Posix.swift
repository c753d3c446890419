import CLinux
import Glibc
import StatelessCore
import StatelessProtocols
import SystemPackage

/// The one place where the early-boot code calls the C library for files, directories
/// and mounts. Every wrapper retries on EINTR where that is meaningful and throws a
/// `BootError` naming the operation and the path.
public enum Posix {
    /// The errno of the last failed call, typed.
    static var lastErrno: Errno { Errno(rawValue: Glibc.errno) }

    package static func check(_ result: CInt, _ operation: String, _ object: String) throws {
        if result != 0 { throw BootError(operation, object, errno: lastErrno) }
    }

    // MARK: Processes

    /// Waits for child `pid` to exit, `milliseconds` at most: its wait status, or nil while
    /// it still runs (stuck in the kernel, say: the caller goes on without it).
    public static func waitForExit(_ pid: pid_t, milliseconds: Int) -> CInt? {
        let deadline = Uptime.now().adding(milliseconds: milliseconds)
        var status: CInt = 0
        while true {
            if waitpid(pid, &status, WNOHANG) == pid { return status }
            let left = deadline.millisecondsLeft()
            if left == 0 { return nil }
            sleep(milliseconds: min(50, left))
        }
    }

    // MARK: Mounts

    /// mount(2). `flags` are the MS_* bits; `data` the filesystem's own option string.
    public static func mount(
        source: String, target: String, type: String?, flags: MountFlags = [], data: String? = nil
    ) throws {
        let result: CInt
        if let data {
            result = data.withCString { Glibc.mount(source, target, type, flags.rawValue, $0) }
        } else {
            result = Glibc.mount(source, target, type, flags.rawValue, nil)
        }
        if result != 0 {
            throw mountError(source: source, target: target, type: type, flags: flags, data: data, errno: lastErrno)
        }
    }

    /// The error of a failed mount(2), also for one made in the KernelWorker.
    static func mountError(source: String, target: String, type: String?, flags: MountFlags, data: String?, errno: Errno) -> BootError {
        BootError("mount", "\(source) on \(target)", errno: errno,
                  detail: "type \(type ?? "-"), flags \(flags), options \"\(data ?? "")\"")
    }

    /// mount(2) with MS_MOVE. The kernel refuses (EINVAL) to move a mount whose parent
    /// propagates mounts (MS_SHARED) — every mount, once systemd runs the initramfs (a
    /// dracut image) — so then the initramfs's mounts are made private, as systemd's own
    /// switch-root does for the same reason, and the move is tried once more.
    public static func move(_ source: String, to target: String) throws {
        do {
            try mount(source: source, target: target, type: nil, flags: [.move])
        } catch let error as BootError where error.errno == .invalidArgument {
            guard Glibc.mount(nil, "/", nil, MountFlags([.recursive, .private]).rawValue, nil) == 0 else { throw error }
            try mount(source: source, target: target, type: nil, flags: [.move])
        }
    }

    /// swapon(2); a device already in use as swap (EBUSY) counts as done.
    public static func swapOn(_ device: String) throws {
        if CLinux.swapon(device, 0) != 0 && lastErrno != .resourceBusy {
            throw BootError("swapon", device, errno: lastErrno)
        }
    }

    /// chmod(2).
    public static func changeMode(_ path: String, _ mode: UInt32) throws {
        try check(Glibc.chmod(path, mode), "change the mode of", path)
    }

    /// symlink(2): a link at `path` to `target`.
    public static func symlink(_ target: String, at path: String) throws {
        try check(Glibc.symlink(target, path), "create symlink", path)
    }

    /// statvfs(2): the filesystem's size in bytes.
    public static func filesystemBytes(_ path: String) throws -> Int {
        var info = statvfs()
        try check(statvfs(path, &info), "measure", path)
        return Int(info.f_blocks) * Int(info.f_frsize)
    }

    /// The bytes an unprivileged writer may still use on the filesystem holding `path`.
    public static func availableBytes(_ path: String) throws -> UInt64 {
        var info = statvfs()
        try check(statvfs(path, &info), "measure", path)
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }

    /// The first `limit` bytes of `path` relative to the directory `directory` (openat(2)),
    /// nil when it cannot be opened.
    public static func readHead(_ path: String, in directory: CInt, limit: Int) -> [UInt8]? {
        let fd = openat(directory, path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: limit)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return count > 0 ? Array(buffer[..<count]) : []
    }

    /// lgetxattr(2): up to `limit` bytes of the attribute, nil when there is none.
    public static func extendedAttribute(_ name: String, of path: String, limit: Int) -> [UInt8]? {
        var value = [UInt8](repeating: 0, count: limit)
        let count = lgetxattr(path, name, &value, value.count)
        return count > 0 ? Array(value[..<count]) : nil
    }

    /// rmdir(2): an empty directory.
    public static func removeDirectory(_ path: String) throws {
        try check(Glibc.rmdir(path), "remove directory", path)
    }

    /// umount2(2). `detach`: MNT_DETACH, the lazy unmount of a mount something still uses.
    public static func unmount(_ target: String, detach: Bool = false) throws {
        try check(Glibc.umount2(target, detach ? CInt(MNT_DETACH) : 0), "unmount", target)
    }

    // MARK: Paths

    public static func makeDirectory(_ path: String, mode: UInt32 = 0o755) throws {
        if Glibc.mkdir(path, mode) != 0 && lastErrno != .fileExists {
            throw BootError("create directory", path, errno: lastErrno)
        }
    }

    /// `mkdir -p` of the directory holding `path` (a file about to be written).
    public static func makeParentDirectories(of path: String) throws {
        try makeDirectories(String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]))
    }

    /// `mkdir -p`: every missing component of `path` is created with `mode`.
    public static func makeDirectories(_ path: String, mode: UInt32 = 0o755) throws {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            try makeDirectory(prefix, mode: mode)
        }
    }

    /// lstat(2); nil when the path does not exist.
    public static func lstatIfPresent(_ path: String) throws -> FileStatus? {
        var info = stat()
        if Glibc.lstat(path, &info) == 0 { return FileStatus(info) }
        if lastErrno == .noSuchFileOrDirectory || lastErrno == .notDirectory { return nil }
        throw BootError("stat", path, errno: lastErrno)
    }

    /// stat(2), following symlinks; nil when the path does not exist.
    public static func statIfPresent(_ path: String) throws -> FileStatus? {
        var info = stat()
        if stat(path, &info) == 0 { return FileStatus(info) }
        if lastErrno == .noSuchFileOrDirectory || lastErrno == .notDirectory { return nil }
        throw BootError("stat", path, errno: lastErrno)
    }

    /// Whether `path` is a regular file (following links); false when absent or unreadable.
    public static func isRegularFile(_ path: String) -> Bool {
        (try? statIfPresent(path))?.kind == .regular
    }

    public static func exists(_ path: String) -> Bool {
        var info = Glibc.stat()
        return Glibc.lstat(path, &info) == 0
    }

    public static func readLink(_ path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = Glibc.readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { throw BootError("read link", path, errno: lastErrno) }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The names in a directory, without "." and "..", sorted so that every walk over
    /// the same tree happens in the same order.
    public static func listDirectory(_ path: String) throws -> [String] {
        guard let dir = Glibc.opendir(path) else {
            throw BootError("open directory", path, errno: lastErrno)
        }
        defer { Glibc.closedir(dir) }
        var names: [String] = []
        while let entry = Glibc.readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// open(2) with O_CLOEXEC; the error names the path.
    public static func open(_ path: String, _ mode: FileDescriptor.AccessMode, options: FileDescriptor.OpenOptions = [],
                            permissions: FilePermissions? = nil) throws -> FileDescriptor {
        do {
            return try FileDescriptor.open(FilePath(path), mode, options: options.union(.closeOnExec), permissions: permissions)
        } catch let errno as Errno {
            throw BootError("open", path, errno: errno)
        }
    }

    // MARK: Whole files

    /// Reads a whole file, or its first `limit` bytes. Files under /proc and /sys report
    /// size 0, so this reads until end of file instead of trusting st_size.
    public static func readFile(_ path: String, limit: Int = .max) throws -> [UInt8] {
        let fd = try open(path, .readOnly)
        return try fd.closeAfter {
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 16384)
            while true {
                let count: Int
                do {
                    count = try chunk.withUnsafeMutableBytes { try fd.read(into: $0) }
                } catch let errno as Errno {
                    throw BootError("read", path, errno: errno)
                }
                if count == 0 { return bytes }
                bytes.append(contentsOf: chunk[..<count])
                if bytes.count >= limit { return Array(bytes.prefix(limit)) }
            }
        }
    }

    public static func readText(_ path: String) throws -> String {
        String(decoding: try readFile(path), as: UTF8.self)
    }

    /// Writes (truncating or appending) a whole file.
    public static func writeFile(
        _ path: String, _ text: String, append: Bool = false, mode: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]
    ) throws {
        try writeFile(path, Array(text.utf8), append: append, mode: mode)
    }

    /// Writes (truncating or appending) a whole file of bytes.
    public static func writeFile(
        _ path: String, _ bytes: [UInt8], append: Bool = false, mode: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]
    ) throws {
        do {
            let options: FileDescriptor.OpenOptions = append
                ? [.create, .append, .closeOnExec] : [.create, .truncate, .closeOnExec]
            let fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: options, permissions: mode)
            _ = try fd.closeAfter { try fd.writeAll(bytes) }
        } catch let errno as Errno {
            throw BootError("write", path, errno: errno)
        }
    }

    /// Whether the filesystem holding `path` is mounted read-only (statvfs's ST_RDONLY);
    /// nil when `path` cannot be measured.
    public static func isOnReadOnlyMount(_ path: String) -> Bool? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return info.f_flag & 1 != 0  // ST_RDONLY, an enum constant Swift's Glibc module does not import
    }
}
