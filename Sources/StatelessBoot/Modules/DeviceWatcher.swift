import StatelessCore
import StatelessProtocols
import StatelessSystem

/// Drives module loading from kernel events while the boot waits for something (the
/// root device, a network link). Booster and systemd-udevd work the same way: a device
/// event with a MODALIAS loads its driver, which may add more devices, and so on.
public final class DeviceWatcher {
    public let modules: ModuleLoader
    private let socket: UeventSocket
    private let log: Logger
    /// How often a wait re-checks its condition even without events (a device path
    /// that needs no event, such as one a daemon creates).
    public static let recheckMilliseconds = 250
    /// Whether network controllers get their drivers here. A boot that does not need the
    /// network leaves them to the booted system's udev, which loads every driver again
    /// anyway: under emulation a NIC's probe costs the root disk's driver half a second
    /// of the one processor, for nothing.
    public var loadsNetworkDrivers = true
    /// Block devices the kernel has announced (an `add` or `change` event), and those
    /// listed when the watcher started: the ones that can be opened. A disk's /dev node
    /// comes before its block device is registered (devtmpfs makes it at device_add; the
    /// kernel announces the disk after registering it and reading its partitions), and an
    /// open in between makes the kernel ask for `block-major-M-N` twice, two starts of the
    /// modprobe helper (0.47 s under TCG), and fails.
    public private(set) var registeredBlockDevices: Set<String>

    public init(modules: ModuleLoader, log: Logger) throws {
        self.socket = try UeventSocket()
        self.modules = modules
        self.log = log
        registeredBlockDevices = Set(BlockDevices.listed())
    }

    /// Queues the modules named by `rd.driver.pre`, then those for every device the
    /// kernel found before us (storage first); they load while the boot goes on.
    public func coldplug(preload: [String]) {
        for name in preload { modules.request(alias: name, reason: "rd.driver.pre", rank: 0) }
        rescan()
    }

    /// Queues the modules for what sysfs lists now (at coldplug, and after lost events).
    private func rescan() {
        for (alias, rank) in Coldplug.modaliases() { request(alias, reason: "coldplug", rank: rank) }
    }

    /// Queues a device's modules, unless it is a network controller this boot leaves to
    /// the booted system.
    private func request(_ alias: String, reason: String, rank: Int) {
        guard loadsNetworkDrivers || rank != Coldplug.networkRank else { return }
        modules.request(alias: alias, reason: reason, rank: rank)
    }

    /// Handles device events and module loads until `condition` holds or `deadline`
    /// passes; returns whether it held. The condition sees each batch of events (empty at
    /// the start, when a load ended, and on a periodic re-check) and whether events were
    /// lost, in which case sysfs is scanned again for modaliases and the condition should
    /// re-scan what it watches. `progress` prints the `still waiting` lines.
    ///
    /// The bound is the time the device has once its drivers are in: while module loads
    /// are still running (coldplug's, each within stateless.module-timeout=), the clock
    /// stops, deadline and progress alike. Otherwise `rd.timeout=1` on a slow machine
    /// would run out while the disk's driver was still loading.
    public func wait(
        until deadline: Uptime, progress: WaitProgress? = nil, recheckMilliseconds: Int = recheckMilliseconds,
        for condition: (_ events: [Uevent], _ overflowed: Bool) throws -> Bool
    ) rethrows -> Bool {
        var progress = progress
        var deadline = deadline
        if try condition([], false) { return true }
        while true {
            let left = deadline.millisecondsLeft()
            if left == 0 {
                progress?.record("timeout")
                return false
            }
            let loading = !modules.isIdle
            let before = Uptime.now()
            let (events, overflowed) = next(waitingUpTo: min(left, recheckMilliseconds))
            if loading {
                let paused = Uptime.now().milliseconds(since: before)
                deadline = deadline.adding(milliseconds: paused)
                progress?.pause(milliseconds: paused)
            }
            if try condition(events, overflowed) {
                progress?.record("ok")
                return true
            }
            progress?.tick()
        }
    }

    /// Waits up to `milliseconds` for a device event or the end of a module load, handles
    /// what came (events queue their modules; ended loads are recorded and the next ones
    /// start) and returns the events.
    private func next(waitingUpTo milliseconds: Int) -> (events: [Uevent], overflowed: Bool) {
        let watched = [(socket.descriptor, Poll.input)] + modules.descriptors.map { ($0, Poll.input) }
        _ = try? Poll.wait(watched, milliseconds: milliseconds)
        modules.collect()
        let (events, overflowed) = socket.receive(waitingUpTo: 0)
        events.forEach(handle)
        for event in events where event.subsystem == "block" {
            guard let name = event.devname else { continue }
            if event.action == "remove" { registeredBlockDevices.remove(name) } else { registeredBlockDevices.insert(name) }
        }
        if overflowed {
            log.warning("modules", "kernel events were lost (socket buffer full); scanning sysfs again")
            registeredBlockDevices.formUnion(BlockDevices.listed())
            rescan()
        }
        return (events, overflowed)
    }

    /// Handles the events queued and the loads ended now, without waiting: for a loop
    /// that waits on other sockets (the DHCP race) and must not leave late devices
    /// without their drivers.
    public func handlePending() {
        _ = next(waitingUpTo: 0)
    }

    /// Handles events and loads until no event arrived for `quietMilliseconds` and no
    /// load is left, or `deadline` passes: the standalone `modules` applet uses this, like
    /// `udevadm settle`.
    public func settle(quietMilliseconds: Int, until deadline: Uptime) -> Bool {
        var quietSince = Uptime.now()
        while deadline.millisecondsLeft() > 0 {
            let (events, _) = next(waitingUpTo: min(deadline.millisecondsLeft(), 100))
            if !events.isEmpty || !modules.isIdle {
                quietSince = Uptime.now()
            } else if Uptime.now() >= quietSince.adding(milliseconds: quietMilliseconds) {
                return true
            }
        }
        return false
    }

    private func handle(_ event: Uevent) {
        guard event.action == "add" || event.action == "bind" || event.action == "change",
              let alias = event.modalias
        else { return }
        request(alias, reason: "uevent", rank: Coldplug.rank(alias))
    }
}
