import StatelessCore
import StatelessProtocols
import StatelessSystem

/// `rd.live.overlay=<device>[:<path>]`: overlayfs's upper and work directories on a
/// writable filesystem (or in a filesystem image file on it, see `mountImage`), so that a
/// live USB stick keeps its changes across boots. The layout is dracut's (a stick prepared for a dracut live system works unchanged): the
/// upper `/<rd.live.dir>/overlay-<label>-<uuid>` (the medium's label and UUID) unless a
/// path is given, the work directory `ovlwork` beside it; both are made on the first boot.
/// The filesystem is mounted read-write at /run/initramfs/overlayfs, where dracut has it;
/// when it is the medium itself (a stick with one partition), the medium's filesystem is
/// made writable and bound there, while /run/initramfs/live stays a read-only view.
struct LivePersistentOverlay {
    static let mountPoint = "/run/initramfs/overlayfs"
    package let overlay: LiveRootSpec.PersistentOverlay
    let liveDirectory: String
    package let context: AttachContext
    package var log: Logger { context.log }
    package static let option = "rd.live.overlay=, rd.timeout="

    /// The upper and work directories; nil after one warning line when the device is not
    /// there or cannot hold them: the changes then stay in RAM for this boot, as dracut does,
    /// and what was mounted for the overlay is taken down again.
    package func attach() -> (upper: String, work: String)? {
        var mounted: Mounted?
        var image: AttachedLayer?
        do {
            let device = try BlockDeviceLayer.wait(for: overlay.device, purpose: "persistent overlay", seconds: context.options.deviceTimeoutSeconds,
                                                   option: Self.option, context)
            mounted = try mountWritable(device)
            let path = overlay.path ?? defaultPath()
            var upper = Self.mountPoint + path
            var work = String(upper[..<(upper.lastIndex(of: "/") ?? upper.endIndex)]) + "/ovlwork"
            var place = "on \(device)"
            if Posix.isRegularFile(upper) {
                let (attached, loop, type) = try mountImage(upper)
                image = attached
                upper = Self.mountPoint + "/overlayfs"
                work = Self.mountPoint + "/ovlwork"
                place = "in \(path) on \(device) (\(type) on \(loop))"
            } else if Self.cannotHoldUpper.contains(mounted!.type) {
                throw BootError("use persistent overlay", "\(path) on \(device)", detail: "\(mounted!.type) cannot hold an overlayfs upper directory (no extended attributes): put an overlay file there instead, a filesystem image (mkfs.ext4 FILE), as dracut's livecd-iso-to-disk --overlayfs does", option: "rd.live.overlay=")
            }
            let first = !Posix.exists(upper)
            try Posix.makeDirectories(upper)
            try Posix.makeDirectories(work)
            log.info("overlay", "persistent overlay \(place): upper \(upper), work \(work)\(first ? " (made now: its first boot)" : "")")
            return (upper, work)
        } catch {
            log.warning("overlay", "persistent overlay \(overlay.device) not used: \(error); this boot's changes stay in RAM and are lost at shutdown")
            if let mounted { release(mounted, image: image) }
            return nil
        }
    }

    /// Filesystems an overlayfs upper cannot live on (it needs extended attributes and
    /// whiteouts); on such a device only the file form works.
    static let cannotHoldUpper: Set<String> = ["vfat", "msdos", "exfat", "iso9660", "udf", "squashfs", "erofs"]

    /// What `mountWritable` did: the filesystem's type, and whether it is the medium's.
    struct Mounted {
        package var type: String
        var isMedium: Bool
    }

    /// Takes down what a failed attach mounted: the image or the device at the mount point
    /// (the device's own mount is already detached when an image replaced it), the image's
    /// loop device, and the medium's superblock back to read-only. Best effort: the boot
    /// goes on with its changes in RAM either way.
    package func release(_ mounted: Mounted, image: AttachedLayer?) {
        try? Posix.unmount(Self.mountPoint, detach: true)
        image?.undo()
        if mounted.isMedium {
            try? Posix.mount(source: "none", target: LiveMediumLayer.mountPoint, type: nil, flags: [.remount, .readOnly])
        }
    }

