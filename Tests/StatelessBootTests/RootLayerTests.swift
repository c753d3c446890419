@testable import StatelessBoot
import XCTest

/// The layer stack of a root kind: bottom-up, each on what the one below handed up; a
/// failure undoes what was attached, top-down.
final class RootLayerTests: XCTestCase {
    final class Journal { var lines: [String] = [] }

    struct FakeLayer {
        let name: String
        let hands: RootResource
        let fails: Bool
        let journal: Journal

        func attach(_ below: RootResource) throws -> AttachedLayer {
            journal.lines.append("attach \(name) on \(below)")
            if fails { throw BootError("attach", name, detail: "fails on purpose") }
            return AttachedLayer(resource: hands, facts: [(name.uppercased(), "1")]) { [journal, name] in
                journal.lines.append("undo \(name)")
            }
        }
    }

    func testLayersStackAndHandUp() throws {
        let journal = Journal()
        let layers = [
            FakeLayer(name: "net", hands: .nothing, fails: false, journal: journal),
            FakeLayer(name: "nfs", hands: .directory("/run/stateless/layers/nfs"), fails: false, journal: journal),
            FakeLayer(name: "loop", hands: .blockDevice("/dev/loop0"), fails: false, journal: journal),
        ]
        let (resource, facts) = try LayerStack.attach(layers.map { layer in { try layer.attach($0) } })
        XCTAssertEqual(resource, .blockDevice("/dev/loop0"))
        XCTAssertEqual(facts.map(\.0), ["NET", "NFS", "LOOP"])
        XCTAssertEqual(journal.lines, ["attach net on nothing", "attach nfs on nothing",
                                       "attach loop on directory(\"/run/stateless/layers/nfs\")"])
    }

    func testAFailureUndoesTopDown() throws {
        let journal = Journal()
        let layers = [
            FakeLayer(name: "a", hands: .blockDevice("/dev/a"), fails: false, journal: journal),
            FakeLayer(name: "b", hands: .directory("/x"), fails: false, journal: journal),
            FakeLayer(name: "c", hands: .nothing, fails: true, journal: journal),
            FakeLayer(name: "d", hands: .nothing, fails: false, journal: journal),
        ]
        XCTAssertThrowsError(try LayerStack.attach(layers.map { layer in { try layer.attach($0) } }))
        XCTAssertEqual(journal.lines, ["attach a on nothing", "attach b on blockDevice(\"/dev/a\")",
                                       "attach c on directory(\"/x\")", "undo b", "undo a"])
    }

    func testBlockRootIsDeviceThenFilesystem() {
        let (kind, layers) = RootStage.layers(for: .block(.tag(name: "UUID", value: "u")))
        XCTAssertEqual(kind, "block")
        XCTAssertEqual(layers.map(\.name), ["block-device", "filesystem"])
    }
}
