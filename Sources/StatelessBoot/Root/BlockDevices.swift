import CBlkid
import Glibc

/// Finding and probing block devices through libblkid. No udev runs in the initramfs, so
/// there are no /dev/disk/by-* links: libblkid scans /proc/partitions and reads the
/// superblocks itself.
public enum BlockDevices {
    /// The device node for `reference`, or nil while no such device exists.
    public static func resolve(_ reference: BlockDeviceReference) -> String? {
        switch reference {
        case .path(let path):
            guard let info = try? Posix.statIfPresent(path), info.st_mode & S_IFMT == S_IFBLK else { return nil }
            return path
        case .tag(let name, let value):
            // A private cache that is never written to disk: every call sees the
            // devices as they are now, including ones that appeared a moment ago.
            var cache: blkid_cache?
            guard blkid_get_cache(&cache, "/dev/null") == 0, let cache else { return nil }
            defer { blkid_put_cache(cache) }
            guard let device = blkid_get_devname(cache, name, value) else { return nil }
            defer { free(device) }
            return String(cString: device)
        }
    }

    /// The filesystem type on `device` (e.g. "ext4"), nil when blkid recognises none.
    public static func filesystemType(of device: String) throws -> String? {
        guard let probe = blkid_new_probe_from_filename(device) else {
            throw BootError("probe", device, errno: Posix.lastErrno, detail: "libblkid could not open it")
        }
        defer { blkid_free_probe(probe) }
        blkid_probe_enable_superblocks(probe, 1)
        blkid_probe_set_superblocks_flags(probe, CInt(BLKID_SUBLKS_TYPE))
        switch blkid_do_safeprobe(probe) {
        case 0:
            var value: UnsafePointer<CChar>?
            var length = 0
            guard blkid_probe_lookup_value(probe, "TYPE", &value, &length) == 0, let value else { return nil }
            return String(cString: value)
        case -2:
            throw BootError("probe", device, detail: "more than one filesystem signature found (set rootfstype= to choose)",
                            option: "rootfstype=")
        case 1:
            return nil
        default:
            throw BootError("probe", device, errno: Posix.lastErrno, detail: "libblkid failed to read it")
        }
    }
}
