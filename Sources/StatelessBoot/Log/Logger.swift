import Glibc

/// Writes the boot's log lines: every line to /dev/kmsg (so `dmesg` and the journal of
/// the booted system have them), and to the console — errors always, progress only
/// when the kernel command line does not say `quiet`. The kernel already echoes kmsg
/// records below its console log level to the console; those are not written twice.
///
/// Lines look like `stateless: root: mounted /dev/vda on /sysroot (ext4, ro)`.
public final class Logger {
    public enum Level: Int { case error = 3, warning = 4, info = 6 }

    private var kmsg: CInt = -1
    /// The kernel's console_loglevel: kmsg records with a lower level reach the console.
    private var consoleLogLevel = 0
    /// Whether /dev/kmsg takes every line (printk_devkmsg=on). By default the kernel
    /// rate-limits userspace writes and would drop lines — the fatal one included — so
    /// only then can the console rely on the kernel's echo.
    public var kmsgUnlimited = false
    /// Print progress lines on the console too (false with `quiet`).
    public var verbose: Bool

    public init(verbose: Bool = true) {
        self.verbose = verbose
        openKmsg()
    }

    deinit { if kmsg >= 0 { close(kmsg) } }

    /// (Re)opens /dev/kmsg; called again once devtmpfs is mounted.
    public func openKmsg() {
        if kmsg < 0 { kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY) }
        if let printk = try? Posix.readText("/proc/sys/kernel/printk"),
           let first = printk.split(whereSeparator: { $0 == " " || $0 == "\t" }).first, let level = Int(first) {
            consoleLogLevel = level
        }
    }

    public func error(_ stage: String, _ message: String) { write(.error, stage, message) }
    public func warning(_ stage: String, _ message: String) { write(.warning, stage, message) }
    public func info(_ stage: String, _ message: String) { write(.info, stage, message) }

    public func write(_ level: Level, _ stage: String, _ message: String) {
        let line = "stateless: \(stage): \(message)\n"
        let echoedByKernel = kmsg >= 0 && kmsgUnlimited && level.rawValue < consoleLogLevel
        if (level.rawValue <= Level.warning.rawValue || verbose) && !echoedByKernel {
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
