@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import SystemPackage
import XCTest

/// The one-line explanations PID 1 owes: errno names, long lines, foreign kernels,
/// containers that are not filesystems, inits that cannot run.
final class EarlyBootChecksTests: XCTestCase {
    func testEveryErrnoPrintsByName() {
        XCTAssertEqual(errnoName(.noSuchFileOrDirectory), "ENOENT")
        XCTAssertEqual(errnoName(.init(rawValue: 123)), "ENOMEDIUM")
        XCTAssertEqual(errnoName(.init(rawValue: 121)), "EREMOTEIO")
        XCTAssertEqual(errnoName(.init(rawValue: 9999)), "errno 9999")
        XCTAssertEqual(BootError("mount", "/dev/vda on /sysroot", errno: .noSuchAddressOrDevice).description,
                       "mount /dev/vda on /sysroot: No such device or address (ENXIO)")
    }

    func testLongLinesAreSplitIntoRecordsKmsgAccepts() {
        let message = String(repeating: "é", count: 700) + String(repeating: "x", count: 1500) + " (controlled by rd.timeout=)"
        let line = "stateless: root: " + message
        let records = Logger.kmsgRecords(level: .error, stage: "root", line: line)
        XCTAssertGreaterThan(records.count, 2)
        for record in records {
            XCTAssertLessThanOrEqual(record.utf8.count, Logger.kmsgRecordBytes, record)
            XCTAssertTrue(record.hasPrefix("<3>stateless: root: "))
            XCTAssertTrue(record.hasSuffix("\n"))
        }
        let joined = records.enumerated().map { index, record in
            var text = Substring(record.dropFirst(3).dropLast())
            if index > 0 { text = text.dropFirst("stateless: root: (continued) ".count) }
            return String(text)
        }.joined()
        XCTAssertEqual(joined, line, "nothing is lost or repeated")
        XCTAssertEqual(Logger.kmsgRecords(level: .info, stage: "x", line: "short"), ["<6>short\n"])
        XCTAssertEqual(Logger.kmsgRecords(level: .info, stage: "x", line: ""), ["<6>\n"])
    }

    func testImageForAnotherKernelNamesBothVersions() {
        let detail = KernelRelease.mismatchDetail(running: "6.1.0-57-amd64", present: ["6.1.0-56-amd64"], modulesRoot: "/lib/modules")
        XCTAssertEqual(detail, "this image was built for kernel 6.1.0-56-amd64, not for the running kernel 6.1.0-57-amd64; build an image for it (mkstateless build --kernel 6.1.0-57-amd64)")
        XCTAssertTrue(KernelRelease.mismatchDetail(running: "a", present: [], modulesRoot: "/lib/modules").contains("no module tree"))
        XCTAssertTrue(KernelRelease.mismatchDetail(running: "a", present: ["b", "c"], modulesRoot: "/m").contains("kernels b, c"))
        XCTAssertNotNil(KernelRelease.running())
    }

    func testContainersAreNamedWithWhatTheyNeed() {
        let cases: [(String, String?)] = [
            ("crypto_LUKS", "LUKS"), ("LVM2_member", "LVM"), ("linux_raid_member", "mdadm"),
            ("isw_raid_member", "firmware"), ("ddf_raid_member", "firmware"), ("swap", "swap"),
            ("zfs_member", "ZFS"), ("ext4", nil), ("xfs", nil), ("squashfs", nil),
        ]
        for (type, word) in cases {
            let explanation = BlockDevices.containerExplanation(type)
            if let word {
                XCTAssertTrue(explanation?.contains(word) ?? false, "\(type): \(explanation ?? "nil")")
            } else {
                XCTAssertNil(explanation, type)
            }
        }
    }

    func testReferencesMatchIdentities() {
        let disk = BlockIdentity(type: "ext4", uuid: "0b5d1e2a-aaaa", label: "root", partUUID: "ABCD-01", partLabel: "system")
        let cases: [(BlockDeviceReference, Bool)] = [
            (.tag(name: "UUID", value: "0B5D1E2A-AAAA"), true), (.tag(name: "UUID", value: "0b5d"), false),
            (.tag(name: "LABEL", value: "root"), true), (.tag(name: "LABEL", value: "ROOT"), false),
            (.tag(name: "PARTUUID", value: "abcd-01"), true), (.tag(name: "PARTLABEL", value: "system"), true),
            (.tag(name: "OTHER", value: "root"), false), (.path("/dev/vda"), false),
        ]
        for (reference, expected) in cases {
            XCTAssertEqual(reference.matches(disk), expected, "\(reference)")
        }
        XCTAssertFalse(BlockDeviceReference.tag(name: "UUID", value: "x").matches(BlockIdentity()))
        XCTAssertEqual(BlockIdentity().summary, "nothing recognised")
        XCTAssertEqual(BlockIdentity(type: "ext4", uuid: "u").summary, "ext4, UUID=u")
    }