    /// dracut's other form: the path is a file holding a filesystem (an ext4 image, as
    /// livecd-iso-to-disk --overlayfs makes on a FAT stick, whose own filesystem cannot
    /// hold an overlayfs upper), with `overlayfs/` and `ovlwork/` at its top (made here if
    /// missing). Attached to a loop device read-write and mounted at
    /// /run/initramfs/overlayfs in place of the device's filesystem, which the loop keeps
    /// busy, as dracut does. A file without a filesystem is dracut's device-mapper store,
    /// which is not used: one line says so.
    func mountImage(_ file: String) throws -> (AttachedLayer, loop: String, type: String) {
        let attached = try LoopDeviceLayer(image: file, writable: true).attach(.nothing, context)
        guard case .blockDevice(let loop) = attached.resource else { fatalError("a loop layer hands up a block device") }
        do {
            let found = try BlockDevices.filesystemType(of: loop)
            guard let type = found, BlockDevices.containerExplanation(type) == nil, type != "swap", !Self.cannotHoldUpper.contains(type) else {
                throw BootError("use persistent overlay", file, detail: "the file holds \(found.map { "\($0), not a filesystem an overlayfs upper can live on" } ?? "no filesystem (dracut's device-mapper store, which this version does not use)"): make it a filesystem image (mkfs.ext4 FILE) or use a directory", option: "rd.live.overlay=")
            }
            context.watcher.modules.loadFilesystem(type, reason: "persistent overlay image")
            try Posix.unmount(Self.mountPoint, detach: true)
            try Posix.mount(source: loop, target: Self.mountPoint, type: type, flags: [.noSUID, .noDev])
            return (attached, loop, type)
        } catch {
            attached.undo()
            throw error
        }
    }

    /// dracut's name: `overlay-<label>-<uuid>` of the medium, in rd.live.dir.
    func defaultPath() -> String {
        let medium = HandOff.read(RootEnv.self)?[.device].flatMap(BlockDevices.identity(of:))
        return "/\(liveDirectory)/overlay-\(medium?.label ?? "")-\(medium?.uuid ?? "")"
    }

    func mountWritable(_ device: String) throws -> Mounted {
        try Posix.makeDirectories(Self.mountPoint)
        let root = HandOff.read(RootEnv.self)
        if let medium = root?[.device], Self.sameDevice(medium, device), root?[.liveMedium] == LiveMediumLayer.mountPoint {
            // One filesystem, one superblock: it becomes writable, the medium's own mount
            // point stays read-only.
            try Posix.mount(source: "none", target: LiveMediumLayer.mountPoint, type: nil, flags: [.remount])
            let mounted = Mounted(type: root?[.fstype(.liveMedium)] ?? "", isMedium: true)
            do {
                try Posix.mount(source: LiveMediumLayer.mountPoint, target: Self.mountPoint, type: nil, flags: [.bind])
                try Posix.mount(source: "none", target: LiveMediumLayer.mountPoint, type: nil, flags: [.remount, .bind, .readOnly])
            } catch {
                release(mounted, image: nil)
                throw error
            }
            return mounted
        }
        guard let type = try BlockDevices.filesystemType(of: device), BlockDevices.containerExplanation(type) == nil, type != "swap" else {
            throw BootError("mount persistent overlay", device, detail: "expected a filesystem (make one with mkfs.ext4 -L …)", option: "rd.live.overlay=")
        }
        context.watcher.modules.loadFilesystem(type, reason: "persistent overlay")
        try Posix.mount(source: device, target: Self.mountPoint, type: type, flags: [.noSUID, .noDev])
        return Mounted(type: type, isMedium: false)
    }

    static func sameDevice(_ a: String, _ b: String) -> Bool {
        guard let first = try? Posix.statIfPresent(a), let second = try? Posix.statIfPresent(b) else { return false }
        return first.deviceNumber == second.deviceNumber && first.kind == .blockDevice && second.kind == .blockDevice
    }
}
