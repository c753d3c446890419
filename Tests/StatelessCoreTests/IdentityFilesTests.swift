@testable import StatelessCore
import XCTest

final class IdentityFilesTests: XCTestCase {
    func testPatternsMatchTheirDirectoryOnly() throws {
        let leases = try XCTUnwrap(IdentityFiles.entry(for: "/var/lib/dhcp/dhclient.eth0.leases"))
        XCTAssertEqual(leases.pattern, "/var/lib/dhcp/*.leases")
        XCTAssertEqual(leases.directory, "/var/lib/dhcp")
        XCTAssertTrue(leases.matches("/var/lib/dhcp/.leases"))
        XCTAssertFalse(leases.matches("/var/lib/dhcp/sub/x.leases"), "only the directory itself")
        XCTAssertFalse(leases.matches("/var/lib/dhcp/dhclient.leases~"))
        XCTAssertFalse(leases.matches("/var/lib/dhcpx/a.leases"))
        XCTAssertEqual(IdentityFiles.entry(for: "/etc/ssh/ssh_host_ed25519_key.pub")?.handling, .sshHostKeys)
        XCTAssertEqual(IdentityFiles.entry(for: "/etc/machine-id")?.handling, .machineID)
        XCTAssertEqual(IdentityFiles.entry(for: "/var/lib/systemd/random-seed")?.handling, .perMachine(.randomSeed))
        XCTAssertNil(IdentityFiles.entry(for: "/etc/ssh/sshd_config"))
        XCTAssertNil(IdentityFiles.entry(for: "/var/lib/systemd/timers/stamp-apt-daily.timer"))
    }

    func testCopiesLeaveOutAllButTheMachineIDWhichIsBoundOverAfterwards() {
        XCTAssertTrue(IdentityFiles.isLeftOutOfCopies("/var/lib/systemd/random-seed"))
        XCTAssertTrue(IdentityFiles.isLeftOutOfCopies("/var/lib/NetworkManager/secret_key"))
        XCTAssertTrue(IdentityFiles.isLeftOutOfCopies("/etc/ssh/ssh_host_rsa_key"))
        XCTAssertTrue(IdentityFiles.isLeftOutOfCopies(IdentityFiles.snakeoilKey))
        XCTAssertFalse(IdentityFiles.isLeftOutOfCopies("/etc/machine-id"))
        XCTAssertFalse(IdentityFiles.isLeftOutOfCopies("/var/lib/systemd/catalog/database"))
    }

    /// A root as debootstrap leaves it, with ssl-cert and a NetworkManager secret.
    func testScanFindsRegularFilesAndOnlyMachineIdsThatHoldAnId() {
        let id = "47e9c5713f294186b31e35d7cfee1fa8"
        var files: [String: String] = [
            "/etc/machine-id": "",  // emptied, as image builders do
            IdentityFiles.dbusMachineID: id + "\n",
            IdentityFiles.snakeoilKey: "KEY", IdentityFiles.snakeoilCertificate: "CERT",
            "/var/lib/NetworkManager/secret_key": "S", "/var/lib/NetworkManager/NetworkManager.state": "x",
            "/var/lib/dhcp/dhclient.leases": "lease", "/etc/ssh/ssh_host_ed25519_key": "k",
        ]
        func scan() -> [String] {
            IdentityFiles.scan(
                isRegularFile: { files[$0] != nil },
                list: { directory in files.keys.filter { $0.hasPrefix(directory + "/") }.map { String($0.dropFirst(directory.count + 1)) } },
                read: { files[$0] }
            ).map { "\($0.path)\($0.detail.map { " " + $0 } ?? "")" }
        }
        XCTAssertEqual(scan(), [
            "\(IdentityFiles.dbusMachineID) id \(id)", "/etc/ssh/ssh_host_ed25519_key", "/var/lib/dhcp/dhclient.leases",
            "/var/lib/NetworkManager/secret_key", IdentityFiles.snakeoilKey, IdentityFiles.snakeoilCertificate,
        ])
        // D-Bus's copy as a link to /etc/machine-id (what the lab's image used to do) holds no id of its own.
        files[IdentityFiles.dbusMachineID] = nil
        files["/etc/machine-id"] = "uninitialized\n"
        XCTAssertEqual(scan().first, "/etc/ssh/ssh_host_ed25519_key")
    }

    func testRenderedLineSaysWhoReadsItAndWhatTheBootDoes() throws {
        let file = try XCTUnwrap(IdentityFiles.entry(for: IdentityFiles.initiatorName))
        let line = IdentityFiles.render([.init(path: IdentityFiles.initiatorName, file: file, detail: nil)])
        XCTAssertEqual(line, ["/etc/iscsi/initiatorname.iscsi: read by iscsid, iscsiadm (open-iscsi); the boot: replaced by this machine's name (the iSCSI root's, else from the MAC); kept in the state store"])
    }
}
