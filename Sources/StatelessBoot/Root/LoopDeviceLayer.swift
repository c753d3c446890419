import StatelessCore
import StatelessProtocols
import StatelessSystem

/// Attaches a filesystem image file to a free loop device, read-only, and hands the
/// device up to the filesystem layer, which probes what the image holds (squashfs,
/// ext4, erofs: by its signature, never by the file's name).
///
/// One LOOP_CONFIGURE (Linux 5.8) sets file, read-only and direct I/O together. Direct
/// I/O keeps the image's pages from being cached twice (once by the loop device, once
/// by NFS); the kernel falls back to buffered I/O where the backing file cannot do it.
/// The loop device holds the open file, so the image stays the inode it was when a
/// server renames a new one into place. No autoclear: the device must outlive this
/// process's descriptor until the mount holds it, and the root is never unmounted
/// before shutdown anyway.
package struct LoopDeviceLayer: RootLayer {
    package let image: String
    /// Read-write: only for the live snapshot's copy-on-write store and a persistent
    /// overlay's filesystem image, never a root image.
    package var writable = false
    static let layerName = "loop-device"
    package var name: String { Self.layerName }

    package func attach(_ below: RootResource, _ context: AttachContext) throws -> AttachedLayer {
        context.watcher.modules.load(alias: "loop", reason: "image file \(image)")
        let attached = try LoopDevice.attach(image, writable: writable, directIO: context.options.loopDirectIO)
        let device = attached.device
        context.log.info("root", "attached \(image) to \(device), \(writable ? "read-write" : "read-only")\(attached.directIO ? ", direct I/O" : "")")
        let log = context.log
        return AttachedLayer(resource: .blockDevice(device),
                             facts: [(.loopDevice, device), (.loopFile, image), (.loopDirectIO, attached.directIO ? "1" : "0")],
                             undo: { Self.detach(device, log) })
    }

    package static func detach(_ device: String, _ log: Logger) {
        do { try LoopDevice.detach(device) } catch { log.warning("root", "undo: \(error)") }
    }
}
