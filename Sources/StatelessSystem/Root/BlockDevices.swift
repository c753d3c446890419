import CBlkid
import Glibc
import StatelessCore
import StatelessProtocols

/// Probing block devices through libblkid. No udev runs in the initramfs, so there are
/// no /dev/disk/by-* links: libblkid reads the superblocks and partition tables itself.
public enum BlockDevices {
    /// The kernel's name of the block device a node stands for: `vda`, `dm-0`; nil while
    /// the kernel has not added it (no /sys/dev/block/MAJOR:MINOR).
    public static func kernelName(of node: FileStatus) -> String? {
        let (major, minor) = node.device
        guard let target = try? Posix.readLink("/sys/dev/block/\(major):\(minor)") else { return nil }
        return target.split(separator: "/").last.map(String.init)
    }

    /// The block devices sysfs lists now (/sys/class/block: disks and partitions).
    public static func listed() -> [String] { (try? Posix.listDirectory("/sys/class/block")) ?? [] }

    /// The tags of one device; nil when it cannot be opened (a CD drive without a disc).
    public static func identity(of device: String) -> BlockIdentity? {
        guard let probe = blkid_new_probe_from_filename(device) else { return nil }
        defer { blkid_free_probe(probe) }
        blkid_probe_enable_superblocks(probe, 1)
        blkid_probe_set_superblocks_flags(probe, CInt(BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID | BLKID_SUBLKS_LABEL))
        blkid_probe_enable_partitions(probe, 1)
        blkid_probe_set_partitions_flags(probe, CInt(BLKID_PARTS_ENTRY_DETAILS))
        let status = blkid_do_safeprobe(probe)
        // Two filesystem signatures (-2) stop the probe before the partition table is
        // read; the partition entry's tags (PARTUUID=) still name the device.
        if status == -2 { return partitionEntry(of: device) }
        guard status >= 0 else { return BlockIdentity() }
        return BlockIdentity(type: lookup(probe, "TYPE"), uuid: lookup(probe, "UUID"), label: lookup(probe, "LABEL"),
                             partUUID: lookup(probe, "PART_ENTRY_UUID"), partLabel: lookup(probe, "PART_ENTRY_NAME"),
                             partType: lookup(probe, "PART_ENTRY_TYPE"))
    }

    /// PARTUUID and PARTLABEL only, with the superblock probe off.
    static func partitionEntry(of device: String) -> BlockIdentity {
        guard let probe = blkid_new_probe_from_filename(device) else { return BlockIdentity() }
        defer { blkid_free_probe(probe) }
        blkid_probe_enable_superblocks(probe, 0)
        blkid_probe_enable_partitions(probe, 1)
        blkid_probe_set_partitions_flags(probe, CInt(BLKID_PARTS_ENTRY_DETAILS))
        guard blkid_do_safeprobe(probe) == 0 else { return BlockIdentity() }
        return BlockIdentity(partUUID: lookup(probe, "PART_ENTRY_UUID"), partLabel: lookup(probe, "PART_ENTRY_NAME"))
    }

    static func lookup(_ probe: blkid_probe, _ name: String) -> String? {
        var data: UnsafePointer<CChar>?
        var length = 0
        guard blkid_probe_lookup_value(probe, name, &data, &length) == 0, let data else { return nil }
        return String(cString: data)
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

    /// Whether `device` carries no signature at all: no filesystem, swap, RAID, LUKS or
    /// partition table. Only such a device is ever formatted.
    public static func isBlank(_ device: String) throws -> Bool {
        guard let probe = blkid_new_probe_from_filename(device) else {
            throw BootError("probe", device, errno: Posix.lastErrno, detail: "libblkid could not open it")
        }
        defer { blkid_free_probe(probe) }
        blkid_probe_enable_superblocks(probe, 1)
        blkid_probe_enable_partitions(probe, 1)
        guard blkid_do_safeprobe(probe) >= 0 else { return false }
        return lookup(probe, "TYPE") == nil && lookup(probe, "PTTYPE") == nil
    }

    /// What a signature that is not a filesystem means for a root, and what would be
    /// needed: root= named the container, not the filesystem inside it.
    public static func containerExplanation(_ type: String) -> String? {
        switch type {
        case "crypto_LUKS":
            return "a LUKS-encrypted container, not a filesystem: unlocking it needs dm-crypt and cryptsetup, which this image does not include"
        case "LVM2_member", "LVM1_member":
            return "an LVM physical volume, not a filesystem: its logical volumes need LVM activation (device-mapper), which this image does not include; root= would name /dev/VG/LV"
        case "linux_raid_member":
            return "a Linux software-RAID member, not a filesystem: the array needs assembling by mdadm, which this image does not include; root= would name /dev/mdN"
        case "zfs_member":
            return "a ZFS pool member: ZFS is not part of this image"
        case "bcache":
            return "a bcache backing device: root= would name /dev/bcacheN, which needs the bcache module and registration"
        case "BitLocker":
            return "a BitLocker-encrypted volume, not a Linux root"
        case "swap":
            return "a swap area, not a filesystem: root= names the wrong partition"
        default:
            if type.hasSuffix("_raid_member") {
                return "a member of a firmware (fake) RAID set (\(type)): assembling it needs mdadm or dmraid, which this image does not include"
            }
            return nil
        }
    }
}
