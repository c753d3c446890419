import XCTest
@testable import StatelessImage

final class ModuleProfileTests: XCTestCase {
    func testGlobs() {
        let cases: [(String, String, Bool)] = [
            ("fs/ext4/*", "fs/ext4/ext4.ko", true),
            ("fs/ext4/*", "fs/ext4/sub/x.ko", false),
            ("fs/nfs/**", "fs/nfs/nfs.ko", true),
            ("fs/nfs/**", "fs/nfs/blocklayout/blocklayoutdriver.ko", true),
            ("fs/nfs/**", "fs/nfsd/nfsd.ko", false),
            ("drivers/**/virtio_*.ko", "drivers/block/virtio_blk.ko", true),
            ("drivers/**/virtio_*.ko", "drivers/virtio_x.ko", true),
            ("**/e1000.ko", "drivers/net/ethernet/intel/e1000/e1000.ko", true),
            ("drivers/md/dm-*", "drivers/md/dm-mod.ko", true),
            ("drivers/md/dm-*", "drivers/md/persistent-data/dm-persistent-data.ko", false),
            ("drivers/block/loop.ko", "drivers/block/loop.ko", true),
            ("drivers/block/loop.ko", "drivers/block/loop.ko.xz", false),
            ("drivers/block/loop.ko*", "drivers/block/loop.ko.xz", true),
            ("drivers/ata/ata_???x.ko", "drivers/ata/ata_piix.ko", true),
            ("a?b", "a/b", false),
            ("*", "", true),
            ("", "x", false),
        ]
        for (pattern, path, expected) in cases {
            XCTAssertEqual(Glob.matches(pattern, path), expected, "\(pattern) vs \(path)")
        }
    }

    func testParse() throws {
        let text = """
        # comment
          fs/ext4/*   # trailing comment
        ?drivers/net/vmxnet3/*
        !fs/nfs/blocklayout/**

        /drivers/block/loop.ko
        drivers/block/my#driver.ko
        """
        let profile = try ModuleProfile.parse(text, source: "test.profile")
        XCTAssertEqual(profile.entries, [
            .init(pattern: "fs/ext4/*", action: .include, optional: false, line: 2),
            .init(pattern: "drivers/net/vmxnet3/*", action: .include, optional: true, line: 3),
            .init(pattern: "fs/nfs/blocklayout/**", action: .exclude, optional: false, line: 4),
            .init(pattern: "drivers/block/loop.ko", action: .include, optional: false, line: 6),
            .init(pattern: "drivers/block/my#driver.ko", action: .include, optional: false, line: 7),
        ])
        XCTAssertThrowsError(try ModuleProfile.parse("fs/ext4/* fs/xfs/*\n", source: "p")) { error in
            XCTAssertEqual("\(error)", "read module profile 'p line 1': expected one glob, found 'fs/ext4/* fs/xfs/*'")
        }
        XCTAssertThrowsError(try ModuleProfile.parse("?\n", source: "p"))
    }

    func testSelect() throws {
        let available = [
            "fs/ext4/ext4.ko", "fs/nfs/nfs.ko", "fs/nfs/nfsv4.ko",
            "fs/nfs/blocklayout/blocklayoutdriver.ko", "drivers/block/loop.ko",
        ]
        let profile = try ModuleProfile.parse("fs/nfs/**\n!fs/nfs/blocklayout/**\n?drivers/absent/*\ndrivers/block/loop.ko\n", source: "p")
        XCTAssertEqual(try profile.select(from: available), ["drivers/block/loop.ko", "fs/nfs/nfs.ko", "fs/nfs/nfsv4.ko"])

        let filter = try ModuleProfile.parse("drivers/hid/**\n!drivers/hid/hid-sensor-*\ndrivers/hid/hid-sensor-hub.ko\n", source: "p")
        let cases: [(String, Bool)] = [
            ("drivers/hid/usbhid/usbhid.ko", true),
            ("drivers/hid/hid-sensor-als.ko", false),   // excluded by the later line
            ("drivers/hid/hid-sensor-hub.ko", true),    // brought back by the last line
            ("drivers/gpu/drm/amd/amdgpu/amdgpu.ko", false),
            ("", false),
        ]
        for (path, expected) in cases {
            XCTAssertEqual(filter.admits(path), expected, path)
        }

        let broken = try ModuleProfile.parse("fs/ext4/*\n# x\ndrivers/absent/*\nfs/xfs/xfs.ko\n", source: "generic.profile")
        XCTAssertThrowsError(try broken.select(from: available)) { error in
            XCTAssertEqual("\(error)", "apply module profile 'generic.profile': line 3 'drivers/absent/*', line 4 'fs/xfs/xfs.ko' match no module (prefix a line with '?' to make it optional)")
        }
    }
}
