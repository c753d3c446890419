import StatelessCore
import StatelessProtocols
import StatelessSystem

/// A local filesystem the boot writes: the state store's, the cache's. Waited for like
/// the root's device, made ext4 when it is blank and the admin's `*.format=1` says so,
/// refused with what it holds when that is no filesystem, and mounted read-write.
struct LocalFilesystem {
    /// For log lines and errors: `state store`, `cache`.
    var purpose: String
    /// The options that name the device and the wait, for error lines.
    var option: String
    /// `stateless.state.format=`, `stateless.cache.format=`; its label when it formats.
    var formatOption: String
    var formatLabel: String

    /// The device and its filesystem type, mounted at `mountPoint`.
    func attach(_ reference: BlockDeviceReference, waitSeconds: Int, format: Bool, at mountPoint: String, flags: MountFlags,
                _ context: AttachContext) throws -> (device: String, type: String) {
        let device = try BlockDeviceLayer.wait(for: reference, purpose: purpose, seconds: waitSeconds, option: option, context)
        var type = try BlockDevices.filesystemType(of: device)
        if type == nil, format {
            try formatBlank(device, context)
            type = "ext4"
        }
        guard let type else {
            throw BootError("mount \(purpose)", device, detail: "expected a filesystem, found none (\(formatOption)1 makes one on a blank device; or mkfs.ext4 -L \(formatLabel))",
                            option: option + ", " + formatOption)
        }
        if let explanation = BlockDevices.containerExplanation(type) {
            throw BootError("mount \(purpose)", device, detail: "expected a filesystem, found \(explanation)", option: option)
        }
        context.watcher.modules.loadFilesystem(type, reason: purpose)
        try Posix.makeDirectories(mountPoint)
        try context.watcher.modules.kernelCalls.mount(source: device, target: mountPoint, type: type, flags: flags,
                                                      seconds: context.options.mountTimeoutSeconds, stage: context.stage, log: context.log)
        context.log.info(context.stage, "\(purpose): \(reference) (\(device), \(type)) mounted read-write on \(mountPoint)")
        return (device, type)
    }

    /// ext4 with `formatLabel`, on a device with no signature at all (a partition table
    /// counts: the whole disk is never formatted).
    func formatBlank(_ device: String, _ context: AttachContext) throws {
        guard try BlockDevices.isBlank(device) else {
            throw BootError("format \(purpose)", device, detail: "it has a partition table or another signature; only a blank device is formatted",
                            option: option + ", " + formatOption)
        }
        let start = Uptime.now()
        if let problem = Ext4.format(device, label: formatLabel) {
            throw BootError("format \(purpose)", device, detail: "libext2fs: " + problem, option: formatOption)
        }
        context.log.warning(context.stage, "\(purpose): formatted \(device) as ext4 (LABEL=\(formatLabel)) in \(Uptime.now().milliseconds(since: start)) ms, as \(formatOption)1 asks: it was blank")
    }
}
