@testable import StatelessCore
@testable import StatelessProtocols
import XCTest

final class NetOptionsTests: XCTestCase {
    func parse(_ text: String) throws -> NetOptions {
        try NetOptions(KernelCommandLine(parsing: text))
    }

    func option(_ interface: String?, _ method: IPOption.Method, _ edit: (inout IPOption) -> Void = { _ in }) -> IPOption {
        var option = IPOption(interface: interface, method: method)
        edit(&option)
        return option
    }

    let mac = MACAddress(bytes: [0x52, 0x54, 0x00, 0x12, 0x34, 0x56])!
    let dhcp = IPOption.Method.dhcp

    func manual(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ prefix: Int) -> IPOption.Method {
        .manual(address: IPv4Address(a, b, c, d), prefixLength: prefix)
    }

    func testIPForms() throws {
        let cases: [(String, NetOptions.IPSetting)] = [
            ("ip=dhcp", .configure([option(nil, dhcp)])),
            ("ip=on", .configure([option(nil, dhcp)])),
            ("ip=any", .configure([option(nil, dhcp)])),
            ("ip=single-dhcp", .configure([option(nil, dhcp)])),
            ("ip=off", .off),
            ("ip=none", .off),
            ("ip=dhcp ip=dhcp", .configure([option(nil, dhcp)])),
            // dracut's <iface>:<method>[:[<mtu>][:<macaddr>]]
            ("ip=eth0:dhcp", .configure([option("eth0", dhcp)])),
            ("ip=eth0:dhcp:", .configure([option("eth0", dhcp)])),
            ("ip=:dhcp", .configure([option(nil, dhcp)])),
            ("ip=eth0:on:9000", .configure([option("eth0", dhcp) { $0.mtu = 9000 }])),
            ("ip=eth0:dhcp:9000:52:54:00:12:34:56", .configure([option("eth0", dhcp) { $0.mtu = 9000; $0.macAddress = self.mac }])),
            ("ip=eth0:any::52-54-00-12-34-56", .configure([option("eth0", dhcp) { $0.macAddress = self.mac }])),
            ("ip=eth0:dhcp,on", .configure([option("eth0", dhcp)])),
            ("ip=eth0.100:dhcp", .configure([option("eth0.100", dhcp)])),
            // The kernel's positional form, with its DNS and NTP tail.
            ("ip=10.0.0.5:10.0.0.1:10.0.0.254:255.255.255.0:client1:eth0:off:10.0.0.2:10.0.0.3:10.0.0.4",
             .configure([option("eth0", manual(10, 0, 0, 5, 24)) {
                 $0.server = IPv4Address(10, 0, 0, 1); $0.gateway = IPv4Address(10, 0, 0, 254); $0.hostname = "client1"
                 $0.nameservers = [IPv4Address(10, 0, 0, 2), IPv4Address(10, 0, 0, 3)]; $0.ntpServer = IPv4Address(10, 0, 0, 4)
             }])),
            // Empty <autoconf> with an address: static (the kernel), and fields may be missing.
            ("ip=10.0.0.5::10.0.0.254:255.255.255.0::eth0:", .configure([option("eth0", manual(10, 0, 0, 5, 24)) { $0.gateway = IPv4Address(10, 0, 0, 254) }])),
            ("ip=10.0.0.5:10.0.0.1:10.0.0.254:255.255.0.0", .configure([option(nil, manual(10, 0, 0, 5, 16)) {
                $0.server = IPv4Address(10, 0, 0, 1); $0.gateway = IPv4Address(10, 0, 0, 254)
            }])),
            ("ip=10.0.0.5:::24::eth0:none", .configure([option("eth0", manual(10, 0, 0, 5, 24))])),
            ("ip=10.0.0.5::0.0.0.0:255.255.255.0::eth0:off", .configure([option("eth0", manual(10, 0, 0, 5, 24))])),
            ("ip=10.0.0.5:::255.255.255.0::eth0:off::10.0.0.3", .configure([option("eth0", manual(10, 0, 0, 5, 24)) { $0.nameservers = [IPv4Address(10, 0, 0, 3)] }])),
            // dracut's MTU and MAC address after the positional form.
            ("ip=10.0.0.5::10.0.0.254:255.255.255.0:h:eth0:none:1500:52:54:00:12:34:56", .configure([option("eth0", manual(10, 0, 0, 5, 24)) {
                $0.gateway = IPv4Address(10, 0, 0, 254); $0.hostname = "h"; $0.mtu = 1500; $0.macAddress = self.mac
            }])),
            // DHCP through the positional form: no address, empty or dhcp <autoconf>.
            ("ip=:::::eth0:dhcp", .configure([option("eth0", dhcp)])),
            ("ip=::10.0.0.254::node-7.example:eth0:", .configure([option("eth0", dhcp) { $0.gateway = IPv4Address(10, 0, 0, 254); $0.hostname = "node-7.example" }])),
            // The kernel's dhcp,<type>,<client-id>.
            ("ip=dhcp,1,client-7", .configure([option(nil, dhcp) { $0.clientIdentifier = [1] + Array("client-7".utf8) }])),
            ("ip=dhcp,0,node.example", .configure([option(nil, dhcp) { $0.clientIdentifier = [0] + Array("node.example".utf8) }])),
            ("ip=:::::eth0:dhcp,0x3d,a,b", .configure([option("eth0", dhcp) { $0.clientIdentifier = [0x3d] + Array("a,b".utf8) }])),
            ("ip=eth0:dhcp ip=eth1:dhcp:1500", .configure([option("eth0", dhcp), option("eth1", dhcp) { $0.mtu = 1500 }])),
            ("ip=eth1:dhcp ip=10.1.0.5:::16::eth0:off", .configure([option("eth1", dhcp), option("eth0", manual(10, 1, 0, 5, 16))])),
        ]
        for (text, setting) in cases {
            XCTAssertEqual(try parse(text).ip, setting, text)
        }
        XCTAssertNil(try parse("ro quiet").ip)
    }

