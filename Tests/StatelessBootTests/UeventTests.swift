import StatelessBoot
import StatelessCore
import StatelessProtocols
import StatelessSystem
import XCTest

final class UeventTests: XCTestCase {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8).map { $0 == UInt8(ascii: "|") ? 0 : $0 } }

    func testDecodesAKernelEvent() throws {
        let event = try XCTUnwrap(Uevent(bytes: bytes(
            "add@/devices/pci0000:00/0000:00:04.0/virtio1|ACTION=add|DEVPATH=/devices/pci0000:00/0000:00:04.0/virtio1|SUBSYSTEM=virtio|MODALIAS=virtio:d00000002v00001AF4|SEQNUM=1042|")))
        XCTAssertEqual(event.action, "add")
        XCTAssertEqual(event.devpath, "/devices/pci0000:00/0000:00:04.0/virtio1")
        XCTAssertEqual(event.subsystem, "virtio")
        XCTAssertEqual(event.modalias, "virtio:d00000002v00001AF4")
        XCTAssertNil(event.devname)
    }

    func testBlockEventWithoutTrailingNul() throws {
        let event = try XCTUnwrap(Uevent(bytes: bytes("add@/devices/virtual/block/vda|ACTION=add|SUBSYSTEM=block|DEVNAME=vda|DEVTYPE=disk")))
        XCTAssertEqual(event.devname, "vda")
        XCTAssertEqual(event.properties["DEVTYPE"], "disk")
    }

    func testRejectsWhatIsNotAKernelEvent() {
        let hostile: [[UInt8]] = [
            [], [0, 0, 0], bytes("libudev|\u{FE}\u{ED}"), bytes("add"), bytes("@/devices/x|"),
            bytes("add@relative|"), bytes("add@/devices/x|ACTION=remove|"), [0xFF, 0xFE, 0x40, 0x2F],
        ]
        for input in hostile { XCTAssertNil(Uevent(bytes: input), "\(input)") }
    }

    func testIgnoresMalformedProperties() throws {
        let event = try XCTUnwrap(Uevent(bytes: bytes("change@/devices/x|=novalue|NOEQUALS|A=1|A=2|")))
        XCTAssertEqual(event.properties, ["A": "2"])
    }
}

final class ColdplugTests: XCTestCase {
    func testStorageBeforeOthersBeforeNetwork() {
        let aliases = [
            "pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00",  // e1000
            "acpi:PNP0501:",
            "pci:v00008086d00007010sv00001AF4sd00001100bc01sc01i80",  // ata_piix
            "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00",  // virtio block
            "virtio:d00000002v00001AF4",
            "platform:serial8250",
        ]
        XCTAssertEqual(Coldplug.ordered(aliases), [aliases[2], aliases[3], aliases[4], aliases[1], aliases[5], aliases[0]])
        XCTAssertEqual(Coldplug.ordered([]), [])
        XCTAssertEqual(Coldplug.rank(aliases[0]), Coldplug.networkRank)
        XCTAssertEqual(Coldplug.rank("virtio:d00000001v00001AF4"), Coldplug.networkRank, "virtio-net")
        XCTAssertEqual(Coldplug.rank("virtio:d00000002v00001AF4"), 0, "virtio-blk")
    }
}
