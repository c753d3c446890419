import Foundation
import XCTest
@testable import StatelessImage

final class HostOnlyTests: XCTestCase {
    func testProcModules() {
        let cases: [(String, [String])] = [
            ("", []),
            ("ext4 1060864 2 - Live 0x0000000000000000\njbd2 200704 1 ext4, Live 0x0000000000000000\n", ["ext4", "jbd2"]),
            ("nvme-core 200704 3 nvme, Live 0x0\nnvme_core 1 0 - Live 0x0\n", ["nvme_core"]),
            ("\n\n  \nvirtio_blk\n", ["virtio_blk"]),
            ("../../etc 1 0 - Live 0x0\nfs-ext4:x 1 0\nnvidia(POE) 1 0\nmod\u{e9} 1 0\n", []),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(RunningSystem.parseProcModules(text), expected, text)
        }
    }

    func testRootFilesystemType() {
        let cases: [(String, String?)] = [
            ("", nil),
            ("27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n", "ext4"),
            ("22 27 0:21 / /proc rw - proc proc rw\n27 1 254:0 / / rw,relatime shared:1 master:2 - xfs /dev/sda2 rw\n", "xfs"),
            // Stacked mounts: the last one at / is in effect.
            ("1 0 0:2 / / rw - rootfs rootfs rw\n27 1 0:30 / / rw - overlay overlay rw,lowerdir=/a\n", "overlay"),
            // A bind mount of a subdirectory is still the mount at /.
            ("27 1 0:40 /@/root / rw - btrfs /dev/nvme0n1p2 rw\n", "btrfs"),
            ("27 1 254:0 / / rw - \n", nil),                          // nothing after the separator
            ("27 1 254:0 / / rw ext4 /dev/vda rw\n", nil),             // no separator
            ("27 1 254:0 /\n", nil),
            ("27 1 254:0 / /mnt rw - ext4 /dev/vdb rw\n", nil),
            ("27 1 254:0 / /\\040 rw - ext4 /dev/vdb rw\n", nil),      // an escaped "/ " is not /
        ]
        for (text, expected) in cases {
            XCTAssertEqual(RunningSystem.rootFilesystemType(mountinfo: text), expected, text)
        }
    }

    func testReadsASnapshotUnderARoot() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("host-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let files = [
            "sys/bus/pci/devices/0000:00:04.0/modalias": "pci:v00001AF4d00001042sv00001AF4sd00001042bc01sc80i00\n",
            "sys/bus/pci/devices/0000:00:05.0/modalias": "pci:v00001AF4d00001042sv00001AF4sd00001042bc01sc80i00\n",
            "sys/bus/virtio/devices/virtio1/modalias": "virtio:d00000002v00001AF4\n",
            "sys/bus/virtio/devices/virtio2/modalias": "\n",
            "sys/bus/cpu/devices/cpu0/online": "1\n",
            "proc/self/mountinfo": "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n",
        ]
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        XCTAssertEqual(RunningSystem.read(root: root.path + "/"), RunningSystem(
            modaliases: ["pci:v00001AF4d00001042sv00001AF4sd00001042bc01sc80i00", "virtio:d00000002v00001AF4"],
            loadedModules: [], rootFilesystemType: "ext4"))
        XCTAssertEqual(RunningSystem.read(root: root.path + "/nonexistent"),
                       RunningSystem(modaliases: [], loadedModules: [], rootFilesystemType: nil))
    }

    func testSelection() throws {
        let catalog = StaticModuleCatalog([
            "drivers/virtio/virtio_pci.ko": ModInfo(),
            "drivers/block/virtio_blk.ko": ModInfo(),
            "drivers/md/dm-crypt.ko": ModInfo(),
            "sound/pci/hda/snd-hda-intel.ko": ModInfo(),
            "drivers/gpu/drm/qxl/qxl.ko": ModInfo(),
            "fs/xfs/xfs.ko": ModInfo(),
            "fs/overlayfs/overlay.ko": ModInfo(),
            "drivers/block/loop.ko": ModInfo(),
        ], builtin: ["ext4", "squashfs"])
        let aliases: [String: [String]] = [
            "pci:virtio-disk": ["virtio_pci"],
            "virtio:disk": ["virtio_blk"],
            "pci:sound": ["snd_hda_intel"],
            "pci:gpu": ["qxl"],
            "platform:rtc_cmos": ["rtc_cmos"],              // built in: nothing to include
            "fs-xfs": ["xfs"],
            "fs-ext4": ["ext4"],
        ]
        let filter = try ModuleProfile.parse("drivers/virtio/**\ndrivers/block/**\ndrivers/md/**\n", source: "hostonly")
        func choose(_ system: RunningSystem) throws -> HostOnlySelection {
            try HostOnlySelection.choose(system: system, filter: filter, catalog: catalog) { aliases[$0] ?? [] }
        }

        let machine = RunningSystem(
            modaliases: ["pci:gpu", "pci:sound", "pci:unknown", "pci:virtio-disk", "platform:rtc_cmos", "virtio:disk"],
            loadedModules: ["dm_crypt", "virtio_blk", "snd_hda_intel", "module_of_another_kernel"],
            rootFilesystemType: "xfs")
        XCTAssertEqual(try choose(machine), HostOnlySelection(
            devices: ["virtio_blk", "virtio_pci"], loaded: ["dm_crypt"], rootFilesystem: ["xfs"],
            basics: ["loop", "overlay"], leftOut: ["qxl", "snd_hda_intel"]))
        XCTAssertEqual(try choose(machine).modules, ["dm_crypt", "loop", "overlay", "virtio_blk", "virtio_pci", "xfs"])

        // A built-in root filesystem needs nothing; no root at all is not an error.
        let bare = try choose(RunningSystem(modaliases: [], loadedModules: [], rootFilesystemType: "ext4"))
        XCTAssertEqual(bare.rootFilesystem, [])
        XCTAssertEqual(bare.modules, ["loop", "overlay"])
        XCTAssertEqual(try choose(RunningSystem(modaliases: [], loadedModules: [], rootFilesystemType: nil)).modules, ["loop", "overlay"])

        // A lookup failure is the build's failure, not a silently smaller image.
        XCTAssertThrowsError(try HostOnlySelection.choose(system: machine, filter: filter, catalog: catalog) { alias in
            throw ImageError("look up module alias", alias, "Invalid argument")
        })
    }
}
