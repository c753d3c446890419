import Foundation
@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import XCTest

/// The names systemd 252's udev gives PCI network links, table-style, and the sysfs
/// reading behind them on a fake tree.
final class PredictableNameTests: XCTestCase {
    typealias Facts = PredictableName.Facts
    typealias PCI = PredictableName.PCI

    static func facts(_ pci: PCI?, type: Int = 1, devtype: String? = nil, assign: Int? = 1,
                      port: Int? = nil, portName: String? = nil) -> Facts {
        Facts(nameAssignType: assign, hardwareType: type, deviceType: devtype, devicePort: port, physicalPortName: portName, pci: pci)
    }

    static func pci(bus: Int = 0, slot: Int = 3, function: Int = 0, multi: Bool = false, onboard: Int? = nil,
                    hotplug: Int? = nil, domain: Int = 0) -> PCI {
        PCI(domain: domain, bus: bus, slot: slot, function: function, multifunction: multi, onboardIndex: onboard, hotplugSlot: hotplug)
    }

    func testNames() {
        let cases: [(Facts, String?, String)] = [
            (Self.facts(Self.pci(hotplug: 3)), "ens3", "qemu's pc machine: a hotplug slot"),
            (Self.facts(Self.pci()), "enp0s3", "no slot: the path"),
            (Self.facts(Self.pci(bus: 2, slot: 0)), "enp2s0", "a NIC behind a bridge"),
            (Self.facts(Self.pci(bus: 0x3b, slot: 0, function: 1, multi: true)), "enp59s0f1", "bus numbers are decimal in the name"),
            (Self.facts(Self.pci(bus: 1, slot: 0, function: 0, multi: true)), "enp1s0f0", "function 0 of a multi-function card"),
            (Self.facts(Self.pci(onboard: 1, hotplug: 3)), "eno1", "onboard index first"),
            (Self.facts(Self.pci(onboard: 0, hotplug: 3)), "eno0", "index 0 counts (NAMING_ZERO_ACPI_INDEX)"),
            (Self.facts(Self.pci(onboard: 20000)), "eno20000", "16-bit indexes (NAMING_16BIT_INDEX)"),
            (Self.facts(Self.pci(onboard: 70000)), "enp0s3", "an index over 65535 is ignored"),
            (Self.facts(Self.pci(onboard: -1, hotplug: 3)), "ens3", "an unreadable acpi_index"),
            (Self.facts(Self.pci(hotplug: 0)), "enp0s3", "slot 0 is no slot (a PCIe root port's)"),
            (Self.facts(Self.pci(bus: 1, slot: 0), port: 1), "enp1s0d1", "a second port"),
            (Self.facts(Self.pci(bus: 1, slot: 0), port: 1, portName: "p1"), "enp1s0np1", "the physical port name wins"),
            (Self.facts(Self.pci(hotplug: 7, domain: 1)), "enP1s7", "another PCI domain"),
            (Self.facts(Self.pci(hotplug: 3), devtype: "wlan"), "wls3", "wireless"),
            (Self.facts(Self.pci(), type: 32), "ibp0s3", "InfiniBand"),
            (Self.facts(Self.pci(), type: 772), nil, "loopback"),
            (Self.facts(nil), nil, "not on PCI (USB, virtual): the kernel's name"),
            (Facts(nameAssignType: 1, hardwareType: 1, xenVIF: 2), "enX2", "Xen netfront"),
            (Self.facts(Self.pci(), assign: 2), nil, "the kernel's name is predictable already"),
            (Self.facts(Self.pci(), assign: 3), nil, "named by userspace"),
            (Self.facts(Self.pci(), assign: 4), nil, "renamed already"),
            (Self.facts(Self.pci(), assign: nil), "enp0s3", "a driver that does not say"),
            (Self.facts(Self.pci(bus: 255, slot: 31, function: 7, multi: true, domain: 65535), port: 65535), nil, "longer than 15 bytes"),
        ]
        for (facts, expected, what) in cases {
            XCTAssertEqual(PredictableName.name(facts), expected, what)
        }
    }

    func testPCIAddresses() {
        XCTAssertTrue(PredictableName.pciAddress("0000:3b:00.1")! == (0, 0x3b, 0, 1))
        for bad in ["", "virtio0", "0000:00:03", "0000:00:03.", "000:00:03.0", "0000:00:3.0", "0000:zz:03.0", "0000:00:03.0.1", "pci0000:00"] {
            XCTAssertNil(PredictableName.pciAddress(Substring(bad)), bad)
        }
    }

    /// A virtio NIC as qemu's pc machine lays it out: the link's device is the virtio
    /// device below the PCI function, which sits in hotplug slot 3.
    func testFactsFromAFakeSysfs() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("stateless-sysfs-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let pci = root + "/devices/pci0000:00/0000:00:03.0"
        let net = pci + "/virtio0/net/eth0"
        for directory in [net, root + "/class/net", root + "/bus/pci/slots/3", root + "/bus/pci/slots/4"] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        func write(_ path: String, _ text: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        try write(net + "/type", "1\n")
        try write(net + "/name_assign_type", "1\n")
        try write(net + "/uevent", "INTERFACE=eth0\nIFINDEX=2\n")
        try write(net + "/dev_port", "0\n")
        try write(root + "/bus/pci/slots/3/address", "0000:00:03\n")
        try write(root + "/bus/pci/slots/4/address", "0000:00:04\n")
        try Data([0xf4, 0x1a, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0x80, 0]).write(to: URL(fileURLWithPath: pci + "/config"))
        try FileManager.default.createSymbolicLink(atPath: net + "/device", withDestinationPath: "../../../virtio0")
        try FileManager.default.createSymbolicLink(atPath: root + "/class/net/eth0", withDestinationPath: "../../devices/pci0000:00/0000:00:03.0/virtio0/net/eth0")

        let facts = try XCTUnwrap(LinkFacts.read("eth0", sysfs: root))
        XCTAssertEqual(facts.pci, Self.pci(multi: true, hotplug: 3))
        XCTAssertEqual(facts.devicePort, 0)
        XCTAssertEqual(PredictableName.name(facts), "ens3f0")
        XCTAssertNil(LinkFacts.read("eth9", sysfs: root))

        // A USB NIC below a PCI host controller is not named after the controller.
        let usb = root + "/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0"
        try FileManager.default.createDirectory(atPath: usb + "/net/eth1", withIntermediateDirectories: true)
        try write(usb + "/net/eth1/type", "1\n")
        try FileManager.default.createSymbolicLink(atPath: usb + "/net/eth1/device", withDestinationPath: "../../../1-1:1.0")
        try FileManager.default.createSymbolicLink(atPath: root + "/class/net/eth1", withDestinationPath: "../../devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/net/eth1")
        let usbFacts = try XCTUnwrap(LinkFacts.read("eth1", sysfs: root))
        XCTAssertNil(usbFacts.pci)
        XCTAssertNil(PredictableName.name(usbFacts))
    }
}
