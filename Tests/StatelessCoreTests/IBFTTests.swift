@testable import StatelessCore
@testable import StatelessProtocols
import XCTest

/// The iSCSI Boot Firmware Table as the kernel's iscsi_ibft prints it (values as iPXE's
/// sanhook leaves them), and what the boot makes of it: the NIC, the root, the options.
final class IBFTTests: XCTestCase {
    /// iPXE after `sanhook` over DHCP; subnet-mask has no newline, as the kernel prints it.
    static let ipxe: [String: String] = [
        "initiator/initiator-name": "iqn.2010-04.org.ipxe:52540000aa03\n", "initiator/flags": "3\n", "initiator/index": "0\n",
        "ethernet0/flags": "3\n", "ethernet0/index": "0\n", "ethernet0/origin": "3\n", "ethernet0/mac": "52:54:00:aa:00:03\n",
        "ethernet0/ip-addr": "10.0.3.150\n", "ethernet0/prefix-len": "24\n", "ethernet0/subnet-mask": "255.255.255.0",
        "ethernet0/gateway": "10.0.3.1\n", "ethernet0/primary-dns": "10.0.3.1\n", "ethernet0/dhcp": "10.0.3.1\n",
        "ethernet0/vlan": "0\n", "ethernet0/hostname": "client3\n",
        "target0/flags": "3\n", "target0/index": "0\n", "target0/ip-addr": "10.0.3.1\n", "target0/port": "3260\n",
        "target0/lun": "01000000\n", "target0/nic-assoc": "0\n", "target0/target-name": "iqn.2026-11.lab.stateless:root\n",
        "target0/chap-type": "1\n", "target0/chap-name": "client\n", "target0/chap-secret": "client-secret1\n",
    ]

    func testIPXETable() throws {
        let table = try IBFT.parse(Self.ipxe)
        XCTAssertEqual(table.initiator, "iqn.2010-04.org.ipxe:52540000aa03")
        XCTAssertEqual(table.nics, [IBFT.NIC(index: 0, mac: MACAddress(parsing: "52:54:00:aa:00:03")!, address: nil, prefixLength: nil,
                                             gateway: IPv4Address(10, 0, 3, 1), nameservers: [IPv4Address(10, 0, 3, 1)], hostname: "client3", dhcp: true)])
        let spec = try table.rootSpec()
        XCTAssertEqual(spec.portals, [.init(host: "10.0.3.1", port: 3260)])
        XCTAssertEqual(spec.target, "iqn.2026-11.lab.stateless:root")
        XCTAssertEqual(spec.lun, 1)
        XCTAssertEqual(spec.chap, .init(username: "client", password: "client-secret1"))
        XCTAssertEqual(spec.initiator, "iqn.2010-04.org.ipxe:52540000aa03")
        // DHCP origin: the NIC is leased again, chosen by its MAC.
        let net = try table.networkOptions(NetOptions())
        XCTAssertEqual(net.bootInterface, MACAddress(parsing: "52:54:00:aa:00:03"))
        guard case .configure(let options)? = net.ip, let option = options.first else { return XCTFail("\(String(describing: net.ip))") }
        XCTAssertEqual(option.method, .dhcp)
        XCTAssertNil(option.interface)
    }

