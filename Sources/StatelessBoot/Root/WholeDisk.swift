import StatelessCore
import StatelessProtocols
import StatelessSystem

/// The root device on a whole disk that was attached for it (an iSCSI LUN, later a live
/// USB stick): the device `root=` names among the disk and its partitions, else the disk
/// itself when it holds a filesystem, else its only partition that does.
enum WholeDisk {
    static func rootDevice(on disk: String, named reference: BlockDeviceReference?) throws -> String {
        let candidates = [disk] + partitions(of: disk)
        let identities = candidates.map { ($0, BlockDevices.identity(of: $0) ?? BlockIdentity()) }
        let found = identities.map { "\($0.0) (\($0.1.summary))" }.joined(separator: ", ")
        if let reference {
            let match: String?
            if case .path(let path) = reference { match = candidates.first { $0 == path } } else { match = identities.first { reference.matches($0.1) }?.0 }
            guard let match else {
                throw BootError("find root", "\(reference) on \(disk)", detail: "none of the disk's devices is \(reference) (found: \(found))", option: "root=")
            }
            return match
        }
        if identities[0].1.type != nil { return disk }
        let filesystems = identities.dropFirst().filter { $0.1.type != nil }
        guard filesystems.count == 1, let only = filesystems.first else {
            throw BootError("find root", "on \(disk)", detail: filesystems.isEmpty ? "expected a filesystem on the disk or one of its partitions, found none (\(found))"
                                                                                  : "\(filesystems.count) partitions hold filesystems (\(found)): name the root's",
                            option: "root=LABEL=…, root=UUID=…")
        }
        return only.0
    }

    /// /dev/nbd0p1… in order. Opening the disk first makes the kernel read its partition
    /// table (nbd scans it on the first open after connect); the nodes are there when
    /// open returns.
    static func partitions(of disk: String) -> [String] {
        try? Posix.open(disk, .readOnly).close()
        let name = String(disk.split(separator: "/").last ?? "")
        let entries = (try? Posix.listDirectory("/sys/class/block/\(name)")) ?? []
        return entries.filter { Posix.exists("/sys/class/block/\(name)/\($0)/partition") }
            .sorted { $0.count != $1.count ? $0.count < $1.count : $0 < $1 }
            .map { "/dev/" + $0 }
    }
}
