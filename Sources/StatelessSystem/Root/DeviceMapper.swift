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

    /// Opens libdevmapper and asks for dm-mod; throws when the image has no libdevmapper.
    package static func prepare(_ modules: ModuleLoader) throws {
        let dm = try LibDevmapper.open()
        modules.load(alias: "devname:mapper/control", reason: "device-mapper")
        dm.udevSetSyncSupport(0)
        dm.udevSetChecking(0)
    }

    /// Creates and activates `name` with one target; returns its /dev/mapper node.
    package static func create(_ name: String, _ target: Target, readOnly: Bool) throws -> String {
        let dm = try LibDevmapper.open()
        try run(dm, CInt(DM_DEVICE_CREATE), name, what: "create device-mapper device") { task in
            if readOnly { _ = dm.taskSetReadOnly(task) }
            guard dm.taskAddTarget(task, target.start, target.sectors, target.type, target.parameters) != 0 else { return false }
            return true
        }
        dm.taskUpdateNodes()
        let node = "/dev/mapper/" + name
        guard Posix.exists(node) else {
            throw BootError("create device-mapper device", name, detail: "the device is active but libdevmapper made no \(node)")
        }
        return node
    }

    /// Best effort: for an undo.
    package static func remove(_ name: String, _ log: Logger) {
        do {
            let dm = try LibDevmapper.open()
            try run(dm, CInt(DM_DEVICE_REMOVE), name, what: "remove device-mapper device") { _ in true }
            dm.taskUpdateNodes()
        } catch {
            log.warning("root", "undo: \(error)")
        }
    }

    /// The target's status line (`dmsetup status`): a snapshot's `used/total metadata`
    /// (sectors), `Overflow` once its store is full, `Invalid` after an error.
    package static func status(_ name: String) throws -> String {
        let dm = try LibDevmapper.open()
        var line = ""
        try run(dm, CInt(DM_DEVICE_STATUS), name, what: "read the status of") { _ in true } after: { task in
            var start: UInt64 = 0, length: UInt64 = 0
            var type: UnsafeMutablePointer<CChar>?, parameters: UnsafeMutablePointer<CChar>?
            _ = dm.getNextTarget(task, nil, &start, &length, &type, &parameters)
            line = parameters.map { String(cString: $0) } ?? ""
        }
        return line
    }

    private static func run(_ dm: LibDevmapper, _ type: CInt, _ name: String, what: String, setUp: (OpaquePointer) -> Bool,
                            after: (OpaquePointer) -> Void = { _ in }) throws {
        guard let task = dm.taskCreate(type) else {
            throw BootError(what, name, detail: "libdevmapper could not make a task (out of memory?)")
        }
        defer { dm.taskDestroy(task) }
        guard dm.taskSetName(task, name) != 0, setUp(task) else {
            throw BootError(what, name, detail: "libdevmapper refused the task's parameters")
        }
        guard dm.taskRun(task) != 0 else {
            let code = dm.taskErrno(task)
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

/// The part of libdevmapper DeviceMapper calls, opened with dlopen(3) the first time
/// (SharedLibrary): libdevmapper brings libudev, and only live snapshots and verity
/// roots make device-mapper devices.
package struct LibDevmapper {
    let taskCreate: stateless_dm_task_create
    let taskDestroy: stateless_dm_task_destroy
    let taskSetName: stateless_dm_task_set_name
    let taskSetReadOnly: stateless_dm_task_set_ro
    let taskAddTarget: stateless_dm_task_add_target
    let taskRun: stateless_dm_task_run
    let taskErrno: stateless_dm_task_get_errno
    let taskUpdateNodes: stateless_dm_task_update_nodes
    let getNextTarget: stateless_dm_get_next_target
    let udevSetSyncSupport: stateless_dm_udev_set_sync_support
    package let udevSetChecking: stateless_dm_udev_set_checking

    nonisolated(unsafe) private static var opened: LibDevmapper?

    /// The library, opened once per process; the error says how an image gets it.
    package static func open() throws -> LibDevmapper {
        if let opened { return opened }
        let loaded = try SharedLibrary.load(ImageLayout.devmapperLibrary) { library throws(SharedLibrary.Unavailable) in
            LibDevmapper(
                taskCreate: try library.function("dm_task_create"), taskDestroy: try library.function("dm_task_destroy"),
                taskSetName: try library.function("dm_task_set_name"), taskSetReadOnly: try library.function("dm_task_set_ro"),
                taskAddTarget: try library.function("dm_task_add_target"), taskRun: try library.function("dm_task_run"),
                taskErrno: try library.function("dm_task_get_errno"), taskUpdateNodes: try library.function("dm_task_update_nodes"),
                getNextTarget: try library.function("dm_get_next_target"),
                udevSetSyncSupport: try library.function("dm_udev_set_sync_support"),
                udevSetChecking: try library.function("dm_udev_set_checking"))
        }
        opened = loaded
        return loaded
    }
}
