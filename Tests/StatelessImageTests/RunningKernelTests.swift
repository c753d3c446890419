import Foundation
import XCTest
@testable import StatelessImage

final class RunningKernelTests: XCTestCase {
    func testMissingTreeNamesWhatIsThere() {
        let cases: [([String]?, String)] = [
            (nil, "/lib/modules does not exist"),
            ([], "/lib/modules is empty"),
            (["6.1.0-56-amd64", "5.10.0-30-amd64"], "/lib/modules has 5.10.0-30-amd64, 6.1.0-56-amd64"),
        ]
        for (present, there) in cases {
            let error = RunningKernel.missingTree(release: "6.18.4-custom", modules: "/lib/modules", present: present)
            XCTAssertEqual("\(error)", "find modules for the running kernel 6.18.4-custom (uname -r) '/lib/modules/6.18.4-custom': "
                           + "no such directory (\(there)); choose a kernel with --kernel VERSION")
        }
    }

    func testModuleVersionUnderSysroot() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sysroot-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("lib/modules/6.1.0-56-amd64"), withIntermediateDirectories: true)
        try Data().write(to: root.appendingPathComponent("lib/modules/not-a-directory"))
        XCTAssertEqual(try RunningKernel.moduleVersion(release: "6.1.0-56-amd64", sysroot: root.path), "6.1.0-56-amd64")
        XCTAssertThrowsError(try RunningKernel.moduleVersion(release: "not-a-directory", sysroot: root.path))
        XCTAssertThrowsError(try RunningKernel.moduleVersion(release: "6.2", sysroot: root.path)) { error in
            XCTAssertTrue("\(error)".contains("has 6.1.0-56-amd64, not-a-directory"), "\(error)")
        }
        XCTAssertFalse(try RunningKernel.release().isEmpty)
    }
}
