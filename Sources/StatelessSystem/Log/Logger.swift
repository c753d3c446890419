import Glibc
import StatelessCore
import StatelessProtocols

/// Writes the boot's log lines: every line to /dev/kmsg (so `dmesg` and the journal of
/// the booted system have them), and to the console — errors always, progress only
/// when the kernel command line does not say `quiet`. The kernel already echoes kmsg
/// records below its console log level to the console; those are not written twice.
///
/// Lines look like `stateless: root: mounted /dev/vda on /sysroot (ext4, ro)`.
public final class Logger {
    /// syslog levels. `notice` is for lines a person waiting at the console must see
    /// even with `quiet` ("still waiting for …", the emergency countdown).
    public enum Level: Int { case error = 3, warning = 4, notice = 5, info = 6 }

    /// The longest record /dev/kmsg takes (the kernel's LOG_LINE_MAX is 992 bytes, the
    /// `<N>` prefix and newline included; a longer write fails with EINVAL and is lost).
    static let kmsgRecordBytes = 960

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
        // An applet after a dracut hook lifted the limit (as PID 1 does in a standalone
        // image) can rely on the kernel's echo too.
        if !kmsgUnlimited, let setting = try? Posix.readText("/proc/sys/kernel/printk_devkmsg") {
            kmsgUnlimited = setting.trimmingNewline() == "on"
        }
    }

    /// Whether `span` appends to the boot's timeline: in the boot's processes (PID 1, the
    /// stage applets, the kernel's modprobe), not in an admin's `stateless audit`.
    public var recordsSpans = false

    /// Appends a span inside a stage (a module's load, a bounded wait, a network
    /// exchange) to /run/stateless/timeline, for `stateless analyze`. Spans under a
    /// millisecond are left out: a wait whose condition already held is no wait.
    public func span(_ entry: TimelineEntry) {
        guard recordsSpans, entry.end.nanoseconds >= entry.start.nanoseconds + 1_000_000 else { return }
        _ = try? Posix.writeFile(HandOff.timeline, entry.line, append: true)
    }

    public func error(_ stage: String, _ message: String) { write(.error, stage, message) }
    public func warning(_ stage: String, _ message: String) { write(.warning, stage, message) }
    public func notice(_ stage: String, _ message: String) { write(.notice, stage, message) }
    public func info(_ stage: String, _ message: String) { write(.info, stage, message) }

    /// Writes the line to /dev/kmsg (split into records it accepts) and to the console
    /// unless the kernel echoes it there itself. A line /dev/kmsg did not take whole is
    /// always written to the console directly: an error must never be lost.
    public func write(_ level: Level, _ stage: String, _ message: String) {
        let line = "stateless: \(stage): \(message)"
        var inKmsg = kmsg >= 0
        if kmsg >= 0 {
            for record in Self.kmsgRecords(level: level, stage: stage, line: line) where !writeAll(kmsg, record) {
                inKmsg = false
            }
        }
        let echoedByKernel = inKmsg && kmsgUnlimited && level.rawValue < consoleLogLevel
        if (level.rawValue <= Level.notice.rawValue || verbose) && !echoedByKernel {
            _ = writeAll(2, line + "\n")
        }
    }

    /// The kmsg records for one line: each at most `kmsgRecordBytes`, cut at UTF-8
    /// character boundaries; continuations say so, so the console shows one readable
    /// sequence.
    static func kmsgRecords(level: Level, stage: String, line: String, limit: Int = kmsgRecordBytes) -> [String] {
        let prefix = "<\(level.rawValue)>"
        let continuation = "stateless: \(stage): (continued) "
        var records: [String] = []
        var rest = Substring(line)
        var lead = ""
        while true {
            let room = max(16, limit - prefix.utf8.count - lead.utf8.count - 1)
            var end = rest.startIndex
            var bytes = 0
            for index in rest.indices {
                let size = rest[index].utf8.count
                if bytes + size > room { break }
                bytes += size
                end = rest.index(after: index)
            }
            // A single grapheme larger than a record goes whole; kmsg refuses it, so
            // `write` sends the line to the console directly.
            if end == rest.startIndex && !rest.isEmpty { end = rest.index(after: end) }
            let piece = rest[..<end]
            records.append(prefix + lead + piece + "\n")
            rest = rest[piece.endIndex...]
            if rest.isEmpty { return records }
            lead = continuation
        }
    }

    /// Writes all of `text`; false when the file refused any of it.
    private func writeAll(_ fd: CInt, _ text: String) -> Bool {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Glibc.write(fd, base + offset, buffer.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }
}
