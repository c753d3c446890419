/// Which module loads run at once, and in what order they start.
///
/// Independent modules load concurrently, as udev loads them: a driver's probe spends
/// most of its time waiting for its hardware (e1000's reset, an IDE bus scan), and the
/// root disk's driver must not wait behind it. Each load runs in a worker of its own (the
/// kernel serialises what must be serialised). A load starts when a worker is free and
/// every module it shares with a running load is live already (a common dependency still
/// being inserted by one would be waited for by the other, which holds a worker for
/// nothing; one that is in only holds back a driver whose sibling's init is still
/// running: virtio_blk behind virtio_pci, whose insertion returned only after ata_piix's
/// bus scan, 1.4 s later, under TCG); among those that may start, the lowest rank first
/// (storage before network, what the boot waits for before anything), then the order of
/// the requests.
public struct ModuleLoadQueue: Sendable {
    public struct Job: Equatable, Sendable {
        /// The module asked for.
        public var name: String
        /// What it is inserted with, dependencies first (modules.dep's closure).
        public var dependencies: [String]
        /// What asked for it (a modalias, `fs-ext4`, a name) and why, for the log.
        public var alias: String
        public var reason: String
        /// Lower starts first.
        public var rank: Int

        public init(name: String, dependencies: [String] = [], alias: String, reason: String, rank: Int) {
            self.name = name
            self.dependencies = dependencies
            self.alias = alias
            self.reason = reason
            self.rank = rank
        }

        /// Every module this load may insert.
        var modules: Set<String> { Set(dependencies + [name]) }
    }

    /// The rank of a load the boot is blocked on (a filesystem's module before its mount).
    public static let urgent = -1

    public let slots: Int
    private var waiting: [(sequence: Int, job: Job)] = []
    private(set) public var running: [String: Job] = [:]
    /// Every name ever queued: a module is loaded once per boot.
    private var known: Set<String> = []
    private var sequence = 0

    public init(slots: Int) {
        self.slots = max(1, slots)
    }

    /// Queues `job` unless its module was queued before; false when it was. A later
    /// request with a lower rank raises a waiting job's priority.
    @discardableResult
    public mutating func add(_ job: Job) -> Bool {
        if let index = waiting.firstIndex(where: { $0.job.name == job.name }) {
            waiting[index].job.rank = min(waiting[index].job.rank, job.rank)
            return false
        }
        guard known.insert(job.name).inserted else { return false }
        waiting.append((sequence, job))
        sequence += 1
        return true
    }

    /// The next load to start, now marked running; nil when every worker is busy or each
    /// waiting load shares a module that is not `isLive` yet with a running one.
    public mutating func next(isLive: (String) -> Bool = { _ in false }) -> Job? {
        guard running.count < slots else { return nil }
        let busy = modulesInFlight
        let candidates = waiting.indices.filter { busy.intersection(waiting[$0].job.modules).allSatisfy(isLive) }
        guard let index = candidates.min(by: { (waiting[$0].job.rank, waiting[$0].sequence) < (waiting[$1].job.rank, waiting[$1].sequence) })
        else { return nil }
        let job = waiting.remove(at: index).job
        running[job.name] = job
        return job
    }

    /// Every module the running loads may insert.
    public var modulesInFlight: Set<String> {
        running.values.reduce(into: Set<String>()) { $0.formUnion($1.modules) }
    }

    /// The load of `name` ended (done, failed or abandoned).
    public mutating func finish(_ name: String) {
        running[name] = nil
    }

    /// Whether `name` is waiting or running.
    public func isPending(_ name: String) -> Bool {
        running[name] != nil || waiting.contains { $0.job.name == name }
    }

    public var isIdle: Bool { running.isEmpty && waiting.isEmpty }
}
