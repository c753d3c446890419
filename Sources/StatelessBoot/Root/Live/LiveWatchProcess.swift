import StatelessCore
import StatelessProtocols
import StatelessSystem

/// The watcher of a live snapshot's copy-on-write store, `@live-watch`: a Daemon the
/// snapshot layer starts. A full store makes writes fail and ext4 turn the root
/// read-only, and the kernel's lines name neither the cause nor the option, so the
/// watcher says it in one line, with a warning before (at 90%). The kernel raises no
/// event when a store overflows, so it reads the status every few seconds (one ioctl);
/// it keeps only the device-mapper control descriptor, nothing on the root.
enum LiveWatchProcess {
    static let appletName = "live-watch"
    package static let intervalMilliseconds = 2000
    static let warnPercent = 90

    /// A failure to start is a warning: the snapshot works, only the line is lost.
    package static func start(device: String, storeMiB: Int, log: Logger) {
        do {
            let pid = try Daemon.spawn(appletName, [device, String(storeMiB)])
            log.info("root", "watching \(device)'s copy-on-write store from process \(pid) (@\(appletName))")
        } catch {
            log.warning("root", "no watcher of the live snapshot's store: \(error); a full store shows only as the kernel's I/O errors")
        }
    }

    /// What a snapshot's status line says about its store.
    enum Fill: Equatable {
        case used(percent: Int)
        case full
        case invalid
        case unreadable(String)

        package init(status: String) {
            if status.hasPrefix("Overflow") { self = .full; return }
            if status.hasPrefix("Invalid") { self = .invalid; return }
            let fraction = status.split(separator: " ").first?.split(separator: "/") ?? []
            guard fraction.count == 2, let used = Int(fraction[0]), let total = Int(fraction[1]), total > 0, used >= 0 else {
                self = .unreadable(status)
                return
            }
            self = .used(percent: used * 100 / total)
        }
    }

    /// The applet: `DEVICE-NAME STORE-MIB`. Returns once the store is full.
    package static func run(_ arguments: [String], log: Logger) -> Int32 {
        guard arguments.count == 2, let storeMiB = Int(arguments[1]) else {
            log.error(appletName, "expected the snapshot's name and its store's size in MiB, found: \(arguments.joined(separator: " "))")
            return 2
        }
        let name = arguments[0]
        let option = "(controlled by rd.live.overlay.size=, stateless.tmpfs.size.overlay=)"
        var warned = false
        while true {
            let fill: Fill
            do { fill = Fill(status: try DeviceMapper.status(name)) } catch {
                log.warning(appletName, "stopped watching /dev/mapper/\(name): \(error)")
                return 1
            }
            switch fill {
            case .used(let percent) where percent >= warnPercent && !warned:
                log.warning("live", "the copy-on-write store of /dev/mapper/\(name) is \(percent)% full (\(storeMiB) MiB): when it is full, writes to / fail and the root turns read-only \(option)")
                warned = true
            case .used:
                break
            case .full, .invalid:
                log.error("live", "the copy-on-write store of /dev/mapper/\(name) is full (\(storeMiB) MiB): writes to / fail and the root turns read-only; a bigger store needs more RAM \(option)")
                return 0
            case .unreadable(let status):
                log.warning(appletName, "stopped watching /dev/mapper/\(name): expected a snapshot's status (used/total sectors), found \"\(status)\"")
                return 1
            }
            sleep(milliseconds: intervalMilliseconds)
        }
    }
}
