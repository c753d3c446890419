@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import Glibc
import SystemPackage
import XCTest

/// From an NFS root as written to the mount(2) calls: versions newest first, the admin's
/// options winning over the defaults for a root, always read-only.
final class NFSMountPlanTests: XCTestCase {
    let server = IPv4Address(10, 0, 2, 2)
    let client = IPv4Address(10, 0, 2, 15)

    func plan(_ root: String, rootFlags: String? = nil) throws -> NFSMountPlan {
        let spec = try NFSRootSpec.parse(root, option: "root")
        return try NFSMountPlan(spec: spec, server: server, path: spec.path, client: client, rootFlags: rootFlags)
    }

    func testVersionsNewestFirst() throws {
        let cases: [(String, [String])] = [
            ("nfs:10.0.2.2:/r", ["4.2", "4.1", "4.0", "3"]), ("nfs4:10.0.2.2:/r", ["4.2", "4.1", "4.0"]),
            ("nfs:10.0.2.2:/r:vers=3", ["3"]), ("nfs:10.0.2.2:/r:nfsvers=3", ["3"]), ("nfs:10.0.2.2:/r:vers=4", ["4.2", "4.1", "4.0"]),
            ("nfs:10.0.2.2:/r:vers=4.1", ["4.1"]), ("nfs:10.0.2.2:/r:vers=4,minorversion=0", ["4.0"]),
            ("nfs:10.0.2.2:/r:minorversion=2", ["4.2"]), ("nfs://10.0.2.2/r", ["4.2", "4.1", "4.0", "3"]),
            ("nfs:10.0.2.2:/r:vers=3,vers=4.0", ["4.0"]),
        ]
        for (root, versions) in cases {
            let plan = try plan(root)
            XCTAssertEqual(plan.attempts.map(\.version), versions, root)
            XCTAssertEqual(plan.attempts.map(\.type), versions.map { $0 == "3" ? "nfs" : "nfs4" }, root)
        }
    }

    /// What the boot loads ahead, while the network comes up, is what the first attempt
    /// mounts with.
    func testModulesAheadMatchTheFirstAttempt() throws {
        for root in ["nfs:10.0.2.2:/r", "nfs4:10.0.2.2:/r", "nfs:10.0.2.2:/r:vers=3", "nfs:10.0.2.2:/r:minorversion=1"] {
            let spec = try NFSRootSpec.parse(root, option: "root")
            let first = try XCTUnwrap(try plan(root).attempts.first, root)
            XCTAssertEqual(NFSMountPlan.firstModules(spec: spec, rootFlags: nil),
                           ["fs-" + first.type, "nfsv" + first.version.prefix(1)], root)
        }
        let spec = try NFSRootSpec.parse("nfs:10.0.2.2:/r", option: "root")
        XCTAssertEqual(NFSMountPlan.firstModules(spec: spec, rootFlags: "nfsvers=3"), ["fs-nfs", "nfsv3"])
        XCTAssertEqual(NFSMountPlan.firstModules(spec: spec, rootFlags: "vers=5"), [], "refused by the mount, not guessed")
        var options = BootOptions()
        options.root = .nfs(spec)
        XCTAssertEqual(RootStage.modulesAhead(options), ["fs-nfs4", "nfsv4"])
        options.root = .block(.tag(name: "UUID", value: "x"))
        XCTAssertEqual(RootStage.modulesAhead(options), [], "the filesystem is probed first")
        options.rootFilesystemType = "xfs"
        XCTAssertEqual(RootStage.modulesAhead(options), ["fs-xfs"])
    }

    func testDefaultsForARoot() throws {
        let plan = try plan("nfs:10.0.2.2:/srv/root")
        XCTAssertEqual(plan.source, "10.0.2.2:/srv/root")
        XCTAssertEqual(plan.flags, [.readOnly])
        XCTAssertEqual(plan.attempts.first?.data, "vers=4.2,hard,timeo=50,retrans=2,addr=10.0.2.2,clientaddr=10.0.2.15")
        XCTAssertEqual(plan.attempts.last?.data, "vers=3,hard,timeo=50,retrans=2,addr=10.0.2.2,nolock")
        XCTAssertFalse(plan.locksWithoutStatd)
    }

