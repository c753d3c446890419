import Foundation
@testable import StatelessCore
@testable import StatelessImage
import XCTest

/// `mkstateless audit` and `publish` see the same identity files in a root tree and in
/// the squashfs image made from it.
final class IdentityAuditTests: XCTestCase {
    func testTreeAndItsSquashfsImageShowTheSameFiles() throws {
        let fm = FileManager.default
        let scratch = fm.temporaryDirectory.appendingPathComponent("identity-audit-\(UUID().uuidString)").path
        defer { try? fm.removeItem(atPath: scratch) }
        let root = scratch + "/root"
        let files = [
            "/etc/machine-id": "",
            "/var/lib/dbus/machine-id": "47e9c5713f294186b31e35d7cfee1fa8\n",
            "/etc/ssl/private/ssl-cert-snakeoil.key": "KEY",
            "/etc/iscsi/initiatorname.iscsi": "InitiatorName=iqn.1993-08.org.debian:01:abcdef\n",
            "/var/lib/dhcp/dhclient.leases": "lease {}\n",
            "/etc/ssh/sshd_config": "",
        ]
        for (path, text) in files {
            try fm.createDirectory(atPath: root + (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: root + path))
        }
        try fm.createSymbolicLink(atPath: root + "/var/lib/systemd-random-seed-link", withDestinationPath: "/dev/null")
        let expected = ["/var/lib/dbus/machine-id", "/var/lib/dhcp/dhclient.leases", "/etc/ssl/private/ssl-cert-snakeoil.key", "/etc/iscsi/initiatorname.iscsi"]
        XCTAssertEqual(try IdentityAudit.scan(root).map(\.path), expected)

        let image = scratch + "/root.squashfs"
        _ = try HostCommand.run(["mksquashfs", root, image, "-quiet", "-no-progress"])
        XCTAssertTrue(IdentityAudit.isSquashfs(image))
        XCTAssertFalse(IdentityAudit.isSquashfs(root + "/etc/machine-id"))
        XCTAssertEqual(try IdentityAudit.scan(image).map(\.path), expected)
        XCTAssertThrowsError(try IdentityAudit.scan(root + "/etc/ssh/sshd_config")) {
            XCTAssertTrue("\($0)".contains("expected a root directory, a squashfs image"), "\($0)")
        }
    }
}
