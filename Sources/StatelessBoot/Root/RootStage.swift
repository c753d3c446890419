import SystemPackage
import Glibc

/// Attaches the root read-only at /sysroot. Today's kind is a block device; network and
/// live kinds add their own `attach` beside `attachBlock`.
public struct RootStage {
    public static let target = "/sysroot"

    let options: BootOptions
    let watcher: DeviceWatcher
    let log: Logger

    public init(options: BootOptions, watcher: DeviceWatcher, log: Logger) {
        self.options = options
        self.watcher = watcher
        self.log = log
    }

    /// Returns the facts for /run/stateless/root.env.
    public func attach() throws -> [(String, String)] {
        guard let root = options.root else {
            throw BootError("find root", "root=", detail: "the kernel command line names no root", option: "root=")
        }
        switch root {
        case .block(let reference):
            return try attachBlock(reference)
        }
    }

    func attachBlock(_ reference: BlockDeviceReference) throws -> [(String, String)] {
        let seconds = options.deviceTimeoutSeconds
        var device: String?
        let found = watcher.wait(until: Uptime.now().adding(milliseconds: seconds * 1000)) {
            device = BlockDevices.resolve(reference)
            return device != nil
        }
        guard found, let device else {
            throw BootError("wait for root device", reference.description,
                            detail: "no block device with \(reference) appeared within \(seconds) s (block devices present: \(Self.presentBlockDevices()))",
                            option: "rd.timeout=")
        }
        log.info("root", "found \(reference) at \(device)")

        let probed = try BlockDevices.filesystemType(of: device)
        guard let type = options.rootFilesystemType ?? probed else {
            throw BootError("mount root", device, detail: "expected a filesystem, found no signature blkid recognizes", option: "rootfstype=")
        }
        try ensureFilesystem(type, device: device)

        var mountOptions = try MountOptions(parsing: options.rootFlags ?? "")
        if options.rootWritable {
            mountOptions.flags &= ~UInt(MS_RDONLY)
            log.warning("root", "mounting the root read-write because stateless.root=rw")
        } else {
            mountOptions.flags |= UInt(MS_RDONLY)
        }
        try mountRetrying(device: device, type: type, options: mountOptions)
        log.info("root", "mounted \(device) on \(Self.target) (\(type), \(MountFlags.names(mountOptions.flags)))")
        return [("ROOT_KIND", "block"), ("ROOT_SPEC", reference.description), ("ROOT_DEVICE", device),
                ("ROOT_FSTYPE", type), ("ROOT_FLAGS", MountFlags.names(mountOptions.flags)),
                ("ROOT_OPTIONS", mountOptions.data)]
    }

    /// Loads the filesystem's module and checks that the kernel now knows the type.
    func ensureFilesystem(_ type: String, device: String) throws {
        watcher.modules.loadFilesystem(type, reason: "root filesystem")
        guard Self.kernelFilesystems().contains(type) else {
            throw BootError("mount root", device,
                            detail: "filesystem type \"\(type)\" is neither built into the kernel nor provided by a module in the image",
                            option: "rootfstype=")
        }
    }

    /// Retries errors that can pass (a device still settling) for `rd.retry` seconds;
    /// anything else is final at once.
    func mountRetrying(device: String, type: String, options mountOptions: MountOptions) throws {
        try Posix.makeDirectories(Self.target)
        let deadline = Uptime.now().adding(milliseconds: options.retrySeconds * 1000)
        while true {
            do {
                try Posix.mount(source: device, target: Self.target, type: type, flags: mountOptions.flags,
                                data: mountOptions.data.isEmpty ? nil : mountOptions.data)
                return
            } catch let error as BootError {
                guard let errno = error.errno, Self.isTransient(errno), deadline.millisecondsLeft() > 0 else {
                    var final = error
                    final.option = "rootfstype=, rootflags=, rd.retry="
                    throw final
                }
                log.warning("root", "\(error); retrying")
                sleep(milliseconds: 500)
            }
        }
    }

    static func isTransient(_ errno: Errno) -> Bool {
        [.resourceBusy, .noSuchAddressOrDevice, .resourceTemporarilyUnavailable, .timedOut].contains(errno)
    }

    /// Filesystem types the running kernel knows (/proc/filesystems, second column).
    static func kernelFilesystems() -> Set<String> {
        guard let text = try? Posix.readText("/proc/filesystems") else { return [] }
        return Set(text.split(separator: "\n").compactMap { $0.split(separator: "\t").last.map(String.init) })
    }

    /// Names from /proc/partitions, for the "found instead" half of an error line.
    static func presentBlockDevices() -> String {
        guard let text = try? Posix.readText("/proc/partitions") else { return "unknown" }
        let names = text.split(separator: "\n").dropFirst().compactMap { $0.split(separator: " ").last.map(String.init) }
        return names.isEmpty ? "none" : names.joined(separator: ", ")
    }
}
