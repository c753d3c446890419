/// One member of a newc ("070701") cpio archive, as the image builder thinks of it.
///
/// The kernel unpacks the initramfs itself, so the archive carries ownership (always 0),
/// permissions, the file type and device numbers directly — that is why no root privileges
/// are needed to build an image with device nodes in it.
public struct NewcEntry: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case directory
        case regularFile(contents: [UInt8])
        case symlink(target: String)
        case characterDevice(major: UInt32, minor: UInt32)
        case blockDevice(major: UInt32, minor: UInt32)
        case fifo
    }

    /// Path inside the archive without a leading '/', e.g. "dev/console"; the kernel
    /// unpacks relative to the root of rootfs.
    public var path: String
    /// Permission bits only (0o7777); the type bits come from `kind`.
    public var permissions: UInt32
    public var kind: Kind

    public init(path: String, permissions: UInt32, kind: Kind) {
        self.path = path
        self.permissions = permissions & 0o7777
        self.kind = kind
    }

    public static func directory(_ path: String, permissions: UInt32 = 0o755) -> NewcEntry {
        NewcEntry(path: path, permissions: permissions, kind: .directory)
    }

    public static func file(_ path: String, permissions: UInt32 = 0o644, contents: [UInt8]) -> NewcEntry {
        NewcEntry(path: path, permissions: permissions, kind: .regularFile(contents: contents))
    }

    public static func symlink(_ path: String, target: String) -> NewcEntry {
        NewcEntry(path: path, permissions: 0o777, kind: .symlink(target: target))
    }

    public static func characterDevice(_ path: String, permissions: UInt32, major: UInt32, minor: UInt32) -> NewcEntry {
        NewcEntry(path: path, permissions: permissions, kind: .characterDevice(major: major, minor: minor))
    }

    /// The S_IF* file-type bits of `st_mode`.
    public var typeBits: UInt32 {
        switch kind {
        case .directory: return FileTypeBits.directory
        case .regularFile: return FileTypeBits.regular
        case .symlink: return FileTypeBits.symlink
        case .characterDevice: return FileTypeBits.characterDevice
        case .blockDevice: return FileTypeBits.blockDevice
        case .fifo: return FileTypeBits.fifo
        }
    }

    /// The full `st_mode` as written into the header.
    public var mode: UInt32 { typeBits | permissions }

    /// The bytes stored after the header: file contents, or a symlink's target.
    public var data: [UInt8] {
        switch kind {
        case .regularFile(let contents): return contents
        case .symlink(let target): return Array(target.utf8)
        default: return []
        }
    }
}

/// `st_mode` file-type values (S_IFMT and friends), named so no octal literal stands alone.
public enum FileTypeBits {
    public static let mask: UInt32 = 0o170000
    public static let fifo: UInt32 = 0o010000
    public static let characterDevice: UInt32 = 0o020000
    public static let directory: UInt32 = 0o040000
    public static let blockDevice: UInt32 = 0o060000
    public static let regular: UInt32 = 0o100000
    public static let symlink: UInt32 = 0o120000
}
