import StatelessCore
import StatelessProtocols
import StatelessSystem

/// What every stage needs, passed explicitly (no globals): the log, the options, and the
/// writer of the timeline and hand-off files.
public final class BootContext {
    public let log: Logger
    public var options = BootOptions()
    /// Whether this process is the initramfs's PID 1 (`/init`), which owns the boot and
    /// must never exit; as an applet a failure just ends the process.
    public let isInit: Bool
    /// printk_devkmsg as the kernel had it, restored before the real init starts.
    var savedDevkmsg: String?
    /// /proc/sys/kernel/modprobe as the kernel had it (its /sbin/modprobe), restored
    /// before the real init starts.
    var savedModprobe: String?
    /// What the kernel passed PID 1 after argv[0] (`single`, `splash`, the words after
    /// `--`): the real init gets the same, as it would without an initramfs.
    var kernelArguments: [String]?

    public init(log: Logger, isInit: Bool) {
        self.log = log
        self.isInit = isInit
    }

    /// Runs one stage: logs its start, records its line in the timeline, and turns a
    /// failure into the one clear line plus the configured fallback.
    public func stage<T>(_ stage: Stage, _ body: () throws -> T) -> T {
        let start = Uptime.now()
        do {
            let result = try body()
            record(TimelineEntry(stage: stage.rawValue, start: start, end: .now(), outcome: "ok"))
            return result
        } catch {
            record(TimelineEntry(stage: stage.rawValue, start: start, end: .now(), outcome: "failed"))
            fail(stage, error)
        }
    }

    /// A stage an applet repeats before its own (each applet parses the command line, the
    /// root and overlay applets also listen for devices): run like `stage`, but its line
    /// goes into the timeline only the first time in this boot, so a boot made of applets
    /// (dracut's hooks) has the same timeline as the whole boot.
    /// `body` learns whether this is that first time (to announce what it found once).
    public func prerequisite<T>(_ stage: Stage, _ body: (_ first: Bool) throws -> T) -> T {
        let recorded = (try? Posix.readText(HandOff.timeline))?.split(separator: "\n")
            .contains { $0.split(separator: " ").first.map(String.init) == stage.rawValue } ?? false
        guard recorded else { return self.stage(stage) { try body(true) } }
        do { return try body(false) } catch { fail(stage, error) }
    }

    /// Appends to the timeline; before /run exists (very early) the line is kept and
    /// written with the next one.
    package func record(_ entry: TimelineEntry) {
        pendingTimeline += entry.line
        if (try? Posix.writeFile(HandOff.timeline, pendingTimeline, append: true)) != nil {
            pendingTimeline = ""
        }
    }

    private var pendingTimeline = ""

    /// Writes `/run/stateless/NAME.env`. A hand-off that cannot be written is a warning:
    /// the boot itself does not depend on it.
    public func handOff<File>(_ facts: HandOffFacts<File>) {
        do {
            try Posix.writeFile(HandOff.path(File.self), HandOff.format(facts))
        } catch {
            log.warning(File.name, "cannot record facts: \(error)")
        }
    }

    /// Reports the failure in one line, then the fallback: as PID 1, an emergency shell
    /// if `rd.shell` asked for one and the image has one, then `rd.emergency`; as an
    /// applet, exit status 1.
    public func fail(_ stage: Stage, _ error: Error) -> Never {
        log.error(stage.rawValue, String(describing: error))
        guard isInit else { Posix.exit(1) }
        if options.shellOnFailure {
            runShell(reason: "rd.shell after the failure above")
        }
        log.error(stage.rawValue, "giving up: \(options.emergencyAction.rawValue) (rd.emergency=; rd.shell=1 with an image built with mkstateless --shell gives a shell first)")
        Emergency.perform(options.emergencyAction, delaySeconds: options.emergencyDelaySeconds, log: log)
    }

    /// Stops at a `rd.break=` point with a shell when the image has one.
    public func breakPoint(_ point: Stage) {
        guard options.breakPoints.contains(point) else { return }
        runShell(reason: "rd.break=\(point.rawValue)")
    }

    package func runShell(reason: String) {
        guard Posix.exists(Emergency.shell) else {
            log.warning("shell", "\(reason): this image has no \(Emergency.shell) (build it with mkstateless --shell); continuing")
            return
        }
        log.info("shell", "\(reason): starting \(Emergency.shell); leave it with exit")
        Emergency.runShell()
    }
}
