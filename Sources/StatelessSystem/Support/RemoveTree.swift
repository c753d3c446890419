import Glibc
import StatelessCore
import StatelessProtocols

/// Deletes what is below a directory without ever leaving its filesystem: a
/// subdirectory on another device (a mount point) is left alone, with everything in it.
/// Both emptying the initramfs before switch-root and emptying an rwtab copy use it.
public struct RemoveTree {
    public private(set) var removed = 0
    /// Mount points found below the directory, left alone.
    public private(set) var mountPoints: [String] = []
    /// Entries that could not be deleted.
    public private(set) var failed: [String] = []

    public init() {}

    /// Removes the contents of `directory` (the directory itself stays).
    public mutating func removeContents(of directory: String) throws {
        guard let top = try Posix.lstatIfPresent(directory) else { return }
        try removeChildren(of: directory, device: top.raw.st_dev)
    }

    /// Removes `path` itself: a file, or a directory with everything below it on its
    /// filesystem.
    public mutating func remove(_ path: String) throws {
        guard let info = try Posix.lstatIfPresent(path) else { return }
        try removeEntry(path, info.raw, device: info.raw.st_dev)
    }

    private mutating func removeChildren(of directory: String, device: dev_t) throws {
        let prefix = directory == "/" ? "/" : directory + "/"
        for name in try Posix.listDirectory(directory) {
            let path = prefix + name
            guard let info = try Posix.lstatIfPresent(path) else { continue }
            try removeEntry(path, info.raw, device: device)
        }
    }

    private mutating func removeEntry(_ path: String, _ info: stat, device: dev_t) throws {
        if info.st_dev != device {
            mountPoints.append(path)  // never cross into another filesystem
            return
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            try removeChildren(of: path, device: device)
            if rmdir(path) == 0 {
                removed += 1
            } else if !mountPoints.contains(where: { $0.hasPrefix(path + "/") }) {
                failed.append(path)
            }
        } else if unlink(path) == 0 {
            removed += 1
        } else {
            failed.append(path)
        }
    }
}
