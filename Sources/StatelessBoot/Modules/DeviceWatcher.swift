/// Drives module loading from kernel events while the boot waits for something (the
/// root device, a network link). Booster and systemd-udevd work the same way: a device
/// event with a MODALIAS loads its driver, which may add more devices, and so on.
public final class DeviceWatcher {
    public let modules: ModuleLoader
    private let socket: UeventSocket
    private let log: Logger
    /// How often a wait re-checks its condition and re-scans sysfs, even without events:
    /// covers events lost to a full socket buffer and devices that need no uevent.
    static let recheckMilliseconds = 250
    static let rescanMilliseconds = 2000

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

    /// Handles device events until `condition` holds or `deadline` passes. Returns
    /// whether the condition held. The condition is checked after every batch of events
    /// and at least every 250 ms.
    public func wait(until deadline: Uptime, for condition: () throws -> Bool) rethrows -> Bool {
        var nextRescan = Uptime.now().adding(milliseconds: Self.rescanMilliseconds)
        while true {
            if try condition() { return true }
            let left = deadline.millisecondsLeft()
            if left == 0 { return false }
            for event in socket.receive(waitingUpTo: min(left, Self.recheckMilliseconds)) {
                handle(event)
            }
            if Uptime.now() >= nextRescan {
                for alias in Coldplug.modaliases() { modules.load(alias: alias, reason: "coldplug") }
                nextRescan = Uptime.now().adding(milliseconds: Self.rescanMilliseconds)
            }
        }
    }

    /// Handles events until none arrived for `quietMilliseconds`, or `deadline` passes:
    /// the standalone `modules` applet uses this, like `udevadm settle`.
    public func settle(quietMilliseconds: Int, until deadline: Uptime) -> Bool {
        var quietSince = Uptime.now()
        while deadline.millisecondsLeft() > 0 {
            let events = socket.receive(waitingUpTo: min(deadline.millisecondsLeft(), 100))
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
