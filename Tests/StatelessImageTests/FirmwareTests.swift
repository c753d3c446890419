import XCTest
@testable import StatelessImage

final class FirmwareTests: XCTestCase {
    func testLookupOrderFollowsTheKernel() {
        let kernel = "6.1.0-56-amd64"
        // (files on the host, expected image path or nil for missing)
        let cases: [(String, Set<String>, String?)] = [
            ("plain at the top", ["/sys/lib/firmware/tigon/tg3.bin"], "lib/firmware/tigon/tg3.bin"),
            ("updates before the top", ["/sys/lib/firmware/tigon/tg3.bin", "/sys/lib/firmware/updates/tigon/tg3.bin"],
             "lib/firmware/updates/tigon/tg3.bin"),
            ("versioned updates first", ["/sys/lib/firmware/updates/tigon/tg3.bin", "/sys/lib/firmware/updates/\(kernel)/tigon/tg3.bin"],
             "lib/firmware/updates/\(kernel)/tigon/tg3.bin"),
            ("plain anywhere before compressed", ["/sys/lib/firmware/tigon/tg3.bin.xz", "/sys/lib/firmware/tigon/tg3.bin"],
             "lib/firmware/tigon/tg3.bin"),
            ("zst before xz", ["/sys/lib/firmware/tigon/tg3.bin.xz", "/sys/lib/firmware/tigon/tg3.bin.zst"],
             "lib/firmware/tigon/tg3.bin.zst"),
            ("the target system before the host", ["/lib/firmware/tigon/tg3.bin", "/sys/lib/firmware/tigon/tg3.bin.xz"],
             "lib/firmware/tigon/tg3.bin.xz"),
            ("host as fallback", ["/lib/firmware/tigon/tg3.bin.xz"], "lib/firmware/tigon/tg3.bin.xz"),
            ("absent", ["/lib/firmware/tigon/tg3_tso.bin"], nil),
        ]
        for (label, files, expected) in cases {
            let result = FirmwareFiles.locate([(module: "tg3", name: "tigon/tg3.bin")], roots: ["/sys/lib/firmware", "/lib/firmware"],
                                              kernelVersion: kernel, isFile: files.contains)
            XCTAssertEqual(result.found.first?.imagePath, expected, label)
            XCTAssertEqual(result.missing, expected == nil ? ["tigon/tg3.bin (tg3)"] : [], label)
        }
    }

    func testOneFileForManyModulesAndHostileNames() {
        let requests: [(module: String, name: String)] = [
            ("bnx2x", "bnx2x/e2.fw"), ("bnx2x_clone", "bnx2x/e2.fw"),
            ("evil", "../../etc/shadow"), ("evil", "/etc/shadow"), ("evil", "a//b"), ("evil", "./a"), ("evil", "a/.."),
        ]
        var asked: [String] = []
        let result = FirmwareFiles.locate(requests, roots: ["/lib/firmware"], kernelVersion: "v") { path in
            asked.append(path)
            return path == "/lib/firmware/bnx2x/e2.fw"
        }
        XCTAssertEqual(result.found, [.init(imagePath: "lib/firmware/bnx2x/e2.fw", hostPath: "/lib/firmware/bnx2x/e2.fw")])
        XCTAssertEqual(result.missing, ["../../etc/shadow (evil)", "./a (evil)", "/etc/shadow (evil)", "a/.. (evil)", "a//b (evil)"])
        XCTAssertFalse(asked.contains { $0.contains("..") || $0.contains("shadow") }, "unsafe names must not be looked up: \(asked)")
    }

    func testSearchRoots() {
        XCTAssertEqual(FirmwareFiles.searchRoots(sysroot: "/"), ["/lib/firmware"])
        XCTAssertEqual(FirmwareFiles.searchRoots(sysroot: "/srv/root/"), ["/srv/root/lib/firmware", "/lib/firmware"])
        XCTAssertEqual(FirmwareFiles.searchRoots(sysroot: "/srv/../").count, 1)
    }
}
