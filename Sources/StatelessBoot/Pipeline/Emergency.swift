import StatelessCore
import StatelessProtocols
import StatelessSystem

/// The last resorts of PID 1.
public enum Emergency {
    public static let shell = "/bin/sh"

    /// Runs the emergency shell on the console's terminal and waits for it.
    public static func runShell() {
        Machine.runShell(shell, terminal: consoleTerminal())
    }

    static let syncSeconds = 10

    /// Syncs the filesystems before a reboot, `seconds` at most (Machine.boundedSync).
    package static func boundedSync(seconds: Int, log: Logger) {
        switch Machine.boundedSync(seconds: seconds) {
        case .done: break
        case .cannotFork(let errno):
            log.warning("emergency", "cannot fork to sync the filesystems (\(errnoName(errno))); going on without it")
        case .timedOut:
            log.warning("emergency", "syncing the filesystems did not finish within \(seconds) s (a network root whose server is gone?); going on without it")
        }
    }

    /// The terminal behind /dev/console: the last name in /sys/class/tty/console/active
    /// (e.g. `tty0 ttyS0` → /dev/ttyS0).
    static func consoleTerminal() -> String {
        guard let active = try? Posix.readText("/sys/class/tty/console/active"),
              let last = active.split(whereSeparator: { $0 == " " || $0 == "\n" }).last
        else { return "/dev/console" }
        return "/dev/" + last
    }

    /// Acts on `rd.emergency` after a fatal error. `halt` keeps the error on screen and
    /// waits for Ctrl-Alt-Del (the kernel reboots on it); reboot and poweroff first leave
    /// the error readable for `delaySeconds`. PID 1 must never just exit (that panics the
    /// kernel with a message that hides ours), so if reboot(2) fails it waits forever.
    public static func perform(_ action: EmergencyAction, delaySeconds: Int, log: Logger) -> Never {
        boundedSync(seconds: syncSeconds, log: log)
        switch action {
        case .halt:
            Machine.enableCtrlAltDel()
            log.notice("emergency", "the boot stopped at the error above; press Ctrl-Alt-Del to restart (rd.emergency=reboot restarts by itself)")
        case .reboot, .poweroff:
            if delaySeconds > 0 {
                log.notice("emergency", "\(action.rawValue) in \(delaySeconds) s (rd.emergency=, stateless.emergency-delay=)")
                sleep(milliseconds: delaySeconds * 1000)
            }
            Machine.restart(powerOff: action == .poweroff)
        }
        Machine.waitForever()
    }
}