    func testOtherOptions() throws {
        let options = try parse("""
            BOOTIF=01-52-54-00-12-34-56 ifname=bootnet:52:54:00:12:34:56 ifname=Uplink:AA:BB:CC:DD:EE:0F \
            ifname=bootnet:52:54:00:12:34:56 rd.neednet=1 nameserver=10.0.0.2 nameserver=10.0.0.3 \
            rd.net.timeout.iflink=20 rd.net.timeout.carrier=5 rd.net.timeout.dhcp=45 rd.route=10.9.0.0/16:10.0.0.1 bootdev=eth0
            """)
        XCTAssertEqual(options.bootInterface, mac)
        XCTAssertEqual(options.renames, [NetOptions.Rename(name: "bootnet", mac: mac),
                                         NetOptions.Rename(name: "Uplink", mac: MACAddress(bytes: [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x0f])!)])
        XCTAssertEqual(options.renames.last?.mac.description, "aa:bb:cc:dd:ee:0f")
        XCTAssertEqual(options.needNetwork, true)
        XCTAssertEqual(options.nameservers, [IPv4Address(10, 0, 0, 2), IPv4Address(10, 0, 0, 3)])
        XCTAssertEqual([options.linkTimeoutSeconds, options.carrierTimeoutSeconds, options.dhcpTimeoutSeconds], [20, 5, 45])

        let defaults = try parse("")
        XCTAssertEqual(defaults, NetOptions())
        XCTAssertEqual([defaults.linkTimeoutSeconds, defaults.carrierTimeoutSeconds, defaults.dhcpTimeoutSeconds], [60, 10, 30])
    }

    func testBootInterfaceForms() throws {
        for text in ["BOOTIF=01-52-54-00-12-34-56", "BOOTIF=01-52-54-00-12-34-56 BOOTIF=52:54:00:12:34:56",
                     "BOOTIF=52-54-00-12-34-56", "BOOTIF=52:54:00:12:34:56", "BOOTIF=01-52-54-00-12-34-56 rd.bootif=1"] {
            XCTAssertEqual(try parse(text).bootInterface, mac, text)
        }
        // A plain MAC address that happens to start with 01 keeps its first byte.
        XCTAssertEqual(try parse("BOOTIF=01-54-00-12-34-56").bootInterface?.description, "01:54:00:12:34:56")
        XCTAssertEqual(try parse("BOOTIF=01-AB-CD-EF-00-11-22").bootInterface?.description, "ab:cd:ef:00:11:22")
        XCTAssertNil(try parse("rd.bootif=0 BOOTIF=garbage").bootInterface, "rd.bootif=0 ignores BOOTIF, as dracut does")
    }

