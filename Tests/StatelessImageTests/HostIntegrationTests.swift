import Foundation
import XCTest
@testable import StatelessImage

/// Runs against a real Debian kernel's module tree. The tree is named by
/// STATELESS_KERNEL_DIR (a directory holding lib/modules/VERSION, e.g. an extracted
/// linux-image package); under CI=true a missing tree is a failure, never a silent skip.
final class HostIntegrationTests: XCTestCase {
    func kernelTree() throws -> (sysroot: String, version: String)? {
        let environment = ProcessInfo.processInfo.environment
        guard let sysroot = environment["STATELESS_KERNEL_DIR"], !sysroot.isEmpty else {
            if environment["CI"] == "true" {
                XCTFail("STATELESS_KERNEL_DIR is unset; under CI=true the module-closure integration test must run (set it to a directory holding lib/modules/VERSION, e.g. dpkg-deb -x linux-image-*.deb DIR)")
                return nil
            }
            throw XCTSkip("STATELESS_KERNEL_DIR is unset (a directory holding lib/modules/VERSION)")
        }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: sysroot + "/lib/modules")) ?? []
        guard let version = versions.sorted().last else {
            XCTFail("STATELESS_KERNEL_DIR=\(sysroot) has no lib/modules/VERSION directory")
            return nil
        }
        return (sysroot, version)
    }

    static let profiles = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Initramfs/modules")

    func profile(_ name: String) throws -> ModuleProfile {
        let url = Self.profiles.appendingPathComponent("\(name).profile")
        return try ModuleProfile.parse(String(contentsOf: url, encoding: .utf8), source: url.path)
    }

    func closure(_ name: String, _ tree: ModuleTree) throws -> Set<String> {
        let chosen = try profile(name).select(from: tree.allPaths)
        return Set(try ModuleClosure.compute(roots: chosen.compactMap(ModuleName.fromFileName), catalog: tree).modules.map(\.name))
    }

    func testProfileClosures() throws {
        guard let (sysroot, version) = try kernelTree() else { return }
        let tree = try ModuleTree(sysroot: sysroot, version: version)
        let generic = try closure("generic", tree)
        for expected in ["ext4", "jbd2", "mbcache", "virtio_blk", "virtio_net", "nfsv4", "sunrpc", "overlay", "crc32c_generic",
                         "xhci_pci", "xhci_hcd", "ehci_pci", "usbhid", "hid_generic", "usb_storage", "uas",
                         "mpt3sas", "megaraid_sas", "aacraid", "hpsa", "smartpqi", "xfs", "btrfs",
                         "hv_vmbus", "hv_storvsc", "hv_netvsc", "hyperv_keyboard", "xen_blkfront", "xen_netfront",
                         "ena", "vmxnet3", "vmw_pvscsi", "ixgbe", "i40e", "ice", "tg3", "bnxt_en", "bnx2x", "mlx5_core"] {
            XCTAssertTrue(generic.contains(expected), "\(expected) missing from the generic closure")
        }
        let vm = try closure("vm", tree)
        for expected in ["virtio_pci", "virtio_blk", "virtio_scsi", "virtio_net", "ext4", "overlay", "squashfs", "loop"] {
            XCTAssertTrue(vm.contains(expected), "\(expected) missing from the vm closure")
        }
        XCTAssertTrue(vm.isSubset(of: generic), "vm has modules generic lacks: \(vm.subtracting(generic).sorted())")
        // The hostonly profile is a filter: every line must still name something in this kernel.
        XCTAssertNoThrow(try profile("hostonly").select(from: tree.allPaths))
    }

    /// The modaliases of this lab's virtio machine, resolved through libkmod against the
    /// Debian kernel's indexes, as `--hostonly` does.
    func testModaliasesResolveAgainstTheTargetTree() throws {
        guard let (sysroot, version) = try kernelTree() else { return }
        let index = try KmodIndex(directory: "\(sysroot)/lib/modules/\(version)")
        let cases: [(String, [String])] = [
            ("pci:v00001AF4d00001042sv00001AF4sd00001042bc01sc80i00", ["virtio_pci"]),
            ("pci:v00001AF4d00001041sv00001AF4sd00001041bc02sc00i00", ["virtio_pci"]),
            ("virtio:d00000001v00001AF4", ["virtio_net"]),
            ("virtio:d00000002v00001AF4", ["virtio_blk"]),
            ("virtio:d00000008v00001AF4", ["virtio_scsi"]),
            ("pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00", ["e1000"]),
            ("fs-xfs", ["xfs"]),
            ("pci:v0000FFFFd0000FFFFsv0000FFFFsd0000FFFFbcFFscFFiFF", []),
            ("", []),
        ]
        for (alias, expected) in cases {
            XCTAssertEqual(try index.modules(forAlias: alias), expected, alias)
        }
    }

    /// `--hostonly` on the machine running the tests, against the Debian kernel.
    func testHostOnlyOnThisMachine() throws {
        guard let (sysroot, version) = try kernelTree() else { return }
        let tree = try ModuleTree(sysroot: sysroot, version: version)
        let system = RunningSystem.read()
        let index = try KmodIndex(directory: tree.directory.path)
        let chosen = try HostOnlySelection.choose(system: system, filter: profile("hostonly"), catalog: tree,
                                                  resolve: index.modules(forAlias:))
        XCTAssertEqual(chosen.basics, ["loop", "overlay", "squashfs"])
        XCTAssertNotNil(system.rootFilesystemType)
        if system.modaliases.contains(where: { $0.hasPrefix("virtio:d00000002v") }) {
            XCTAssertTrue(chosen.devices.contains("virtio_blk"), "\(chosen.devices)")
            XCTAssertTrue(chosen.devices.contains("virtio_pci"), "\(chosen.devices)")
        }
        XCTAssertNoThrow(try ModuleClosure.compute(roots: chosen.modules, catalog: tree))
    }
}
