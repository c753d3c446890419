import CMount
import Glibc
import StatelessCore
import StatelessProtocols

extension MountOptions {
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
        self.init(flags: MountFlags(rawValue: flags), data: fs.map { String(cString: $0) } ?? "")
    }
}

extension NFSMountPlan {
    /// The plan for `spec`'s options and `rootFlags`, parsed with libmount.
    public init(spec: NFSRootSpec, server: IPv4Address, path: String, client: IPv4Address, rootFlags: String?, writable: Bool = false) throws {
        let parsed = try MountOptions(parsing: Self.optionText(spec: spec, rootFlags: rootFlags))
        try self.init(spec: spec, server: server, path: path, client: client, parsed: parsed, writable: writable)
    }
}
