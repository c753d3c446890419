import CLinux
import Glibc
import StatelessCore
import StatelessProtocols

/// Turns /sysroot into / and executes the real init, the way systemd's switch-root.c and
/// busybox's switch_root do it on an initramfs (where pivot_root is not possible):
///
/// 1. check that the step is safe (we are PID 1, / is the initramfs, /sysroot is a
///    different, mounted filesystem, and an init exists there) — all before anything
///    is destroyed;
/// 2. move /dev, /proc, /sys and /run into the new root;
/// 3. delete the initramfs contents, never crossing into another mount, to free its RAM;
/// 4. move the new root onto /, chroot into it, put stdio on /dev/console, exec init.
public struct SwitchRoot {
    public static let movedMounts = ["/dev", "/proc", "/sys", "/run"]
    static let ramfsMagic: UInt = 0x8584_58f6
    static let tmpfsMagic: UInt = 0x0102_1994
    /// ST_NOEXEC of statvfs(3): an enum constant Swift's Glibc module does not import.
    static let statvfsNoexec: UInt = 8

    let newRoot: String
    package let log: Logger

    public init(newRoot: String = "/sysroot", log: Logger) {
        self.newRoot = newRoot
        self.log = log
    }

    /// The safety checks; returns the init to execute, as a path inside the new root.
    public func prepare(requestedInit: String?) throws -> String {
        guard getpid() == 1 else {
            throw BootError("switch root", newRoot, detail: "only PID 1 may empty the initramfs; this is PID \(getpid())")
        }
        var fs = statfs()
        guard statfs("/", &fs) == 0 else { throw BootError("statfs", "/", errno: Posix.lastErrno) }
        let magic = UInt(bitPattern: Int(fs.f_type))
        guard magic == Self.ramfsMagic || magic == Self.tmpfsMagic else {
            throw BootError("switch root", "/", detail: "/ is not an initramfs (filesystem magic 0x\(String(magic, radix: 16))); refusing to empty it")
        }
        guard let rootInfo = try Posix.statIfPresent("/"), let newInfo = try Posix.statIfPresent(newRoot),
              rootInfo.raw.st_dev != newInfo.raw.st_dev
        else {
            throw BootError("switch root", newRoot, detail: "nothing is mounted there")
        }
        for candidate in PathInRoot.initCandidates(requested: requestedInit) {
            guard let hostPath = resolveInRoot(candidate),
                  let info = try? Posix.statIfPresent(hostPath), info.kind == .regular
            else { continue }
            if let problem = problem(running: hostPath, info.raw) {
                throw BootError("run init", candidate, detail: problem.description, option: problem.option)
            }
            return candidate
        }
        let tried = PathInRoot.initCandidates(requested: requestedInit).joined(separator: ", ")
        throw BootError("find init in", newRoot, detail: "no executable \(tried) in the root", option: "init=")
    }

    func resolveInRoot(_ path: String) -> String? {
        PathInRoot.resolve(path, root: newRoot, readLink: { try? Posix.readLink($0) })
    }

    /// Why the init at `hostPath` could not run, checked before anything is destroyed:
    /// the mount's noexec, the mode, then its format (loader, interpreter, architecture).
    package func problem(running hostPath: String, _ info: stat) -> InitProblem? {
        var fs = statvfs()
        if statvfs(hostPath, &fs) == 0 && fs.f_flag & Self.statvfsNoexec != 0 { return .noexecMount }
        guard access(hostPath, X_OK) == 0 else { return .notExecutable(mode: info.st_mode) }
        guard let head = try? Posix.readFile(hostPath, limit: 4096) else { return nil }
        return InitProblem.check(ExecutableFormat(head: head)) { path in
            guard let resolved = resolveInRoot(path), let found = try? Posix.statIfPresent(resolved) else { return false }
            return found.kind == .regular
        }
    }

    /// Steps 2–4. Returns only on failure; `recordFacts` is called with the emptying's
    /// figures once the new root's /run is in place, right before exec.
    public func execute(init initPath: String, arguments: [String], recordFacts: (HandOffFacts<SwitchRootEnv>) -> Void) throws -> Never {
        for mount in Self.movedMounts {
            let target = newRoot + mount
            if (try? Posix.statIfPresent(target))??.kind == .directory {
                try Posix.move(mount, to: target)
            } else {
                // Without a mount point the root cannot receive it; detach instead, as
                // systemd does, so nothing keeps the initramfs busy.
                log.warning("switch-root", "\(target) is missing in the root; detaching \(mount) instead of moving it")
                try? Posix.unmount(mount, detach: true)
            }
        }
        var remover = RemoveTree()
        do {
            try remover.removeContents(of: "/")
        } catch {
            log.warning("switch-root", "emptying the initramfs stopped early: \(error)")
        }
        log.info("switch-root", "emptied the initramfs: \(remover.removed) entries removed, \(remover.failed.count) left")
        guard chdir(newRoot) == 0 else { throw BootError("chdir", newRoot, errno: Posix.lastErrno) }
        try Posix.move(".", to: "/")
        guard chroot(".") == 0 else { throw BootError("chroot", newRoot, errno: Posix.lastErrno) }
        guard chdir("/") == 0 else { throw BootError("chdir", "/ of the new root", errno: Posix.lastErrno) }
        recordFacts([(.initPath, initPath), (.initramfsRemoved, String(remover.removed)),
                     (.initramfsLeft, String(remover.failed.count))])
        attachConsole()
        let argv = [initPath] + arguments
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        execv(initPath, &cArguments)
        throw BootError("execute", initPath, errno: Posix.lastErrno, option: "init=")
    }

    /// The real init inherits stdin, stdout and stderr: they must be the console of the
    /// new root's /dev, so that it can print.
    func attachConsole() {
        let console = open("/dev/console", O_RDWR | O_NOCTTY)
        guard console >= 0 else {
            log.warning("switch-root", "cannot open /dev/console in the new root (errno \(errno)); init keeps the initramfs's stdio")
            return
        }
        for fd in 0...2 where fd != console { dup2(console, CInt(fd)) }
        if console > 2 { close(console) }
    }
}
