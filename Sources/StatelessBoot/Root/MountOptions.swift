import CMount
import Glibc

/// A mount(2) call's flags and data, from an fstab-style option string.
public struct MountOptions: Equatable, Sendable {
    public var flags: UInt
    /// Options only the filesystem understands, passed as mount(2)'s data.
    public var data: String

    public init(flags: UInt, data: String) {
        self.flags = flags
        self.data = data
    }

    /// Splits `text` (e.g. "noatime,errors=remount-ro,ro") with libmount, the parser
    /// mount(8) uses, so that `rootflags=` means what it means in fstab. Options meant for
    /// userspace helpers (`_netdev`, `x-…`, `nofail`) are dropped.
    public init(parsing text: String) throws {
        var flags: UInt = 0
        if mnt_optstr_get_flags(text, &flags, mnt_get_builtin_optmap(CInt(MNT_LINUX_MAP))) != 0 {
            throw BootError("parse mount options", "\"\(text)\"", option: "rootflags=")
        }
        var user: UnsafeMutablePointer<CChar>?
        var vfs: UnsafeMutablePointer<CChar>?
        var fs: UnsafeMutablePointer<CChar>?
        if mnt_split_optstr(text, &user, &vfs, &fs, 0, 0) != 0 {
            throw BootError("parse mount options", "\"\(text)\"", option: "rootflags=")
        }
        defer { free(user); free(vfs); free(fs) }
        self.init(flags: flags, data: fs.map { String(cString: $0) } ?? "")
    }
}
