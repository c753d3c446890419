import StatelessCore
import StatelessProtocols
import StatelessSystem
import SystemPackage

/// A block-level copy-on-write root, as dracut's dmsquash-live makes it: `live-base` (a
/// read-only linear map of the ext4 image's loop device) and `live-rw` (a snapshot of it)
/// whose changed chunks go to a sparse file in RAM behind a loop device. The root is then
/// mounted read-write from `live-rw`; the image never changes.
///
/// The store's file lives on a tmpfs of its own at /run/initramfs/overlayfs, sized as the
/// overlay area (`rd.live.overlay.size=` in MiB, `stateless.tmpfs.size.overlay`, default
/// 50% of RAM), so that a full store cannot fill /run. The store is dracut's `PO`
/// (persistent, overflow): when it is full, writes needing a new chunk fail while reads
/// and chunks already copied go on, so ext4 (`errors=remount-ro`) turns the root
/// read-only and the machine keeps running; a non-persistent store would be invalidated
/// and fail every read too.
struct LiveSnapshotLayer: RootLayer {
    package static let name = "dm-snapshot"
    package var name: String { Self.name }

    static let baseName = "live-base"
    static let snapshotName = "live-rw"
    static let storeDirectory = "/run/initramfs/overlayfs"
    static let storeFile = storeDirectory + "/overlay"
    /// 4 KiB chunks, dracut's.
    static let chunkSectors = 8

    package func attach(_ below: RootResource, _ context: AttachContext) throws -> AttachedLayer {
        guard case .blockDevice(let image) = below else {
            throw BootError("make the live snapshot", "\(below)", detail: "expected the ext4 image's loop device below")
        }
        try DeviceMapper.prepare(context.watcher.modules)
        context.watcher.modules.load(alias: "dm-snapshot", reason: "live root snapshot")
        let log = context.log
        var undos: [() -> Void] = []
        func undoAll() { for undo in undos.reversed() { undo() } }
        do {
            let sectors = try DeviceMapper.sectors(of: image)
            let storeBytes = try makeStore(context)
            undos.append { do { try Posix.unmount(Self.storeDirectory, detach: true) } catch { log.warning("root", "undo: \(error)") } }
            let storeLoop = try LoopDeviceLayer(image: Self.storeFile, writable: true).attach(.nothing, context)
            undos.append(storeLoop.undo)
            guard case .blockDevice(let storeDevice) = storeLoop.resource else { fatalError("a loop layer hands up a block device") }
            let base = try DeviceMapper.create(Self.baseName, .init(sectors: sectors, type: "linear", parameters: "\(image) 0"), readOnly: true)
            undos.append { DeviceMapper.remove(Self.baseName, log) }
            let snapshot = try DeviceMapper.create(Self.snapshotName,
                                                   .init(sectors: sectors, type: "snapshot", parameters: "\(base) \(storeDevice) PO \(Self.chunkSectors)"),
                                                   readOnly: false)
            undos.append { DeviceMapper.remove(Self.snapshotName, log) }
            LiveWatchProcess.start(device: Self.snapshotName, storeMiB: storeBytes / 1_048_576, log: log)
            context.log.info("root", "\(snapshot): copy-on-write snapshot of \(image) (\(sectors / 2048) MiB), changes in RAM (store \(storeBytes / 1_048_576) MiB, \(Self.storeFile) on \(storeDevice))")
            return AttachedLayer(resource: .blockDevice(snapshot),
                                 facts: [(.liveSnapshot, snapshot), (.liveSnapshotBase, base), (.liveCOWDevice, storeDevice),
                                         (.liveCOWFile, Self.storeFile), (.liveCOWBytes, String(storeBytes))],
                                 undo: undoAll)
        } catch {
            undoAll()
            throw error
        }
    }

    /// Mounts the store's tmpfs and makes the sparse file fill it; returns its size.
    func makeStore(_ context: AttachContext) throws -> Int {
        let size = context.options.tmpfsSizes.size(.overlay)
        try Posix.makeDirectories(Self.storeDirectory)
        try Posix.mount(source: "tmpfs", target: Self.storeDirectory, type: "tmpfs", flags: [.noSUID, .noDev, .noExec],
                        data: "mode=0700,size=\(size)")
        let bytes = try Posix.filesystemBytes(Self.storeDirectory)
        let descriptor = try Posix.open(Self.storeFile, .writeOnly, options: [.create, .exclusiveCreate], permissions: [.ownerReadWrite])
        defer { try? descriptor.close() }
        do { try descriptor.resize(to: Int64(bytes)) } catch let errno as Errno {
            throw BootError("size the copy-on-write store", Self.storeFile, errno: errno, detail: "ftruncate to \(bytes) bytes failed")
        }
        return bytes
    }
}
