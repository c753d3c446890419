@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
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
            return AttachedLayer(resource: hands, facts: [(HandOffKey(name.uppercased()), "1")]) { [journal, name] in
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
        var pending = layers.makeIterator()
        let stack = try LayerStack.attach(next: { _, _ in pending.next() }) { try $0.attach($1) }
        XCTAssertEqual(stack.resource, .blockDevice("/dev/loop0"))
        XCTAssertEqual(stack.layers.map(\.name), ["net", "nfs", "loop"])
        XCTAssertEqual(stack.facts.map(\.0.rawValue), ["NET", "NFS", "LOOP"])
        XCTAssertEqual(journal.lines, ["attach net on nothing", "attach nfs on nothing",
                                       "attach loop on directory(\"/run/stateless/layers/nfs\")"])
        stack.undo()
        XCTAssertEqual(journal.lines.suffix(3), ["undo loop", "undo nfs", "undo net"])
    }

    func testAFailureUndoesTopDown() throws {
        let journal = Journal()
        let layers = [
            FakeLayer(name: "a", hands: .blockDevice("/dev/a"), fails: false, journal: journal),
            FakeLayer(name: "b", hands: .directory("/x"), fails: false, journal: journal),
            FakeLayer(name: "c", hands: .nothing, fails: true, journal: journal),
            FakeLayer(name: "d", hands: .nothing, fails: false, journal: journal),
        ]
        var pending = layers.makeIterator()
        XCTAssertThrowsError(try LayerStack.attach(next: { _, _ in pending.next() }) { try $0.attach($1) })
        XCTAssertEqual(journal.lines, ["attach a on nothing", "attach b on blockDevice(\"/dev/a\")",
                                       "attach c on directory(\"/x\")", "undo b", "undo a"])
    }

    /// Which layer goes on what: the kinds branch on what the layer below handed up.
    func testNextLayerByKindAndResource() {
        let block = RootSource.block(.tag(name: "UUID", value: "u"))
        let nfs = RootSource.nfs(NFSRootSpec(version: .nfs, server: "10.0.2.2", path: "/root", options: [], port: nil))
        let cases: [(RootSource, RootResource, String?)] = [
            (block, .nothing, "block-device"), (block, .blockDevice("/dev/vda"), "filesystem"), (block, .directory("/sysroot"), nil),
            (nfs, .nothing, "nfs"), (nfs, .directory("/sysroot"), nil), (nfs, .file("/run/stateless/nfs/os.squashfs"), "loop-device"),
            (nfs, .blockDevice("/dev/loop0"), "filesystem"),
        ]
        for (source, below, expected) in cases {
            XCTAssertEqual(RootStage.nextLayer(for: source, on: below)?.name, expected, "\(source) on \(below)")
        }
    }

    func testKindNames() throws {
        let nfs = RootSource.nfs(NFSRootSpec(version: .nfs4, server: "10.0.0.1", path: "/srv", options: [], port: nil))
        XCTAssertEqual(try RootStage.kind(of: .block(.path("/dev/vda")), layers: ["block-device", "filesystem"]), .block)
        XCTAssertEqual(try RootStage.kind(of: nfs, layers: ["nfs"]), .nfs)
        XCTAssertEqual(try RootStage.kind(of: nfs, layers: ["nfs", "loop-device", "filesystem"]), .nfsLoop)
        // root=dhcp is resolved to a kind before the layers run: not a kind of its own.
        XCTAssertThrowsError(try RootStage.kind(of: .dhcp, layers: []))
    }
}