    func testWaitProgressLine() {
        XCTAssertEqual(WaitProgress.message(what: "block device UUID=x", elapsed: 8, seconds: 30, option: "rd.timeout="),
                       "still waiting for block device UUID=x (8 of 30 s, controlled by rd.timeout=)")
    }

    /// The worker answers each request in a process of its own; one that outlives its
    /// bound is left behind (this process does not wait for it) and the next request gets
    /// a new worker.
    func testKernelWorkerAnswersOrIsLeftBehind() throws {
        let log = Logger(verbose: false)
        let worker = KernelWorker { request in
            if request == Array("pid".utf8) { return getpid() }
            if request == Array("hang".utf8) { sleep(milliseconds: 3000) }
            return CInt(request.count)
        }
        XCTAssertEqual(try worker.call(Array("four".utf8), what: "quick", seconds: 5, option: "x=", stage: "test", log: log), 4)
        let workerPID = try worker.call(Array("pid".utf8), what: "pid", seconds: 5, option: "x=", stage: "test", log: log)
        XCTAssertNotEqual(workerPID, getpid(), "the call is made in another process")
        let start = Uptime.now()
        XCTAssertThrowsError(try worker.call(Array("hang".utf8), what: "slow", seconds: 1, option: "stateless.module-timeout=",
                                             stage: "test", log: log)) { error in
            let error = error as? BootError
            XCTAssertEqual(error?.errno, .timedOut)
            XCTAssertEqual(error?.option, "stateless.module-timeout=")
        }
        let waited = Uptime.now().nanoseconds - start.nanoseconds
        XCTAssertLessThan(waited, 2_500_000_000, "the bound holds although the call goes on")
        XCTAssertEqual(try worker.call(Array("again".utf8), what: "after", seconds: 5, option: "x=", stage: "test", log: log), 5,
                       "a new worker answers the next request")
    }

    /// A worker that dies in a call (a driver's init that oopses) is an error for that call,
    /// one killed between calls is replaced on the next: both get a new worker.
    func testKernelWorkerThatDiesIsReplaced() throws {
        let log = Logger(verbose: false)
        let worker = KernelWorker { request in
            if request == Array("die".utf8) { _exit(3) }
            return request == Array("pid".utf8) ? getpid() : 7
        }
        XCTAssertThrowsError(try worker.call(Array("die".utf8), what: "a crash", seconds: 5, option: "x=", stage: "test", log: log)) { error in
            XCTAssertEqual((error as? BootError)?.kind, .noAnswer)
        }
        let pid = try worker.call(Array("pid".utf8), what: "pid", seconds: 5, option: "x=", stage: "test", log: log)
        kill(pid, SIGKILL)
        XCTAssertEqual(Posix.waitForExit(pid, milliseconds: 5000).map { $0 & 0x7f }, SIGKILL)
        XCTAssertEqual(try worker.call(Array("next".utf8), what: "after a kill", seconds: 5, option: "x=", stage: "test", log: log), 7)
        XCTAssertNotEqual(try worker.call(Array("pid".utf8), what: "pid", seconds: 5, option: "x=", stage: "test", log: log), pid)
    }

    /// A mount request survives the trip through the worker's socket field by field.
    func testMountRequestRoundTrip() {
        let requests = [
            MountRequest(source: "10.0.2.2:/root", target: "/sysroot", type: "nfs4", flags: [.readOnly], data: "vers=4.2,addr=10.0.2.2"),
            MountRequest(source: "/dev/vda", target: "/sysroot", type: nil, flags: [], data: nil),
            MountRequest(source: "", target: "/x", type: "", flags: [.bind], data: ""),
        ]
        for request in requests {
            XCTAssertEqual(MountRequest(decoding: request.encoded), request)
        }
        XCTAssertNil(MountRequest(decoding: Array("only\0two\0".utf8)))
    }

    /// mount(2) in the worker fails as it would in this process: the same error line.
    func testWorkerMountErrorIsPosixMountError() {
        let worker = KernelWorker { _ in 0 }
        XCTAssertThrowsError(try worker.mount(source: "/nonexistent/source", target: "/nonexistent/target", type: "ext4",
                                              seconds: 5, stage: "test", log: Logger(verbose: false))) { error in
            let error = error as? BootError
            XCTAssertEqual(error?.operation, "mount")
            XCTAssertEqual(error?.errno, .noSuchFileOrDirectory)
        }
    }
}