    func testTheAdminsOptionsWin() throws {
        let plan = try plan("nfs:10.0.2.2:/r:vers=3,soft,timeo=600,retrans=5,lock,rsize=65536,proto=udp", rootFlags: "rw,noatime,nocto")
        XCTAssertEqual(plan.attempts.map(\.data), ["vers=3,soft,timeo=600,retrans=5,lock,rsize=65536,proto=udp,nocto,addr=10.0.2.2"])
        XCTAssertEqual(plan.flags, [.readOnly, .noATime], "rw never makes the root writable")
        XCTAssertTrue(plan.locksWithoutStatd)
        let four = try self.plan("nfs4:10.0.2.2:/r:clientaddr=192.0.2.1,addr=10.0.2.9,nolock")
        XCTAssertEqual(four.attempts.first?.data, "vers=4.2,clientaddr=192.0.2.1,addr=10.0.2.9,nolock,hard,timeo=50,retrans=2")
        let port = try self.plan("nfs://10.0.2.2:2050/r")
        XCTAssertEqual(port.attempts.first?.data, "vers=4.2,hard,timeo=50,retrans=2,addr=10.0.2.2,port=2050,clientaddr=10.0.2.15")
    }

    func testUnusableVersionsAreRefused() {
        for root in ["nfs:10.0.2.2:/r:vers=5", "nfs:10.0.2.2:/r:vers=4.3", "nfs:10.0.2.2:/r:vers=", "nfs:10.0.2.2:/r:minorversion=3",
                     "nfs:10.0.2.2:/r:vers=3,minorversion=1", "nfs:10.0.2.2:/r:vers=2"] {
            XCTAssertThrowsError(try plan(root), root) { error in
                XCTAssertTrue("\(error)".contains("vers= of 3, 4, 4.0, 4.1 or 4.2"), "\(error)")
            }
        }
    }

    func testImagePathsSplitIntoExportAndFile() {
        let cases: [(String, String, String)] = [
            ("/images/os.squashfs", "/images", "os.squashfs"), ("/os.img", "/", "os.img"),
            ("/a/b/c.erofs", "/a/b", "c.erofs"), ("/images/os.img/", "/images", "os.img"),
        ]
        for (path, directory, file) in cases {
            let split = NFSExportLayer.split(path)
            XCTAssertEqual(split.directory, directory, path)
            XCTAssertEqual(split.file, file, path)
        }
    }

    /// Each errno the kernel gives an NFS mount, in the admin's words; which are retried.
    func testErrorsAreExplained() throws {
        let plan = try plan("nfs:10.0.2.2:/srv")
        let four = plan.attempts[0], three = plan.attempts[3]
        let cases: [(Errno, NFSMountPlan.Attempt, String, Bool)] = [
            (.noSuchFileOrDirectory, four, "the server 10.0.2.2 exports no /srv to this client (NFSv4 paths", false),
            (.noSuchFileOrDirectory, three, "the server 10.0.2.2 exports no /srv", false),
            (.permissionDenied, three, "refused this client access to /srv", false),
            (.connectionRefused, four, "nothing accepts NFS connections on 10.0.2.2 (port 2049)", true),
            (.connectionRefused, NFSMountPlan.Attempt(type: "nfs4", version: "4.2", data: "vers=4.2,port=2051"), "on 10.0.2.2 (port 2051)", true),
            (.connectionRefused, three, "(NFSv3 also needs rpcbind, port 111)", true),
            (.timedOut, four, "the server 10.0.2.2 did not answer", true),
            (.ioError, four, "did not answer within the mount's timeo and retrans", true),
            (.invalidArgument, four, "the kernel refused the mount options vers=4.2,", false),
            (.operationNotSupportedByDevice, four, "the kernel has no NFS client", false),
        ]
        for (errno, attempt, text, transient) in cases {
            XCTAssertTrue(NFSExportLayer.explain(errno, plan, attempt, tried: []).contains(text), "\(errno)")
            XCTAssertEqual(NFSExportLayer.isTransient(errno), transient, "\(errno)")
        }
        XCTAssertEqual(NFSExportLayer.explain(.protocolNotSupported, plan, three, tried: ["4.2", "4.1", "4.0"]),
                       "the server speaks none of NFSv4.2, v4.1, v4.0, v3")
    }

