import XCTest
@testable import StatelessImage

final class ModuleClosureTests: XCTestCase {
    let catalog = StaticModuleCatalog([
        "fs/ext4/ext4.ko": ModInfo(name: "ext4", depends: ["jbd2", "mbcache", "crc16"], softdepPre: ["crc32c"]),
        "fs/jbd2/jbd2.ko": ModInfo(name: "jbd2"),
        "fs/mbcache.ko": ModInfo(name: "mbcache"),
        "crypto/crc32c_generic.ko": ModInfo(name: "crc32c_generic", aliases: ["crypto-crc32c", "crc32c"]),
        "arch/x86/crypto/crc32c-intel.ko": ModInfo(name: "crc32c_intel", aliases: ["crc32c", "crypto-crc32c-intel"]),
        "drivers/nvme/host/nvme.ko": ModInfo(name: "nvme", depends: ["nvme-core"]),
        "drivers/nvme/host/nvme-core.ko": ModInfo(name: "nvme_core", depends: ["nvme_common"]),
        "drivers/nvme/common/nvme-common.ko": ModInfo(name: "nvme_common"),
        "drivers/net/ethernet/realtek/r8169.ko": ModInfo(name: "r8169", depends: ["libphy"], softdepPre: ["realtek", "absent-thing"]),
        "drivers/net/phy/realtek.ko": ModInfo(name: "realtek", depends: ["libphy"], aliases: ["mdio:0000000000011100110010010001????"]),
        "drivers/net/phy/libphy.ko": ModInfo(name: "libphy"),
        "drivers/broken.ko": ModInfo(name: "broken", depends: ["missing"]),
    ], builtin: ["crc16"])

    func testDependsSoftdepAndAlias() throws {
        let closure = try ModuleClosure.compute(roots: ["ext4"], catalog: catalog)
        XCTAssertEqual(closure.modules.map(\.name).sorted(), ["crc32c_generic", "crc32c_intel", "ext4", "jbd2", "mbcache"])
        XCTAssertEqual(closure.added, ["crc32c_generic", "crc32c_intel", "jbd2", "mbcache"])
        XCTAssertEqual(closure.unresolvedSoftdeps, [])
        XCTAssertEqual(closure.modules.first?.path, "arch/x86/crypto/crc32c-intel.ko")
    }

    func testDashAndUnderscoreAreOneName() throws {
        let closure = try ModuleClosure.compute(roots: ["nvme"], catalog: catalog)
        XCTAssertEqual(closure.modules.map(\.path), [
            "drivers/nvme/common/nvme-common.ko", "drivers/nvme/host/nvme-core.ko", "drivers/nvme/host/nvme.ko",
        ])
        XCTAssertEqual(try ModuleClosure.compute(roots: ["nvme-core"], catalog: catalog).modules.count, 2)
    }

    func testUnresolvedSoftdepIsReportedNotFatal() throws {
        let closure = try ModuleClosure.compute(roots: ["r8169"], catalog: catalog)
        XCTAssertEqual(closure.modules.map(\.name).sorted(), ["libphy", "r8169", "realtek"])
        XCTAssertEqual(closure.unresolvedSoftdeps, ["r8169: pre absent-thing"])
    }

    func testMissingHardDependencyIsAnError() {
        XCTAssertThrowsError(try ModuleClosure.compute(roots: ["broken"], catalog: catalog)) { error in
            XCTAssertEqual("\(error)", "resolve module 'broken': depends on 'missing', which is neither in the module tree nor built in")
        }
        XCTAssertThrowsError(try ModuleClosure.compute(roots: ["nosuch"], catalog: catalog)) { error in
            XCTAssertEqual("\(error)", "resolve module 'nosuch': not in the module tree and not built into the kernel")
        }
        XCTAssertEqual(try ModuleClosure.compute(roots: ["crc16"], catalog: catalog).modules, [])
    }

    func testAliasPatterns() {
        let cases: [(String, String, Bool)] = [
            ("crc32c", "crc32c", true),
            ("crc32c", "crc32", false),
            ("pci:v00008086d*sv*", "pci:v00008086d0000100Esv00001AF4", true),
            ("pci:v00008086d*sv*", "pci:v000010ECd00008168sv0", false),
            ("mdio:????", "mdio:0101", true),
            ("mdio:????", "mdio:010", false),
            ("*", "", true),
        ]
        for (pattern, name, expected) in cases {
            XCTAssertEqual(AliasPattern.matches(pattern, name), expected, "\(pattern) vs \(name)")
        }
    }
}
