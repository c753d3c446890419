import Glibc

/// Writes the boot's log lines: every line to /dev/kmsg (so `dmesg` and the journal of
/// the booted system have them), and to the console — errors always, progress only
/// when the kernel command line does not say `quiet`.
///
/// Lines look like `stateless: root: mounted /dev/vda on /sysroot (ext4, ro)`.
public final class Logger {
    public enum Level: Int { case error = 3, warning = 4, info = 6, debug = 7 }

    private var kmsg: CInt = -1
    /// Print progress lines on the console too (false with `quiet`).
    public var verbose: Bool

    public init(verbose: Bool = true) {
        self.verbose = verbose
        openKmsg()
    }

    deinit { if kmsg >= 0 { close(kmsg) } }

    /// (Re)opens /dev/kmsg; called again once devtmpfs is mounted.
    public func openKmsg() {
        if kmsg >= 0 { return }
        kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY)
    }

    public func error(_ stage: String, _ message: String) { write(.error, stage, message) }
    public func warning(_ stage: String, _ message: String) { write(.warning, stage, message) }
    public func info(_ stage: String, _ message: String) { write(.info, stage, message) }

    public func write(_ level: Level, _ stage: String, _ message: String) {
        let line = "stateless: \(stage): \(message)\n"
        if level.rawValue <= Level.warning.rawValue || verbose {
            writeAll(2, line)
        }
        if kmsg >= 0 {
            // One write(2) is one kmsg record; the kernel truncates overly long ones.
            writeAll(kmsg, "<\(level.rawValue)>" + line)
        }
    }

    private func writeAll(_ fd: CInt, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Glibc.write(fd, base + offset, buffer.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }  // Nowhere left to report a logging failure.
            offset += written
        }
    }
}
