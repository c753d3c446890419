import StatelessCore
import StatelessProtocols
import StatelessSystem
import SystemPackage

/// Mounts the filesystem on the block device below it, read-only, at `target`: probes
/// its type (or takes `rootfstype=`), explains containers that are not filesystems,
/// loads the filesystem's module, and mounts under `stateless.mount-timeout`, retrying
/// errors that can pass for `rd.retry` seconds.
struct FilesystemLayer: RootLayer {
    package let target: String
    /// What is mounted, for log lines and errors: `root`, `live medium`, `live image`.
    package var purpose = "root"
    /// Whether `rootfstype=` and `rootflags=` apply: not to a medium or image the root
    /// comes from.
    var rootOptions = true
    /// root.env's names for the mount: `ROOT_FSTYPE`, `LIVE_MEDIUM_FSTYPE`.
    var mount: HandOffKey<RootEnv>.Mount = .root
    /// Mounted read-write: a root on a device-mapper snapshot, whose writes go to its
    /// copy-on-write store and never to the image.
    package var writable = false
    package var name: String { "filesystem" }

    /// A filesystem the root comes from (a live medium, the squashfs holding an ext4
    /// image): probed, read-only, none of the root's options.
    static func intermediate(at target: String, purpose: String, mount: HandOffKey<RootEnv>.Mount) -> FilesystemLayer {
        FilesystemLayer(target: target, purpose: purpose, rootOptions: false, mount: mount)
    }

    package func attach(_ below: RootResource, _ context: AttachContext) throws -> AttachedLayer {
        guard case .blockDevice(let device) = below else {
            throw BootError("mount \(purpose)", "\(below)", detail: "a filesystem layer needs a block device below it")
        }
        let options = context.options
        let forcedType = rootOptions ? options.rootFilesystemType : nil
        let probed = try BlockDevices.filesystemType(of: device)
        if forcedType == nil, let probed, let explanation = BlockDevices.containerExplanation(probed) {
            throw BootError("mount \(purpose)", device, detail: "expected a filesystem, found \(explanation)", option: "root=")
        }
        guard let type = forcedType ?? probed else {
            throw BootError("mount \(purpose)", device, detail: "expected a filesystem, found no signature blkid recognizes",
                            option: rootOptions ? "rootfstype=" : "root=")
        }
        try ensureFilesystem(type, device: device, context)

        var mountOptions = try MountOptions(parsing: rootOptions ? options.rootFlags ?? "" : "")
        if writable {
            mountOptions.flags.remove(.readOnly)
            // A full copy-on-write store fails every write: the filesystem turns
            // read-only instead of the machine hanging on errors.
            if type.hasPrefix("ext"), !mountOptions.data.split(separator: ",").contains(where: { $0.hasPrefix("errors=") }) {
                mountOptions.data += (mountOptions.data.isEmpty ? "" : ",") + "errors=remount-ro"
            }
        } else if rootOptions && options.rootWritable {
            mountOptions.flags.remove(.readOnly)
            context.log.warning("root", "mounting the root read-write because stateless.root=rw")
        } else {
            mountOptions.flags.insert(.readOnly)
        }
        try mountRetrying(device: device, type: type, options: mountOptions, context)
        context.log.info("root", "mounted \(device) on \(target) (\(type), \(mountOptions.flags))")
        let log = context.log
        return AttachedLayer(
            resource: .directory(target),
            facts: [(.fstype(mount), type), (.flags(mount), "\(mountOptions.flags)"), (.options(mount), mountOptions.data)],
            undo: { [target] in
                do { try Posix.unmount(target, detach: true) } catch { log.warning("root", "undo: \(error)") }
            })
    }

    /// Loads the filesystem's module and checks that the kernel now knows the type.
    func ensureFilesystem(_ type: String, device: String, _ context: AttachContext) throws {
        context.watcher.modules.loadFilesystem(type, reason: "root filesystem")
        guard Self.kernelFilesystems().contains(type) else {
            throw BootError("mount \(purpose)", device,
                            detail: "filesystem type \"\(type)\" is not known to the kernel: not built in, and fs-\(type) did not load (no such module in the image, blacklisted, or its load failed: see the modules lines above)",
                            option: "rootfstype=")
        }
    }

    /// Each mount(2) runs under `stateless.mount-timeout`; errors that can pass (a device
    /// still settling) are retried for `rd.retry` seconds; anything else is final at once.
    func mountRetrying(device: String, type: String, options mountOptions: MountOptions, _ context: AttachContext) throws {
        try Posix.makeDirectories(target)
        let options = context.options
        let data = mountOptions.data.isEmpty ? nil : mountOptions.data
        let option = rootOptions ? "rootfstype=, rootflags=, rd.retry=" : "root=, rd.retry="
        do {
            try Retry(seconds: options.retryBound(network: false), clock: KernelClock()).run({ _ in
                try context.watcher.modules.kernelCalls.mount(source: device, target: target, type: type, flags: mountOptions.flags,
                                                              data: data, seconds: options.mountTimeoutSeconds, stage: "root", log: context.log)
            }, judge: { error in
                // mount(2)'s own answer may pass; a call that outlived its bound is not retried.
                guard let error = error as? BootError, error.kind == .failed, let errno = error.errno, Self.isTransient(errno) else { return .final }
                return .again
            }, willRetry: { error, wait, _ in
                context.log.warning("root", "\(error); retrying in \(Backoff.text(wait))")
            }, gaveUp: { error, spent in
                guard var final = error as? BootError else { return error }
                final.detail = (final.detail.map { $0 + " " } ?? "") + "(\(spent.text))"
                return final
            })
        } catch var error as BootError where error.kind == .failed {
            error.option = option
            throw error
        }
    }

    package static func isTransient(_ errno: Errno) -> Bool {
        [.resourceBusy, .noSuchAddressOrDevice, .resourceTemporarilyUnavailable, .timedOut].contains(errno)
    }

    /// Filesystem types the running kernel knows (/proc/filesystems, second column).
    static func kernelFilesystems() -> Set<String> {
        guard let text = try? Posix.readText("/proc/filesystems") else { return [] }
        return Set(text.split(separator: "\n").compactMap { $0.split(separator: "\t").last.map(String.init) })
    }
}
