import CLinux
import Glibc

/// The last resorts of PID 1.
public enum Emergency {
    public static let shell = "/bin/sh"

    /// Runs the emergency shell and waits for it. The one wait without a bound, on
    /// purpose: the admin asked for it (rd.shell, rd.break) and leaves with exit.
    ///
    /// The shell gets a session of its own with the console's real terminal as its
    /// controlling tty, so Ctrl-C and job control work: /dev/console itself can never be
    /// a controlling terminal (the kernel opens it with noctty).
    public static func runShell() {
        // Everything the child needs is built before fork: after it, only system calls.
        let terminal = strdup(consoleTerminal())
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup(shell), strdup("-i"), nil]
        defer { (argv + [terminal]).forEach { free($0) } }
        let pid = fork()
        if pid == 0 {
            setsid()
            var fd = terminal.map { open($0, O_RDWR) } ?? -1
            if fd < 0 { fd = open("/dev/console", O_RDWR) }
            if fd >= 0 {
                _ = ioctl(fd, UInt(TIOCSCTTY), 0)
                for target in CInt(0)...2 { dup2(fd, target) }
                if fd > 2 { close(fd) }
            }
            execv(shell, &argv)
            _exit(127)
        }
        guard pid > 0 else { return }
        var status: CInt = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    static let syncSeconds = 10

    /// sync(2) in a child, waited for `seconds` at most: a dead NFS or iSCSI root blocks
    /// it for as long as the server is gone, and the reboot must not wait for that. The
    /// child is left in the kernel when the bound passes; the reboot ends it.
    static func boundedSync(seconds: Int, log: Logger) {
        let pid = fork()
        if pid == 0 {
            sync()
            _exit(0)
        }
        guard pid > 0 else {
            log.warning("emergency", "cannot fork to sync the filesystems (\(errnoName(Posix.lastErrno))); going on without it")
            return
        }
        guard Posix.waitForExit(pid, milliseconds: seconds * 1000) == nil else { return }
        log.warning("emergency", "syncing the filesystems did not finish within \(seconds) s (a network root whose server is gone?); going on without it")
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
            _ = reboot(CInt(bitPattern: RB_ENABLE_CAD))
            log.notice("emergency", "the boot stopped at the error above; press Ctrl-Alt-Del to restart (rd.emergency=reboot restarts by itself)")
        case .reboot, .poweroff:
            if delaySeconds > 0 {
                log.notice("emergency", "\(action.rawValue) in \(delaySeconds) s (rd.emergency=, stateless.emergency-delay=)")
                sleep(milliseconds: delaySeconds * 1000)
            }
            _ = reboot(action == .reboot ? RB_AUTOBOOT : RB_POWER_OFF)
        }
        while true { pause() }
    }
}
