import StatelessCore
import StatelessProtocols
import StatelessSystem

/// The bottom layer of a block root: waits, bounded by `rd.timeout`, for the device the
/// admin named. Devices are probed when their uevent arrives (and once at the start for
/// those already there), never by rescanning every device on every tick.
struct BlockDeviceLayer: RootLayer {
    package let reference: BlockDeviceReference
    /// For the error line: `root device`, `live medium`.
    package var purpose = "root device"
    package var option = "rd.timeout="
    package var name: String { "block-device" }

    package func attach(_ below: RootResource, _ context: AttachContext) throws -> AttachedLayer {
        let device = try Self.wait(for: reference, purpose: purpose, seconds: context.options.deviceTimeoutSeconds,
                                   option: option, context)
        return AttachedLayer(resource: .blockDevice(device),
                             facts: [(.spec, reference.description), (.device, device)])
    }

    /// Waits up to `seconds` for the device `reference` names; the error names what was
    /// found instead. The state store's device is awaited the same way.
    package static func wait(for reference: BlockDeviceReference, purpose: String, seconds: Int, option: String,
                     _ context: AttachContext) throws -> String {
        var finder = BlockDeviceFinder(reference: reference)
        let progress = WaitProgress(what: "block device \(reference)", seconds: seconds, option: option,
                                    stage: context.stage, log: context.log)
        var device: String?
        _ = context.watcher.wait(until: Uptime.now().adding(milliseconds: seconds * 1000), progress: progress) { events, overflowed in
            device = finder.update(events: events, rescan: overflowed, registered: context.watcher.registeredBlockDevices)
            return device != nil
        }
        guard let device else {
            finder.probeAllForReport()
            throw BootError("wait for \(purpose)", reference.description,
                            detail: "no block device with \(reference) appeared within \(seconds) s (found: \(finder.foundInstead))",
                            option: option)
        }
        context.log.info(context.stage, "found \(reference) at \(device)")
        return device
    }
}

/// Tracks the block devices seen so far and finds the one a reference names.
struct BlockDeviceFinder {
    package let reference: BlockDeviceReference
    private(set) var seen: [String: BlockIdentity] = [:]
    private var scanned = false
    /// Devices that could not be read yet (a disc spinning up, a partition table being
    /// read) are probed again this often.
    static let retryUnreadableMilliseconds = 2000
    private var nextRetry = Uptime.now().adding(milliseconds: retryUnreadableMilliseconds)

    package init(reference: BlockDeviceReference) { self.reference = reference }

    /// Probes the devices of `events` (all `registered` ones on the first call or when
    /// events were lost) and returns the device node that matches, if any. Only
    /// registered devices are opened (DeviceWatcher.registeredBlockDevices, which follows
    /// sysfs and the events).
    package mutating func update(events: [Uevent], rescan: Bool, registered: Set<String>) -> String? {
        if case .path(let path) = reference {
            // A path needs no probe: a stat says whether the node is there, sysfs which
            // device it is.
            guard let info = try? Posix.statIfPresent(path), info.kind == .blockDevice,
                  let name = BlockDevices.kernelName(of: info), registered.contains(name) else { return nil }
            return path
        }
        var names: [String] = []
        if !scanned || rescan {
            names = registered.sorted()
            scanned = true
        }
        for event in events where event.subsystem == "block" && (event.action == "add" || event.action == "change") {
            if let name = event.devname { names.append(name) }
        }
        if Uptime.now() >= nextRetry {
            names += seen.filter { $0.value == BlockIdentity() }.map(\.key)
            nextRetry = Uptime.now().adding(milliseconds: Self.retryUnreadableMilliseconds)
        }
        probe(names)
        return seen.sorted { $0.key < $1.key }.first { reference.matches($0.value) }.map { "/dev/" + $0.key }
    }

    /// Unreadable ones (a CD drive without a disc) are still worth naming in the error.
    private mutating func probe(_ names: [String]) {
        for name in names where !Self.isSkipped(name) {
            seen[name] = BlockDevices.identity(of: "/dev/" + name) ?? BlockIdentity()
        }
    }

    /// Floppy drives: probing one without a disk can block for many seconds, and no
    /// root lives there (udev's persistent-storage rules skip them too).
    static func isSkipped(_ name: String) -> Bool { name.hasPrefix("fd") }

    /// For the error line of a `/dev/…` root, which is never probed while waiting.
    mutating func probeAllForReport() {
        if seen.isEmpty { probe(BlockDevices.listed()) }
    }

    /// The devices seen, for the "found instead" half of an error line.
    var foundInstead: String {
        guard !seen.isEmpty else { return "no block devices" }
        return seen.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value.summary))" }.joined(separator: ", ")
    }
}