    func testWhetherTheCommandLineAsksForTheNetwork() throws {
        let cases: [(String, Bool)] = [
            ("", false), ("ip=dhcp", true), ("ip=eth0:dhcp", true), ("ip=off", false), ("rd.neednet", true),
            ("rd.neednet=1", true), ("rd.neednet=0 ip=dhcp", false), ("ip=off rd.neednet=1", true),
            ("BOOTIF=01-52-54-00-12-34-56", false), ("nameserver=10.0.0.2", false),
        ]
        for (text, asks) in cases {
            XCTAssertEqual(try parse(text).asksForNetwork, asks, text)
        }
    }

    /// Each refusal names the option and the value, and says what was expected.
    func testMalformedValuesAreRefusedWithTheirOption() {
        let cases: [(String, String, String)] = [
            ("ip=", "ip", "an empty ip= is off to the kernel and dhcp to dracut"),
            ("ip", "ip", "dhcp, on, any, off, none"),
            ("ip=magic", "ip", "dhcp, on, any, off or none as <autoconf>, found magic"),
            ("ip=dhcp6", "ip", "IPv6 configuration is not supported yet"),
            ("ip=eth0:auto6", "ip", "IPv6 configuration is not supported yet"),
            ("ip=dhcp,dhcp6", "ip", "IPv6 configuration is not supported yet"),
            ("ip=[2001:db8::5]::[2001:db8::1]:64::eth0:none", "ip", "IPv6 configuration is not supported yet"),
            ("ip=10.0.0.5:::24::eth0:off:10.0.0.2:[2001:db8::53]", "ip", "IPv6 configuration is not supported yet"),
            ("ip=2001:db8::5::::eth0:none", "ip", "<client-IP> (field 1), found 2001"),
            ("ip=[2001:db8::5", "ip", "a bracketed address to end with ]"),
            ("ip=[2001:db8::5]x:::64::eth0:none", "ip", "a bracketed address to end with ]"),
            ("ip=bootp", "ip", "BOOTP is not supported, DHCP is"),
            ("ip=:::::eth0:rarp", "ip", "RARP is not supported, DHCP is"),
            ("ip=:::::eth0:both", "ip", "BOOTP and RARP are not supported"),
            ("ip=ibft ip=dhcp", "ip", "ibft alone"),
            ("ip=dhcp,off", "ip", "only dhcp, on or any in the list dhcp,off"),
            ("ip=dhcp,,x", "ip", "only dhcp, on or any in the list"),
            ("ip=dhcp,256,id", "ip", "dhcp,<type>,<client-id>"),
            ("ip=dhcp,1,", "ip", "dhcp,<type>,<client-id>"),
            ("ip=dhcp,0x,id", "ip", "dhcp,<type>,<client-id>"),
            ("ip=dhcp,1," + String(repeating: "x", count: 252), "ip", "dhcp,<type>,<client-id>"),
            ("ip=10.0.0.5", "ip", "a <netmask> (field 4) such as 255.255.255.0 or 24 for the static address 10.0.0.5"),
            ("ip=10.0.0.5:::255.0.255.0::eth0:off", "ip", "a <netmask> (field 4)"),
            ("ip=10.0.0.5:::33::eth0:off", "ip", "a <netmask> (field 4)"),
            ("ip=10.0.0.5:::0::eth0:off", "ip", "a <netmask> (field 4)"),
            ("ip=10.0.0.5:::255.255.255.0::eth0:dhcp", "ip", "no <client-IP> (here 10.0.0.5) with dhcp"),
            ("ip=:::::eth0:off", "ip", "a <client-IP> (field 1) with off"),
            ("ip=eth0:off", "ip", "off only with a static address"),
            ("ip=eth0:none:1500", "ip", "off only with a static address"),
            ("ip=10.0.0.256:::24::eth0:off", "ip", "<client-IP> (field 1), found 10.0.0.256"),
            ("ip=010.0.0.5:::24::eth0:off", "ip", "<client-IP> (field 1), found 010.0.0.5"),
            ("ip=10.0.0.5:10.0.0.1/30::24::ppp0:off", "ip", "dracut's point-to-point <peer> is not supported"),
            ("ip=10.0.0.5::gw:24::eth0:off", "ip", "<gw-IP> (field 3), found gw"),
            ("ip=10.0.0.5:::24:bad_host!:eth0:off", "ip", "a <hostname> (field 5)"),
            ("ip=10.0.0.5:::24:-lead:eth0:off", "ip", "a <hostname> (field 5)"),
            ("ip=10.0.0.5:::24:" + String(repeating: "h", count: 65) + ":eth0:off", "ip", "a <hostname> (field 5)"),
            ("ip=10.0.0.5:::24::eth/0:off", "ip", "an <iface> name"),
            ("ip=10.0.0.5:::24::sixteen-chars-xx:off", "ip", "an <iface> name"),
            ("ip=..:dhcp", "ip", "an <iface> name"),
            ("ip=eth0:dhcp:99999", "ip", "an <mtu> from 68 to 65535"),
            ("ip=eth0:dhcp:67", "ip", "an <mtu> from 68 to 65535"),
            ("ip=eth0:dhcp:-1", "ip", "an <mtu> from 68 to 65535"),
            ("ip=eth0:dhcp:10.0.0.2", "ip", "an <mtu> from 68 to 65535"),
            ("ip=eth0:dhcp:1500:52:54:00:12:34", "ip", "a <macaddr>"),
            ("ip=eth0:dhcp:1500:52:54:00:12:34:5g", "ip", "a <macaddr>"),
            ("ip=eth0:dhcp:1500:52:54:00:12:34:56:78", "ip", "a <macaddr>"),
            ("ip=:dhcp:1500:52:54:00:12:34:56", "ip", "an <iface> for the <macaddr>"),
            ("ip=10.0.0.5:::24::eth0:off:10.0.0.2:10.0.0.3:10.0.0.4:10.0.0.5", "ip", "at most <dns0>:<dns1>:<ntp0>"),
            ("ip=10.0.0.5:::24::eth0:off:10.0.0.2:dns", "ip", "<dns0>, <dns1> or <ntp0> (fields 8–10), found dns"),
            ("ip=eth0:dhcp ip=dhcp", "ip", "an <iface> in each ip= when several are given"),
            ("ip=eth0:dhcp ip=eth0:on", "ip", "one ip= per interface; eth0 has two"),
            ("ip=off ip=eth0:dhcp", "ip", "off alone, not beside other ip= options"),
            ("ip=eth0:dhcp::52:54:00:12:34:56 ifname=eth0:52:54:00:aa:bb:cc", "ip", "no <macaddr> for eth0, which ifname= names"),
            ("BOOTIF=", "BOOTIF", "an Ethernet MAC address"),
            ("BOOTIF", "BOOTIF", "an Ethernet MAC address"),
            ("BOOTIF=01-52-54-00-12", "BOOTIF", "an Ethernet MAC address"),
            ("BOOTIF=20-52-54-00-12-34-56-52-54-00-12-34-56-52-54-00-12-34-56-52-54", "BOOTIF", "an Ethernet MAC address"),
            ("BOOTIF=01-52-54-00-12-34-5g", "BOOTIF", "an Ethernet MAC address"),
            ("BOOTIF=01:52:54:00:12:34:56", "BOOTIF", "an Ethernet MAC address"),
            ("BOOTIF=52:54:00:12:34:56 rd.bootif=maybe", "rd.bootif", "0 or 1"),
            ("ifname=bootnet", "ifname", "<name>:<mac>"),
            ("ifname", "ifname", "<name>:<mac>"),
            ("ifname=:52:54:00:12:34:56", "ifname", "<name>:<mac>"),
            ("ifname=boot/net:52:54:00:12:34:56", "ifname", "<name>:<mac>"),
            ("ifname=bootnet:52:54:00:12:34", "ifname", "<name>:<mac>"),
            ("ifname=a:52:54:00:12:34:56 ifname=a:52:54:00:12:34:57", "ifname", "one name per MAC address (ifname=a:52:54:00:12:34:56 came first)"),
            ("ifname=a:52:54:00:12:34:56 ifname=b:52:54:00:12:34:56", "ifname", "one name per MAC address"),
            ("nameserver=", "nameserver", "an IPv4 address such as 192.168.1.1"),
            ("nameserver", "nameserver", "an IPv4 address such as 192.168.1.1"),
            ("nameserver=dns.example", "nameserver", "an IPv4 address such as 192.168.1.1"),
            ("nameserver=0.0.0.0", "nameserver", "an IPv4 address such as 192.168.1.1"),
            ("nameserver=2001:db8::53", "nameserver", "IPv6 is not supported yet"),
            ("nameserver=[2001:db8::53]", "nameserver", "IPv6 is not supported yet"),
            ("rd.neednet=maybe", "rd.neednet", "0 or 1"),
            ("rd.net.timeout.carrier=0", "rd.net.timeout.carrier", "whole seconds from 1 to 86400"),
            ("rd.net.timeout.dhcp=abc", "rd.net.timeout.dhcp", "whole seconds from 1 to 86400"),
            ("rd.net.timeout.iflink=-5", "rd.net.timeout.iflink", "whole seconds from 1 to 86400"),
        ]
        for (text, option, expected) in cases {
            XCTAssertThrowsError(try parse(text), text) { error in
                guard let error = error as? OptionError else { return XCTFail("\(text): \(error)") }
                XCTAssertEqual(error.option, option, text)
                XCTAssertTrue(error.description.hasPrefix(option), error.description)
                XCTAssertTrue(error.expected.contains(expected), "\(text): \(error.description)")
            }
        }
    }

