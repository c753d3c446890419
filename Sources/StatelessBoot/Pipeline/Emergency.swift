import CLinux
import Glibc

/// The last resorts of PID 1.
public enum Emergency {
    public static let shell = "/bin/sh"

    /// Runs the emergency shell on the console and waits for it. The one wait without a
    /// bound, on purpose: the admin asked for it (rd.shell, rd.break) and leaves with exit.
    public static func runShell() {
        let pid = fork()
        if pid == 0 {
            let console = open("/dev/console", O_RDWR)
            if console >= 0 { for fd in CInt(0)...2 { dup2(console, fd) } }
            setsid()
            var argv: [UnsafeMutablePointer<CChar>?] = [strdup(shell), strdup("-i"), nil]
            execv(shell, &argv)
            _exit(127)
        }
        guard pid > 0 else { return }
        var status: CInt = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Reboots, powers off or halts. PID 1 must never just exit (that panics the kernel
    /// with a message that hides ours), so if reboot(2) fails we wait forever, visibly.
    public static func perform(_ action: EmergencyAction) -> Never {
        sync()
        switch action {
        case .reboot: _ = reboot(RB_AUTOBOOT)
        case .poweroff: _ = reboot(RB_POWER_OFF)
        case .halt: _ = reboot(CInt(bitPattern: RB_HALT_SYSTEM))
        }
        while true { pause() }
    }
}
