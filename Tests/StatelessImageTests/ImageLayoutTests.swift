import Foundation
import XCTest
@testable import StatelessImage

final class ImageLayoutTests: XCTestCase {
    func testBaseLayout() throws {
        var tree = ImageTree()
        try ImageBuilder.addBaseLayout(to: &tree)
        XCTAssertEqual(tree["dev/console"], .characterDevice("dev/console", permissions: 0o600, major: 5, minor: 1))
        XCTAssertEqual(tree["dev/null"]?.kind, .characterDevice(major: 1, minor: 3))
        XCTAssertEqual(tree["dev/kmsg"]?.kind, .characterDevice(major: 1, minor: 11))
        for directory in ["proc", "sys", "run", "sysroot", "tmp", "etc"] {
            XCTAssertEqual(tree[directory]?.kind, .directory, directory)
        }
        // Round trip through the writer and reader keeps device numbers and modes.
        let records = try NewcReader.read(NewcWriter().encode(tree.sortedEntries))
        XCTAssertEqual(records.compactMap(\.entry), tree.sortedEntries)
        XCTAssertTrue(records.allSatisfy { $0.uid == 0 && $0.gid == 0 && $0.mtime == 0 })
    }

    func testInitLinks() throws {
        var tree = ImageTree()
        try ImageBuilder.addInitLinks(to: &tree)
        // PID 1 registers this helper for request_module(): it must reach the modprobe
        // applet; the kernel's default /sbin/modprobe must not (its requests before /init
        // would each start the binary).
        XCTAssertEqual(tree["usr/lib/stateless/modprobe"], .symlink("usr/lib/stateless/modprobe", target: "/init"))
        XCTAssertEqual(tree["usr/bin/stateless"], .symlink("usr/bin/stateless", target: "/init"))
        XCTAssertNil(tree["sbin/modprobe"])
        XCTAssertEqual(tree["usr/lib/stateless"]?.kind, .directory)
    }

    func testSkeletonCopySkipsProfilesAndKeepsLinksAndModes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("skeleton-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let manager = FileManager.default
        try manager.createDirectory(at: root.appendingPathComponent("etc/stateless"), withIntermediateDirectories: true)
        try manager.createDirectory(at: root.appendingPathComponent("modules"), withIntermediateDirectories: true)
        try Data("dirs /var/log\n".utf8).write(to: root.appendingPathComponent("etc/stateless/rwtab.default"))
        try Data("fs/ext4/*\n".utf8).write(to: root.appendingPathComponent("modules/generic.profile"))
        try Data("#!/bin/sh\n".utf8).write(to: root.appendingPathComponent("etc/hook"))
        try manager.setAttributes([.posixPermissions: 0o750], ofItemAtPath: root.appendingPathComponent("etc/hook").path)
        try manager.createSymbolicLink(atPath: root.appendingPathComponent("etc/mtab").path, withDestinationPath: "/proc/self/mounts")

        var tree = ImageTree()
        try HostFiles.addTree(root.path, to: &tree, skipping: [ImageBuilder.profileFolder])
        XCTAssertEqual(tree.sortedEntries.map(\.path), ["etc", "etc/hook", "etc/mtab", "etc/stateless", "etc/stateless/rwtab.default"])
        XCTAssertEqual(tree["etc/hook"]?.permissions, 0o750)
        XCTAssertEqual(tree["etc/mtab"]?.kind, .symlink(target: "/proc/self/mounts"))
    }

    func testProfileLookup() throws {
        XCTAssertThrowsError(try ImageBuilder.resolveProfile("generic", skeleton: nil)) { error in
            XCTAssertEqual("\(error)", "find module profile 'generic': no skeleton directory to look in; pass --skeleton or a profile path")
        }
        XCTAssertThrowsError(try ImageBuilder.resolveProfile("/nonexistent/x.profile", skeleton: nil))
    }
}
