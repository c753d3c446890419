import StatelessCore
import StatelessProtocols
import StatelessSystem

/// Console lines while a large file comes in (a fetch, a copy into RAM): at every 10 %,
/// at most one every `every` milliseconds, then one line with the time and the rate.
struct TransferProgress {
    package let log: Logger
    package let name: String
    package let every: Int
    private var lastTenth = 0
    private var lastLine = Uptime.now()

    package init(log: Logger, name: String, every: Int = 2_000) {
        self.log = log
        self.name = name
        self.every = every
    }

    package mutating func report(_ done: Int64, of total: Int64?) {
        guard let total, total > 0 else { return }
        let tenth = Int(done * 10 / total)
        guard tenth > lastTenth, tenth < 10, Uptime.now().nanoseconds - lastLine.nanoseconds >= UInt64(every) * 1_000_000 else { return }
        lastTenth = tenth
        lastLine = .now()
        log.info("root", "\(name): \(done >> 20) of \(total >> 20) MiB (\(tenth * 10) %)")
    }

    /// `what`: "fetched http://…", "copied … into RAM".
    func finish(_ bytes: Int64, since start: Uptime, what: String) {
        let milliseconds = max(1, Int((Uptime.now().nanoseconds - start.nanoseconds) / 1_000_000))
        let kibPerSecond = bytes * 1000 / Int64(milliseconds) / 1024
        log.info("root", "\(what): \(bytes) bytes in \(milliseconds / 1000).\(milliseconds % 1000 / 100) s (\(kibPerSecond / 1024).\(kibPerSecond % 1024 * 10 / 1024) MiB/s)")
    }
}
