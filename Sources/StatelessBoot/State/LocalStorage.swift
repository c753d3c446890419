import StatelessCore
import StatelessProtocols
import StatelessSystem

/// What a thin client's own disk is good for (the seeds' "local storage for swap,
/// scratchpad"), so that one shared image uses whatever disk each machine has:
///
/// - scratch: the temporary areas (rwtab copies, the overlay's upper directory) on a
///   labelled local filesystem instead of RAM, wiped at each boot unless
///   `stateless.scratch.keep=1` (which makes an overlay persistent);
/// - swap: local swap partitions activated with swapon(2) before the switch. Swap on the
///   network (an nbd or iSCSI device, a loop file) is never used: paging the memory that
///   keeps the network root alive over that same network can deadlock.
package struct LocalStorage {
    static let scratchDirectory = HandOff.directory + "/scratch"
    static let gptSwapType = "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f"

    package let options: StateOptions
    package let context: AttachContext
    package var log: Logger { context.log }

    /// Mounts the scratch filesystem; nil (with a warning: the areas stay in RAM) when it
    /// cannot be.
    func attachScratch(_ reference: BlockDeviceReference) -> String? {
        let option = "stateless.scratch=, stateless.state.timeout="
        do {
            let device = try BlockDeviceLayer.wait(for: reference, purpose: "scratch filesystem", seconds: options.timeoutSeconds,
                                                   option: option, context)
            guard let type = try BlockDevices.filesystemType(of: device), BlockDevices.containerExplanation(type) == nil, type != "swap" else {
                throw BootError("mount scratch", device, detail: "expected a filesystem (make one with mkfs.ext4 -L …)", option: option)
            }
            context.watcher.modules.loadFilesystem(type, reason: "scratch")
            try Posix.makeDirectories(Self.scratchDirectory)
            try Posix.mount(source: device, target: Self.scratchDirectory, type: type, flags: [.noSUID, .noDev])
            log.info("overlay", "scratch: \(reference) (\(device), \(type)) holds the temporary areas instead of RAM\(options.keepScratch ? ", kept across boots" : ", wiped at each boot")")
            return Self.scratchDirectory
        } catch {
            log.warning("overlay", "scratch \(reference) not used: \(error); the temporary areas stay in RAM")
            return nil
        }
    }

    /// Activates the chosen swap; returns the devices now used. Failures are warnings:
    /// a machine boots without swap.
    func activateSwap(_ selection: SwapSelection) -> [String] {
        var devices: [String] = []
        switch selection {
        case .auto:
            for name in BlockDevices.listed().sorted() where Self.isLocal(name) {
                guard let identity = BlockDevices.identity(of: "/dev/" + name) else { continue }
                if identity.type == "swap" {
                    devices.append("/dev/" + name)
                } else if identity.partType?.lowercased() == Self.gptSwapType {
                    log.warning("overlay", "swap: /dev/\(name) has the GPT swap type but no swap signature (\(identity.summary)); not used (mkswap makes one)")
                }
            }
        case .device(let reference):
            do {
                devices = [try BlockDeviceLayer.wait(for: reference, purpose: "swap", seconds: options.timeoutSeconds,
                                                     option: "stateless.swap=, stateless.state.timeout=", context)]
            } catch {
                log.warning("overlay", "swap \(reference) not used: \(error)")
            }
        }
        return devices.filter { device in
            do {
                try Posix.swapOn(device)
                log.info("overlay", "swap: \(device) active")
                return true
            } catch {
                log.warning("overlay", "swap: \(error); not used")
                return false
            }
        }
    }

    /// Whether a block device is on this machine: not a network block device, a loop
    /// device (its file may be on NFS), a RAM disk, an optical or floppy drive, or a disk
    /// behind the kernel's iSCSI initiator.
    static func isLocal(_ name: String) -> Bool {
        guard !["nbd", "loop", "ram", "zram", "sr", "fd"].contains(where: { name.hasPrefix($0) }) else { return false }
        let link = (try? Posix.readLink("/sys/class/block/" + name)) ?? ""
        return !link.split(separator: "/").contains { $0.hasPrefix("session") }
    }
}
