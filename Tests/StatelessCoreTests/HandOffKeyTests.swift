@testable import StatelessCore
import XCTest

/// The hand-off keys are the /run/stateless contract: each one the code declares is
/// documented in stateless-handoff(7).
final class HandOffKeyTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")

    func testEveryFileKeyIsInTheManPage() throws {
        let declarations = try String(contentsOf: Self.repository.appendingPathComponent("Sources/StatelessCore/HandOff/HandOffKeys.swift"), encoding: .utf8)
        let page = try String(contentsOf: Self.repository.appendingPathComponent("man/stateless-handoff.7.in"), encoding: .utf8)
        // The bridge's request and its refusal travel over a socket, not in a file.
        let messageOnly = declarations.components(separatedBy: "where File == ISCSIBridgeRequestMessage").last ?? ""
        var keys = declarations.components(separatedBy: "Self(\"").dropFirst().compactMap { $0.components(separatedBy: "\"").first }
        keys.removeAll { messageOnly.contains("Self(\"\($0)\")") || $0 == "ERROR" || $0 == "OPTION" }
        let mounts: [HandOffKey<RootEnv>.Mount] = [.root, .liveMedium, .liveISOScan, .liveSquash]
        keys += mounts.flatMap { [HandOffKey.fstype($0).rawValue, HandOffKey.flags($0).rawValue, HandOffKey.options($0).rawValue] }
        XCTAssertGreaterThan(keys.count, 80)
        for key in keys { XCTAssertTrue(page.contains(key), "\(key) is not in man/stateless-handoff.7.in") }
    }

    func testTypedFactsFormatAndReadBack() {
        let facts: HandOffFacts<RootEnv> = [(.kind, "nfs-loop"), (.fstype(.root), "squashfs"), (.spec, "nfs:10.0.2.2:/srv/x y")]
        let read = HandOffValues<RootEnv>(HandOff.parse(HandOff.format(facts)))
        XCTAssertEqual(read[.kind], "nfs-loop")
        XCTAssertEqual(read[.fstype(.root)], "squashfs")
        XCTAssertEqual(read[.spec], "nfs:10.0.2.2:/srv/x y")
        XCTAssertNil(read.nonEmpty(.device))
    }
}
