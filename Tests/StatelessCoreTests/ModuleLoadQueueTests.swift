import StatelessCore
import XCTest

final class ModuleLoadQueueTests: XCTestCase {
    typealias Job = ModuleLoadQueue.Job

    /// A fake loader: each module's load takes the given milliseconds; a worker is free
    /// again when its load ends, so loads end out of the order they started in. Returns
    /// the (start, end) of each load and the time everything ended.
    func simulate(_ jobs: [(Job, Int)], slots: Int) -> (spans: [String: (start: Int, end: Int)], order: [String], total: Int) {
        var queue = ModuleLoadQueue(slots: slots)
        for (job, _) in jobs { queue.add(job) }
        let durations = Dictionary(uniqueKeysWithValues: jobs.map { ($0.0.name, $0.1) })
        var now = 0
        var running: [(name: String, end: Int)] = []
        var spans: [String: (start: Int, end: Int)] = [:]
        var order: [String] = []
        while true {
            while let job = queue.next() {
                running.append((job.name, now + durations[job.name]!))
                spans[job.name] = (now, now + durations[job.name]!)
                order.append(job.name)
            }
            guard let first = running.min(by: { $0.end < $1.end }) else { break }
            now = first.end
            running.removeAll { $0.name == first.name }
            queue.finish(first.name)
        }
        XCTAssertTrue(queue.isIdle)
        return (spans, order, now)
    }

    func testIndependentLoadsOverlapAndEndOutOfOrder() {
        // e1000's probe is slow; the disk's driver must not wait behind it.
        let jobs = [(Job(name: "e1000", alias: "pci:e1000", reason: "coldplug", rank: 2), 700),
                    (Job(name: "ata_piix", dependencies: ["scsi_mod", "libata"], alias: "pci:ide", reason: "coldplug", rank: 0), 400),
                    (Job(name: "virtio_pci", alias: "pci:virtio", reason: "coldplug", rank: 0), 100),
                    (Job(name: "virtio_blk", alias: "virtio:d2", reason: "uevent", rank: 0), 50)]
        let result = simulate(jobs, slots: 4)
        XCTAssertEqual(result.total, 700, "all four at once: the longest load is the whole span")
        XCTAssertEqual(result.spans["virtio_blk"]!.end, 50)
        XCTAssertLessThan(result.spans["virtio_pci"]!.end, result.spans["ata_piix"]!.end)
        let serial = simulate(jobs, slots: 1)
        XCTAssertEqual(serial.total, 1250)
        XCTAssertEqual(serial.order, ["ata_piix", "virtio_pci", "virtio_blk", "e1000"], "one worker: by rank, then request order")
    }

    func testLoadsSharingAModuleDoNotRunAtOnce() {
        let jobs = [(Job(name: "nfsv4", dependencies: ["sunrpc", "nfs"], alias: "nfsv4", reason: "root", rank: 1), 300),
                    (Job(name: "nfsv3", dependencies: ["sunrpc", "nfs"], alias: "nfsv3", reason: "root", rank: 1), 200),
                    (Job(name: "ext4", dependencies: ["jbd2", "mbcache"], alias: "fs-ext4", reason: "root", rank: 1), 250)]
        let result = simulate(jobs, slots: 3)
        let v4 = result.spans["nfsv4"]!, v3 = result.spans["nfsv3"]!
        XCTAssertTrue(v4.end <= v3.start || v3.end <= v4.start, "nfsv4 \(v4) and nfsv3 \(v3) share sunrpc and nfs")
        XCTAssertEqual(result.spans["ext4"]!.start, 0, "ext4 shares nothing: it starts at once")
        XCTAssertEqual(result.total, 500)
    }

    /// A shared dependency that is in already holds nothing back: virtio_blk starts while
    /// virtio_pci's insertion has not returned (its init waits for other probes), once
    /// virtio and virtio_ring are live; before that, it waits.
    func testASharedDependencyThatIsLiveDoesNotHoldALoadBack() {
        var queue = ModuleLoadQueue(slots: 4)
        queue.add(Job(name: "virtio_pci", dependencies: ["virtio", "virtio_ring"], alias: "pci:virtio", reason: "coldplug", rank: 0))
        XCTAssertEqual(queue.next()?.name, "virtio_pci")
        queue.add(Job(name: "virtio_blk", dependencies: ["virtio", "virtio_ring"], alias: "virtio:d2", reason: "uevent", rank: 0))
        var live: Set<String> = ["virtio"]
        XCTAssertNil(queue.next(isLive: live.contains), "virtio_ring is still being inserted")
        live.insert("virtio_ring")
        XCTAssertEqual(queue.next(isLive: live.contains)?.name, "virtio_blk")
        XCTAssertEqual(Set(queue.running.keys), ["virtio_pci", "virtio_blk"])
        // Its own name in flight as another load's dependency, not yet live: it waits.
        queue.add(Job(name: "sd_mod", dependencies: ["scsi_mod"], alias: "scsi:t-0x00", reason: "uevent", rank: 0))
        queue.add(Job(name: "scsi_mod", alias: "scsi_mod", reason: "rd.driver.pre", rank: 0))
        XCTAssertEqual(queue.next(isLive: live.contains)?.name, "sd_mod")
        XCTAssertNil(queue.next(isLive: live.contains), "scsi_mod is being inserted by sd_mod's load")
        live.insert("scsi_mod")
        XCTAssertEqual(queue.next(isLive: live.contains)?.name, "scsi_mod")
    }

    func testEachModuleIsQueuedOnceAndAnUrgentRequestGoesFirst() {
        var queue = ModuleLoadQueue(slots: 1)
        XCTAssertTrue(queue.add(Job(name: "e1000", alias: "a", reason: "coldplug", rank: 2)))
        XCTAssertTrue(queue.add(Job(name: "sr_mod", alias: "b", reason: "uevent", rank: 1)))
        XCTAssertTrue(queue.add(Job(name: "ext4", alias: "fs-ext4", reason: "coldplug", rank: 1)))
        // The root's filesystem is now waited for: the same module, urgent.
        XCTAssertFalse(queue.add(Job(name: "ext4", alias: "fs-ext4", reason: "root filesystem", rank: ModuleLoadQueue.urgent)))
        XCTAssertTrue(queue.isPending("ext4"))
        XCTAssertEqual(queue.next()?.name, "ext4")
        XCTAssertNil(queue.next(), "one worker, busy")
        queue.finish("ext4")
        XCTAssertFalse(queue.isPending("ext4"))
        XCTAssertFalse(queue.add(Job(name: "ext4", alias: "fs-ext4", reason: "again", rank: 0)), "loaded once per boot")
        XCTAssertEqual(queue.next()?.name, "sr_mod")
        queue.finish("sr_mod")
        XCTAssertEqual(queue.next()?.name, "e1000")
        queue.finish("e1000")
        XCTAssertNil(queue.next())
        XCTAssertTrue(queue.isIdle)
    }
}