    func testErrorLinesWhole() {
        let cases: [(String, String)] = [
            ("ip=10.0.0.5:::24::eth0:dhcp6",
             "ip=10.0.0.5:::24::eth0:dhcp6: expected dhcp, on, any, off or none: IPv6 configuration is not supported yet"),
            ("ip=10.0.0.5:::255.255.0.255::eth0:off",
             "ip=10.0.0.5:::255.255.0.255::eth0:off: expected a <netmask> (field 4) such as 255.255.255.0 or a prefix length 1–32, found 255.255.0.255"),
            ("BOOTIF=01-52-54",
             "BOOTIF=01-52-54: expected an Ethernet MAC address such as 01-52-54-00-12-34-56 or 52:54:00:12:34:56"),
        ]
        for (text, line) in cases {
            XCTAssertThrowsError(try parse(text)) { error in XCTAssertEqual(String(describing: error), line) }
        }
    }

    /// Random and mutated `ip=`, `BOOTIF=` and `ifname=` values: a value or an error,
    /// never a trap.
    func testHostileValuesNeverTrap() {
        var generator = FuzzTests.SeededGenerator(state: 0x1F_0CE5)
        let corpus = ["10.0.0.5:10.0.0.1:10.0.0.254:255.255.255.0:client1:eth0:off:10.0.0.2:10.0.0.3:10.0.0.4",
                      "eth0:dhcp:9000:52:54:00:12:34:56", "[2001:db8::1]::[2001:db8::fe]:64::eth0:none",
                      "dhcp,1,client", "01-52-54-00-12-34-56", "bootnet:52:54:00:12:34:56"]
        let alphabet = Array(":[].,-/0123456789abcdefxABCDEF \u{A0}é\u{0}")
        var accepted = 0
        for round in 0..<5000 {
            var characters = Array(corpus[round % corpus.count])
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let position = Int.random(in: 0...characters.count, using: &generator)
                let character = alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]
                if Bool.random(using: &generator) || position == characters.count {
                    characters.insert(character, at: position)
                } else {
                    characters.remove(at: position)
                }
            }
            let value = String(characters)
            let line = KernelCommandLine(parameters: [KernelParameter("ip", value), KernelParameter("BOOTIF", value),
                                                      KernelParameter("ifname", value)])
            if (try? NetOptions(line)) != nil { accepted += 1 }
            _ = try? NetOptions(KernelCommandLine(parameters: [KernelParameter("ip", value)]))
        }
        XCTAssertLessThan(accepted, 5000)
    }
}
