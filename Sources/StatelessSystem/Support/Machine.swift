import CLinux
import Glibc
import StatelessCore
import SystemPackage

/// What PID 1 does to the machine as a whole when the boot cannot go on: a shell on the
/// console, sync, reboot, power off. `Emergency` (the boot target) decides which.
public enum Machine {
    /// Runs `shell` interactively and waits for it, with no bound: the admin asked for it
    /// (rd.shell, rd.break) and leaves with exit.
    ///
    /// The shell gets a session of its own with the console's real terminal (`terminal`)
    /// as its controlling tty, so Ctrl-C and job control work: /dev/console itself can
    /// never be a controlling terminal (the kernel opens it with noctty).
    public static func runShell(_ shell: String, terminal: String) {
        // Everything the child needs is built before fork: after it, only system calls.
        let terminalPath = strdup(terminal)
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup(shell), strdup("-i"), nil]
        defer { (argv + [terminalPath]).forEach { free($0) } }
        let pid = fork()
        if pid == 0 {
            setsid()
            var fd = terminalPath.map { open($0, O_RDWR) } ?? -1
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

    /// How a bounded sync ended.
    public enum SyncOutcome: Equatable { case done, cannotFork(Errno), timedOut }

    /// sync(2) in a child, waited for `seconds` at most: a dead NFS or iSCSI root blocks
    /// it for as long as the server is gone, and the reboot must not wait for that. The
    /// child is left in the kernel when the bound passes; the reboot ends it.
    public static func boundedSync(seconds: Int) -> SyncOutcome {
        let pid = fork()
        if pid == 0 {
            sync()
            _exit(0)
        }
        guard pid > 0 else { return .cannotFork(Posix.lastErrno) }
        return Posix.waitForExit(pid, milliseconds: seconds * 1000) == nil ? .timedOut : .done
    }

    /// Ctrl-Alt-Del reboots at once (the kernel does it, no init needed).
    public static func enableCtrlAltDel() {
        _ = reboot(CInt(bitPattern: RB_ENABLE_CAD))
    }

    /// reboot(2): restart or power off now. Returns only when the kernel refused.
    public static func restart(powerOff: Bool) {
        _ = reboot(powerOff ? RB_POWER_OFF : RB_AUTOBOOT)
    }

    /// Waits for ever: PID 1 must never exit (that panics the kernel with a message that
    /// hides ours).
    public static func waitForever() -> Never {
        while true { pause() }
    }
}