    func testServerFromTheRootOrTheLease() throws {
        var network = try XCTUnwrap(BootNetwork(facts: ["NET_INTERFACE": "ens3", "NET_ADDRESS": "10.0.2.15", "NET_MAC": "52:54:00:12:34:56",
                                                        "NET_DHCP_SERVER": "10.0.2.2", "NET_BOOT_SERVER": "10.0.2.4"]))
        let bare = try NFSRootSpec.parse("nfs:/srv", option: "root")
        XCTAssertEqual(try NFSExportLayer.server(bare, network), IPv4Address(10, 0, 2, 4), "the boot server first")
        network.bootServer = nil
        XCTAssertEqual(try NFSExportLayer.server(bare, network), IPv4Address(10, 0, 2, 2), "then the DHCP server")
        network.dhcpServer = nil
        XCTAssertNil(try NFSExportLayer.server(bare, network))
        XCTAssertEqual(try NFSExportLayer.server(try NFSRootSpec.parse("nfs:10.1.1.1:/srv", option: "root"), network), IPv4Address(10, 1, 1, 1))
        XCTAssertThrowsError(try NFSExportLayer.server(try NFSRootSpec.parse("nfs:files.example:/srv", option: "root"), network)) { error in
            XCTAssertTrue("\(error)".contains("host names are not resolved"), "\(error)")
        }
    }
}

/// net.env read back by the root stage: what a network root needs, hostile files refused.
final class BootNetworkTests: XCTestCase {
    let complete = ["NET_INTERFACE": "ens3", "NET_ADDRESS": "10.0.2.15", "NET_MAC": "52:54:00:12:34:56", "NET_HOSTNAME": "",
                    "NET_DHCP_SERVER": "10.0.2.2", "NET_BOOT_SERVER": "", "NET_ROOT_PATH": "10.0.2.2:/srv/${mac}"]

    func testReadsWhatTheNetStageWrote() throws {
        let network = try XCTUnwrap(BootNetwork(facts: complete))
        XCTAssertEqual(network.interface, "ens3")
        XCTAssertEqual(network.address, IPv4Address(10, 0, 2, 15))
        XCTAssertNil(network.hostname, "an empty value is no value")
        XCTAssertNil(network.bootServer)
        XCTAssertEqual(network.defaultServer, IPv4Address(10, 0, 2, 2))
        XCTAssertEqual(network.rootPath, "10.0.2.2:/srv/${mac}")
    }

    func testMissingOrMalformedFactsAreNoNetwork() {
        for (key, value) in [("NET_INTERFACE", ""), ("NET_ADDRESS", "10.0.2"), ("NET_ADDRESS", "10.0.2.256"), ("NET_MAC", "52:54:00"),
                             ("NET_MAC", "zz:54:00:12:34:56")] {
            var facts = complete
            facts[key] = value
            XCTAssertNil(BootNetwork(facts: facts), "\(key)=\(value)")
        }
        var facts = complete
        facts["NET_BOOT_SERVER"] = "not an address"
        XCTAssertNil(BootNetwork(facts: facts)?.bootServer, "an unreadable optional fact is left out")
    }

    /// root=dhcp: the lease's root-path as dracut reads it: `iscsi:`, else NFS with `nfs:`
    /// optional.
    func testRootFromTheLease() throws {
        var network = try XCTUnwrap(BootNetwork(facts: complete))
        let (source, path) = try RootStage.rootFromLease(network)
        XCTAssertEqual(source, .nfs(NFSRootSpec(version: .nfs, server: "10.0.2.2", path: "/srv/${mac}", options: [], port: nil)))
        XCTAssertEqual(path, "10.0.2.2:/srv/${mac}")
        for (rootPath, expected) in [("nfs4:10.0.2.4:/r:vers=4.1", "nfs4:10.0.2.4:/r:vers=4.1"), ("/tftpboot/%s", "nfs:/tftpboot/%s"),
                                     ("iscsi:10.0.2.2::::iqn.2026-11.lab:root", "iscsi:10.0.2.2:3260/iqn.2026-11.lab:root/(first disk)")] {
            network.rootPath = rootPath
            XCTAssertEqual("\(try RootStage.rootFromLease(network).0)", expected, rootPath)
        }
        for rootPath in ["iscsi:server.example::::iqn.2026-11.lab:root", "relative/path", "10.0.2.2:/x\u{0}y"] {
            network.rootPath = rootPath
            XCTAssertThrowsError(try RootStage.rootFromLease(network), rootPath) { error in
                XCTAssertTrue("\(error)".contains("option 17 on the DHCP server"), "\(error)")
            }
        }
        network.rootPath = nil
        XCTAssertThrowsError(try RootStage.rootFromLease(network)) { error in
            XCTAssertTrue("\(error)".contains("carries no root-path (option 17)"), "\(error)")
        }
    }
}

extension BootNetwork {
    /// net.env as a test writes it by hand.
    init?(facts: [String: String]) { self.init(facts: HandOffValues(facts)) }
}

extension ISCSIBridgeRequest {
    init?(facts: [String: String]) { self.init(facts: HandOffValues(facts)) }
}
