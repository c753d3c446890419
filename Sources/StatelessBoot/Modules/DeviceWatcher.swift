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

    public init(modules: ModuleLoader, log: Logger) throws {
        self.socket = try UeventSocket()
        self.modules = modules
        self.log = log
    }

    /// Loads the modules named by `rd.driver.pre`, then those for every device the
    /// kernel found before us.
    public func coldplug(preload: [String]) {
        for name in preload { modules.load(alias: name, reason: "rd.driver.pre") }
        for alias in Coldplug.modaliases() { modules.load(alias: alias, reason: "coldplug") }
    }

    /// Handles device events until `condition` holds or `deadline` passes; returns
    /// whether it held. The condition sees each batch of events (empty at the start and on
    /// a periodic re-check) and whether events were lost, in which case sysfs is scanned
    /// again for modaliases and the condition should re-scan what it watches. `progress`
    /// prints the `still waiting` lines.
    public func wait(
        until deadline: Uptime, progress: WaitProgress? = nil, recheckMilliseconds: Int = recheckMilliseconds,
        for condition: (_ events: [Uevent], _ overflowed: Bool) throws -> Bool
    ) rethrows -> Bool {
        var progress = progress
        if try condition([], false) { return true }
        while true {
            let left = deadline.millisecondsLeft()
            if left == 0 { return false }
            let (events, overflowed) = socket.receive(waitingUpTo: min(left, recheckMilliseconds))
            events.forEach(handle)
            if overflowed {
                log.warning("modules", "kernel events were lost (socket buffer full); scanning sysfs again")
                for alias in Coldplug.modaliases() { modules.load(alias: alias, reason: "coldplug") }
            }
            if try condition(events, overflowed) { return true }
            progress?.tick()
        }
    }

    /// Handles the events queued now, without waiting: for a loop that waits on other
    /// sockets (the DHCP race) and must not leave late devices without their drivers.
    public func handlePending() {
        let (events, overflowed) = socket.receive(waitingUpTo: 0)
        events.forEach(handle)
        if overflowed {
            for alias in Coldplug.modaliases() { modules.load(alias: alias, reason: "coldplug") }
        }
    }

    /// Handles events until none arrived for `quietMilliseconds`, or `deadline` passes:
    /// the standalone `modules` applet uses this, like `udevadm settle`.
    public func settle(quietMilliseconds: Int, until deadline: Uptime) -> Bool {
        var quietSince = Uptime.now()
        while deadline.millisecondsLeft() > 0 {
            let (events, overflowed) = socket.receive(waitingUpTo: min(deadline.millisecondsLeft(), 100))
            if overflowed {
                for alias in Coldplug.modaliases() { modules.load(alias: alias, reason: "coldplug") }
            }
            if events.isEmpty {
                if Uptime.now() >= quietSince.adding(milliseconds: quietMilliseconds) { return true }
            } else {
                events.forEach(handle)
                quietSince = Uptime.now()
            }
        }
        return false
    }

    private func handle(_ event: Uevent) {
        guard event.action == "add" || event.action == "bind" || event.action == "change",
              let alias = event.modalias
        else { return }
        modules.load(alias: alias, reason: "uevent")
    }
}
