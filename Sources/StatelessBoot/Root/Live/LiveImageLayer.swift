import StatelessCore
import StatelessProtocols
import StatelessSystem

/// Looks inside the live image on the loop device below. A squashfs or erofs either is
/// the root (mounted read-only at /sysroot) or, in the older layout, holds
/// `LiveOS/rootfs.img` (or `ext3fs.img`), an ext4 image: then it stays mounted at
/// /run/initramfs/squashfs and that file is handed up, to a loop device and either a
/// device-mapper snapshot or a read-only mount. An image that is itself a block
/// filesystem (ext4 directly on the medium) is handed up as it is.
struct LiveImageLayer: RootLayer {
    package let target: String
    package static let name = "live-image"
    package var name: String { Self.name }

    static let squashMountPoint = "/run/initramfs/squashfs"
    /// The compressed, read-only image formats; anything else is a block filesystem.
    static let containerTypes: Set<String> = ["squashfs", "erofs"]
    static let innerImages = ["LiveOS/rootfs.img", "LiveOS/ext3fs.img"]

    package func attach(_ below: RootResource, _ context: AttachContext) throws -> AttachedLayer {
        guard case .blockDevice(let device) = below else {
            throw BootError("mount live image", "\(below)", detail: "expected the image's loop device below")
        }
        guard let type = try BlockDevices.filesystemType(of: device), Self.containerTypes.contains(type) else {
            return AttachedLayer(resource: below, facts: [(.liveLayout, "block-image")])
        }
        let mounted = try FilesystemLayer.intermediate(at: Self.squashMountPoint, purpose: "live image", mount: .liveSquash)
            .attach(below, context)
        if let inner = Self.innerImages.map({ Self.squashMountPoint + "/" + $0 }).first(where: Posix.isRegularFile) {
            context.log.info("root", "the \(type) image holds \(inner): the root is that ext4 image")
            return AttachedLayer(resource: .file(inner), facts: mounted.facts + [(.liveLayout, "\(type)+rootfs.img")], undo: mounted.undo)
        }
        do {
            try Posix.makeDirectories(target)
            try Posix.move(Self.squashMountPoint, to: target)
        } catch {
            mounted.undo()
            throw error
        }
        context.log.info("root", "the \(type) image is the root: moved to \(target), read-only")
        let log = context.log
        return AttachedLayer(resource: .directory(target), facts: mounted.facts + [(.liveLayout, type), (.fstype(.root), type)],
                             undo: { [target] in
                                 do { try Posix.unmount(target, detach: true) } catch { log.warning("root", "undo: \(error)") }
                             })
    }
}
