import CLinux
import Glibc
import StatelessCore
import StatelessProtocols

/// Starting this same binary as a daemon that outlives switch-root: the lease keeper and
/// the iSCSI bridge.
///
/// It runs as `@APPLET` (systemd's mark for a process that the final killing spree
/// spares, as a root storage daemon must be), in a session of its own, with /dev/null as
/// its standard streams (its lines go to /dev/kmsg, hence the journal). /run comes as
/// descriptor 3, so it can write its state there after switch-root has moved /run;
/// `inherit` names further descriptors to hand over, from 4 on.
package enum Daemon {
    package static let runDescriptor: CInt = 3
    package static let firstExtraDescriptor: CInt = 4

    package static func spawn(_ applet: String, _ arguments: [String], inherit: [CInt] = []) throws -> pid_t {
        let run = open("/run", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard run >= 0 else { throw BootError("open", "/run for @\(applet)", errno: Posix.lastErrno) }
        defer { close(run) }
        // Copies above the target numbers, so that no dup2 below overwrites a source
        // still to be copied, and none is a dup2 onto itself (which would keep its
        // close-on-exec flag).
        let sources = ([run] + inherit).map { fcntl($0, F_DUPFD_CLOEXEC, 10) }
        defer { sources.filter { $0 >= 0 }.forEach { close($0) } }
        guard sources.allSatisfy({ $0 >= 0 }) else { throw BootError("start", "@\(applet)", errno: Posix.lastErrno, detail: "could not pass its descriptors") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        // dup2 clears close-on-exec on the copy, so only these reach the daemon.
        for (offset, source) in sources.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, source, runDescriptor + CInt(offset))
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(STATELESS_POSIX_SPAWN_SETSID))
        var argv: [UnsafeMutablePointer<CChar>?] = (["@" + applet] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, &argv, environ)
        guard result == 0 else { throw BootError("start", "@\(applet)", errno: .init(rawValue: result)) }
        return pid
    }

    /// Replaces `relative` under the inherited /run in one step (a reader never sees half
    /// a file).
    package static func writeRunFile(_ relative: String, _ text: String) {
        let temporary = relative + ".new"
        let fd = openat(runDescriptor, temporary, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        if written == bytes.count { renameat(runDescriptor, temporary, runDescriptor, relative) }
    }
}