    func testStaticNICAndSelection() throws {
        var files = Self.ipxe
        files["ethernet0/origin"] = "1\n"
        files["ethernet1/flags"] = "1\n"; files["ethernet1/index"] = "1\n"; files["ethernet1/origin"] = "1\n"
        files["ethernet1/mac"] = "52:54:00:aa:00:04\n"; files["ethernet1/ip-addr"] = "192.168.9.7\n"; files["ethernet1/subnet-mask"] = "255.255.0.0"
        // A second target, the one the firmware booted, on the second NIC, with mutual CHAP.
        for (key, value) in ["flags": "3", "index": "1", "ip-addr": "192.168.9.1", "port": "3261", "lun": "00000000", "nic-assoc": "1",
                             "target-name": "iqn.2026-11.lab.stateless:other", "chap-name": "u", "chap-secret": "p",
                             "rev-chap-name": "t", "rev-chap-name-secret": "q"] {
            files["target1/\(key)"] = value + "\n"
        }
        files["target0/flags"] = "1\n"
        let table = try IBFT.parse(files)
        let (target, nic) = try table.bootTarget()
        XCTAssertEqual(target.name, "iqn.2026-11.lab.stateless:other")
        XCTAssertEqual(target.lun, 0)
        XCTAssertEqual(target.chap, .init(username: "u", password: "p", targetUsername: "t", targetPassword: "q"))
        XCTAssertEqual(nic.address, IPv4Address(192, 168, 9, 7))
        XCTAssertEqual(nic.prefixLength, 16, "from subnet-mask when prefix-len is absent")
        let net = try table.networkOptions(NetOptions())
        guard case .configure(let options)? = net.ip else { return XCTFail() }
        XCTAssertEqual(options.first?.method, .manual(address: IPv4Address(192, 168, 9, 7), prefixLength: 16))
        XCTAssertEqual(net.bootInterface, MACAddress(parsing: "52:54:00:aa:00:04"))
    }

    func testLUNText() {
        let cases: [(String, Int?)] = [("00000000", 0), ("01000000", 1), ("0ff000000", 255), ("4101000000", 0x101),
                                       ("0", nil), ("01000001", nil), ("zz000000", nil), ("8101000000", nil), ("", nil)]
        for (text, lun) in cases { XCTAssertEqual(IBFT.lun(text), lun, text) }
        XCTAssertEqual(IBFT.prefixLength("255.255.255.0"), 24)
        XCTAssertNil(IBFT.prefixLength("255.0.255.0"))
    }

    /// Hostile or half-filled tables end in one line saying what is missing.
    func testUnusableTables() {
        var noMAC = Self.ipxe
        noMAC["ethernet0/mac"] = "garbage\n"
        var staticWithoutAddress = Self.ipxe
        staticWithoutAddress["ethernet0/origin"] = "1\n"
        staticWithoutAddress["ethernet0/ip-addr"] = nil
        var ipv6Target = Self.ipxe
        ipv6Target["target0/ip-addr"] = "fe80::1\n"
        var badLUN = Self.ipxe
        badLUN["target0/lun"] = "1\n"
        for (name, files) in [("mac", noMAC), ("static", staticWithoutAddress), ("ipv6", ipv6Target), ("lun", badLUN)] {
            XCTAssertThrowsError(try IBFT.parse(files), name)
        }
        var invalid = Self.ipxe
        invalid["target0/flags"] = "0\n"
        XCTAssertThrowsError(try IBFT.parse(invalid).rootSpec()) { XCTAssertTrue("\($0)".contains("no valid target"), "\($0)") }
        XCTAssertThrowsError(try IBFT.parse([:]).networkOptions(NetOptions()))
    }

    func testCommandLine() throws {
        for text in ["rd.iscsi.firmware=1", "ip=ibft", "rd.iscsi.firmware ip=ibft"] {
            let options = try BootOptions(KernelCommandLine(parsing: text))
            XCTAssertEqual(options.root, .iscsi(.firmware), text)
            XCTAssertTrue(options.net.firmwareTable, text)
            XCTAssertTrue(options.needsNetwork, text)
        }
        // root= names the filesystem on the firmware's LUN; ip= of its own keeps the network.
        let labelled = try BootOptions(KernelCommandLine(parsing: "rd.iscsi.firmware=1 root=LABEL=os ip=eth0:dhcp"))
        var expected = ISCSIRootSpec.firmware
        expected.filesystem = .tag(name: "LABEL", value: "os")
        XCTAssertEqual(labelled.root, .iscsi(expected))
        XCTAssertFalse(labelled.net.firmwareTable)
        // ip=ibft beside a local root: only the network comes from the table.
        let local = try BootOptions(KernelCommandLine(parsing: "ip=ibft root=LABEL=os"))
        XCTAssertEqual(local.root, .block(.tag(name: "LABEL", value: "os")))
        XCTAssertEqual("\(ISCSIRootSpec.firmware)", "iscsi:firmware (iBFT)")
    }
}
