import CEarlyRandom  // linked for its swift_stdlib_random, which must not block at boot
import Glibc
import StatelessCore
import StatelessProtocols

/// File descriptors 0–2 of a process the kernel starts. PID 1 gets them on /dev/console
/// only when the image has that node; a usermode helper (our `modprobe`) gets none. A
/// missing one is opened on the console (PID 1) or /dev/null, so that no file the
/// process opens later lands on fd 2 and receives its error messages.
public enum StandardStreams {
    public static func ensureOpen(preferConsole: Bool) {
        for fd in CInt(0)...2 where fcntl(fd, F_GETFD) < 0 && errno == EBADF {
            var opened = preferConsole ? open("/dev/console", O_RDWR | O_NOCTTY) : -1
            if opened < 0 { opened = open("/dev/null", O_RDWR) }
            guard opened >= 0 else { return }  // no /dev yet: PID 1 calls again after devtmpfs
            if opened != fd {
                dup2(opened, fd)
                close(opened)
            }
        }
    }
}
