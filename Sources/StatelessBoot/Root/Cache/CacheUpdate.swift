import StatelessCore
import StatelessProtocols
import StatelessSystem

/// `stateless update`, on a system booted from a cache (the timer unit `make install`
/// ships runs it): the server's newer release is fetched into the slot this boot does not
/// use, the same way the boot does it, and the record flips to it, so the next boot runs
/// it without waiting for the network. The slot in use is never written: its loop device
/// holds the file the root is read from.
enum CacheUpdate {
    static let lockFile = "lock"

    /// 0: fetched, current, or no server (a laptop away from it is no error); 1: refused
    /// or failed; 2: usage. One line on standard output either way.
    static func run(_ arguments: [String], log: Logger) -> Int32 {
        guard arguments.isEmpty else {
            print("usage: stateless update")
            return 2
        }
        guard let facts = HandOff.read(RootEnv.self), let mount = facts[.cacheMount], let release = facts[.cacheRelease],
              let location = facts[.cacheSource],
              let inUse = facts[.cacheSlot].flatMap(CacheRecord.Slot.init(rawValue:)), let version = facts[.cacheVersion].flatMap(UInt64.init)
        else {
            print("stateless update: this system did not boot from a cache (no CACHE_* facts in \(HandOff.path(RootEnv.name))): nothing to update (stateless.cache=)")
            return 1
        }
        guard let source = HTTPURL(parsing: location) else {
            print("stateless update: the releases come from \(location), an NFS export, which only the boot syncs from (it mounts the export for the sync): nothing fetched")
            return 1
        }
        let lock: FileDescriptorLock
        do {
            guard let taken = try FileDescriptorLock.take(mount + "/" + lockFile) else {
                print("stateless update: another update holds \(mount)/\(lockFile): not started")
                return 1
            }
            lock = taken
        } catch {
            print("stateless update: \(error)")
            return 1
        }
        defer { lock.release() }
        let options = (try? BootOptions(KernelCommandLine(parsing: (try? Posix.readFile("/proc/cmdline")) ?? []))) ?? BootOptions()
        let store = CacheStore(directory: mount, device: facts[.cacheDevice] ?? mount)
        var record = store.record()
        let sync = ReleaseSync(source: HTTPReleaseSource(image: source), name: release, store: store, keys: TrustedKeys.load(), log: log, stage: "update",
                               timeoutSeconds: options.cache.timeoutSeconds, retrySeconds: options.retryBound(network: true))
        let (outcome, fetched) = sync.update(&record, running: version, into: inUse.other)
        switch outcome {
        case .fetched:
            print("stateless update: release \(record?.version ?? 0) fetched into slot \(inUse.other.rawValue) (\(fetched) bytes); it boots next (this boot runs \(version) from slot \(inUse.rawValue))")
        case .current:
            print("stateless update: release \(version) from slot \(inUse.rawValue) is the server's: nothing to fetch")
        case .offline:
            print("stateless update: no answer from \(source) within \(options.cache.timeoutSeconds) s: nothing fetched")
        case .refused, .failed:
            print("stateless update: nothing fetched (\(outcome.rawValue)); see the line above")
        }
        return outcome == .refused || outcome == .failed ? 1 : 0
    }
}
