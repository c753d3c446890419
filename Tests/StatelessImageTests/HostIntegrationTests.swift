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

    func testGenericProfileClosure() throws {
        guard let (sysroot, version) = try kernelTree() else { return }
        let tree = try ModuleTree(sysroot: sysroot, version: version)
        let profileURL = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Initramfs/modules/generic.profile")
        let profile = try ModuleProfile.parse(String(contentsOf: profileURL, encoding: .utf8), source: profileURL.path)
        let chosen = try profile.select(from: tree.allPaths)
        let closure = try ModuleClosure.compute(roots: chosen.compactMap(ModuleName.fromFileName), catalog: tree)
        let names = Set(closure.modules.map(\.name))
        for expected in ["ext4", "jbd2", "mbcache", "virtio_blk", "virtio_net", "nfsv4", "sunrpc", "overlay", "crc32c_generic"] {
            XCTAssertTrue(names.contains(expected), "\(expected) missing from the closure")
        }
        XCTAssertTrue(closure.added.contains("jbd2"))
    }
}
