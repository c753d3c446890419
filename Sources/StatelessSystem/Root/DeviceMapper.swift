import CDevmapper
import Glibc
import StatelessCore
import StatelessProtocols
import SystemPackage

/// Device-mapper devices through libdevmapper (no dmsetup binary). No udev runs in the
/// initramfs: udev synchronisation is off, and libdevmapper makes the /dev/mapper nodes
/// itself.
package enum DeviceMapper {
    /// One line of a table: `start length type parameters`, in 512-byte sectors.
    package struct Target: Equatable {
        package var start: UInt64 = 0
        package var sectors: UInt64
        package var type: String
        package var parameters: String

        package init(start: UInt64 = 0, sectors: UInt64, type: String, parameters: String) {
            (self.start, self.sectors, self.type, self.parameters) = (start, sectors, type, parameters)
        }
    }

    package static func prepare(_ modules: ModuleLoader) {
        modules.load(alias: "devname:mapper/control", reason: "device-mapper")
        dm_udev_set_sync_support(0)
        dm_udev_set_checking(0)
    }

    /// Creates and activates `name` with one target; returns its /dev/mapper node.
    package static func create(_ name: String, _ target: Target, readOnly: Bool) throws -> String {
        try run(CInt(DM_DEVICE_CREATE), name, what: "create device-mapper device") { task in
            if readOnly { dm_task_set_ro(task) }
            guard dm_task_add_target(task, target.start, target.sectors, target.type, target.parameters) != 0 else { return false }
            return true
        }
        dm_task_update_nodes()
        let node = "/dev/mapper/" + name
        guard Posix.exists(node) else {
            throw BootError("create device-mapper device", name, detail: "the device is active but libdevmapper made no \(node)")
        }
        return node
    }

    /// Best effort: for an undo.
    package static func remove(_ name: String, _ log: Logger) {
        do {
            try run(CInt(DM_DEVICE_REMOVE), name, what: "remove device-mapper device") { _ in true }
            dm_task_update_nodes()
        } catch {
            log.warning("root", "undo: \(error)")
        }
    }

    /// The target's status line (`dmsetup status`): a snapshot's `used/total metadata`
    /// (sectors), `Overflow` once its store is full, `Invalid` after an error.
    package static func status(_ name: String) throws -> String {
        var line = ""
        try run(CInt(DM_DEVICE_STATUS), name, what: "read the status of") { _ in true } after: { task in
            var start: UInt64 = 0, length: UInt64 = 0
            var type: UnsafeMutablePointer<CChar>?, parameters: UnsafeMutablePointer<CChar>?
            _ = dm_get_next_target(task, nil, &start, &length, &type, &parameters)
            line = parameters.map { String(cString: $0) } ?? ""
        }
        return line
    }

    private static func run(_ type: CInt, _ name: String, what: String, setUp: (OpaquePointer) -> Bool,
                            after: (OpaquePointer) -> Void = { _ in }) throws {
        guard let task = dm_task_create(type) else {
            throw BootError(what, name, detail: "libdevmapper could not make a task (out of memory?)")
        }
        defer { dm_task_destroy(task) }
        guard dm_task_set_name(task, name) != 0, setUp(task) else {
            throw BootError(what, name, detail: "libdevmapper refused the task's parameters")
        }
        guard dm_task_run(task) != 0 else {
            let code = dm_task_get_errno(task)
            throw BootError(what, name, errno: code == 0 ? nil : Errno(rawValue: code),
                            detail: "the device-mapper ioctl failed (is dm-mod loaded? see the modules lines above)")
        }
        after(task)
    }

    /// The size of a block device in 512-byte sectors (a seek to its end says it).
    package static func sectors(of device: String) throws -> UInt64 {
        let descriptor = try Posix.open(device, .readOnly)
        defer { try? descriptor.close() }
        let bytes = lseek(descriptor.rawValue, 0, SEEK_END)
        guard bytes >= 0 else { throw BootError("read the size of", device, errno: Posix.lastErrno, detail: "lseek to its end failed") }
        return UInt64(bytes) / 512
    }
}
