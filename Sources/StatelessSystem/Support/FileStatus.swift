import Glibc
import SystemPackage

/// What stat(2) says of a path, typed: the early-boot code outside this target decides
/// on `kind`, never on st_mode bits.
public struct FileStatus {
    public enum Kind: Equatable, Sendable {
        case regular, directory, symlink, blockDevice, characterDevice, fifo, socket
    }

    public var kind: Kind
    /// The permission bits with set-id and sticky (st_mode & 07777).
    public var permissions: UInt32
    public var owner: UInt32
    public var group: UInt32
    public var size: Int64
    /// st_mtim in nanoseconds since 1970.
    public var modified: Int64
    /// The device a block or character node stands for (st_rdev).
    public var deviceNumber: UInt64
    /// Its major and minor numbers, as sysfs names them (`/sys/dev/block/MAJOR:MINOR`).
    public var device: (major: UInt64, minor: UInt64) { Self.split(deviceNumber) }

    /// glibc's encoding of a dev_t (gnu_dev_major, gnu_dev_minor): 12 bits of major and 20
    /// of minor, the low ones first.
    public static func split(_ number: UInt64) -> (major: UInt64, minor: UInt64) {
        let major = ((number >> 8) & 0xfff) | UInt64(UInt32(truncatingIfNeeded: number >> 32) & ~0xfff)
        let minor = (number & 0xff) | UInt64(UInt32(truncatingIfNeeded: number >> 12) & ~0xff)
        return (major, minor)
    }

    /// The raw record, for the few callers in this target that need more.
    let raw: stat

    init(_ info: stat) {
        raw = info
        switch info.st_mode & S_IFMT {
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        case S_IFBLK: kind = .blockDevice
        case S_IFCHR: kind = .characterDevice
        case S_IFIFO: kind = .fifo
        case S_IFSOCK: kind = .socket
        default: kind = .regular
        }
        permissions = info.st_mode & 0o7777
        owner = info.st_uid
        group = info.st_gid
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        deviceNumber = UInt64(info.st_rdev)
    }
}
