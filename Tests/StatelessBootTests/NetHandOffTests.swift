@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import XCTest

final class NetHandOffTests: XCTestCase {
    let mac = MACAddress(bytes: [0x52, 0x54, 0x00, 0x12, 0x34, 0x56])!

    /// What qemu's user network hands out, with a search domain and a static route.
    var lease: NetConfiguration {
        var c = NetConfiguration(interface: "eth0", mac: mac, address: IPv4Address(10, 0, 2, 15), prefixLength: 24,
                                 origin: .dhcp(server: IPv4Address(10, 0, 2, 2), leaseSeconds: 86400,
                                               clientIdentifier: [1] + mac.bytes))
        c.gateway = IPv4Address(10, 0, 2, 2)
        c.routes = [DHCPRoute(destination: IPv4Address(192, 168, 0, 0), prefixLength: 16, router: IPv4Address(10, 0, 2, 1))]
        c.nameservers = [IPv4Address(10, 0, 2, 3), IPv4Address(10, 0, 2, 4)]
        c.searchDomain = "lab.example"
        c.hostname = "client1"
        c.mtu = 1500
        c.bootServer = IPv4Address(10, 0, 2, 4)
        c.rootPath = "10.0.2.4:/srv/it's ${mac}"
        return c
    }

    var manual: NetConfiguration {
        var c = NetConfiguration(interface: "bootnet", mac: mac, address: IPv4Address(10, 1, 0, 5), prefixLength: 16, origin: .manual)
        c.gateway = IPv4Address(10, 1, 0, 1)
        c.routes = [DHCPRoute(destination: IPv4Address(172, 16, 0, 0), prefixLength: 12, router: IPv4Address(10, 1, 0, 254)),
                    DHCPRoute(destination: IPv4Address(10, 2, 0, 0), prefixLength: 16, router: .any)]
        c.nameservers = [IPv4Address(10, 1, 0, 2)]
        return c
    }

    func testEnvironmentOfALease() {
        XCTAssertEqual(HandOff.format(NetHandOff.environment(lease)), """
            NET_INTERFACE=eth0
            NET_MAC=52:54:00:12:34:56
            NET_METHOD=dhcp
            NET_ADDRESS=10.0.2.15
            NET_PREFIX=24
            NET_NETMASK=255.255.255.0
            NET_GATEWAY=10.0.2.2
            NET_ROUTES=192.168.0.0/16,10.0.2.1
            NET_DNS='10.0.2.3 10.0.2.4'
            NET_DOMAIN=lab.example
            NET_HOSTNAME=client1
            NET_MTU=1500
            NET_DHCP_SERVER=10.0.2.2
            NET_LEASE_SECONDS=86400
            NET_CLIENT_ID=01:52:54:00:12:34:56
            NET_BOOT_SERVER=10.0.2.4
            NET_ROOT_PATH='10.0.2.4:/srv/it'\\''s ${mac}'
            NET_BOOT_FILE=''

            """)
    }

    func testEnvironmentOfAStaticConfigurationHasEveryKey() {
        XCTAssertEqual(HandOff.format(NetHandOff.environment(manual)), """
            NET_INTERFACE=bootnet
            NET_MAC=52:54:00:12:34:56
            NET_METHOD=static
            NET_ADDRESS=10.1.0.5
            NET_PREFIX=16
            NET_NETMASK=255.255.0.0
            NET_GATEWAY=10.1.0.1
            NET_ROUTES='172.16.0.0/12,10.1.0.254 10.2.0.0/16'
            NET_DNS=10.1.0.2
            NET_DOMAIN=''
            NET_HOSTNAME=''
            NET_MTU=''
            NET_DHCP_SERVER=''
            NET_LEASE_SECONDS=''
            NET_CLIENT_ID=''
            NET_BOOT_SERVER=''
            NET_ROOT_PATH=''
            NET_BOOT_FILE=''

            """)
    }

    func testResolverConfiguration() {
        XCTAssertEqual(NetHandOff.resolverConfiguration(lease), """
            # From the DHCP lease of eth0 (server 10.0.2.2), written by stateless in the initramfs.
            nameserver 10.0.2.3
            nameserver 10.0.2.4
            search lab.example

            """)
        var many = manual
        many.nameservers = (1...5).map { IPv4Address(10, 1, 0, $0) }
        XCTAssertEqual(NetHandOff.resolverConfiguration(many), """
            # From ip= for bootnet, written by stateless in the initramfs.
            nameserver 10.1.0.1
            nameserver 10.1.0.2
            nameserver 10.1.0.3

            """, "glibc reads three nameservers (MAXNS)")
    }

    func testNetworkdFileOfALease() {
        XCTAssertEqual(NetHandOff.networkdFile(lease), """
            # From the DHCP lease of eth0 (server 10.0.2.2), written by stateless in the initramfs:
            # keep this link's configuration and lease through the boot.
            [Match]
            MACAddress=52:54:00:12:34:56

            [Link]
            MTUBytes=1500

            [Network]
            DHCP=ipv4
            DNS=10.0.2.3
            DNS=10.0.2.4
            Domains=lab.example
            KeepConfiguration=yes

            [DHCPv4]
            ClientIdentifier=mac
            SendRelease=no

            """)
    }

    func testNetworkdFileOfAStaticConfiguration() {
        XCTAssertEqual(NetHandOff.networkdFile(manual), """
            # From ip= for bootnet, written by stateless in the initramfs:
            # keep this link's configuration and lease through the boot.
            [Match]
            MACAddress=52:54:00:12:34:56

            [Network]
            Address=10.1.0.5/16
            Gateway=10.1.0.1
            DNS=10.1.0.2
            KeepConfiguration=yes

            [Route]
            Destination=172.16.0.0/12
            Gateway=10.1.0.254

            [Route]
            Destination=10.2.0.0/16

            """)
    }

    func testNetworkdClientIdentifiers() {
        let duid: [UInt8] = [0xff, 0x00, 0x00, 0x01, 0x02, 0x00, 0x03, 0x00, 0x01] + mac.bytes
        let cases: [([UInt8], [String]?)] = [
            ([1] + mac.bytes, ["ClientIdentifier=mac"]),
            (duid, ["ClientIdentifier=duid", "IAID=258", "DUIDType=link-layer", "DUIDRawData=00:01:52:54:00:12:34:56"]),
            ([0xff, 0x12, 0x34, 0x56, 0x78, 0x00, 0x02] + [0, 0, 0xab, 0x11] + Array(repeating: 7, count: 8),
             ["ClientIdentifier=duid", "IAID=305419896", "DUIDType=vendor", "DUIDRawData=00:00:ab:11:07:07:07:07:07:07:07:07"]),
            ([0xff, 0, 0, 0, 1, 0x00, 0x04] + Array(repeating: 0xaa, count: 16),
             ["ClientIdentifier=duid", "IAID=1", "DUIDType=uuid", "DUIDRawData=" + Array(repeating: "aa", count: 16).joined(separator: ":")]),
            // A type-1 identifier of another MAC, a text identifier, lengths networkd refuses.
            ([1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x57], nil),
            ([0] + Array("node".utf8), nil),
            ([0xff, 0, 0, 0, 1, 0x00, 0x02, 1, 2, 3], nil),
            ([0xff, 0, 0, 0, 1, 0x00, 0x04] + Array(repeating: 0xaa, count: 15), nil),
            ([0xff, 0, 0, 0, 1, 0x00, 0x01, 0, 1, 0, 0, 0, 0], nil),
            ([0xff, 0, 0, 0, 1, 0x00, 0x09, 1, 2, 3], nil),
            ([0xff, 0, 0, 0, 1, 0x00, 0x03] + Array(repeating: 1, count: 129), nil),
            ([0xff, 0, 0], nil), ([], nil),
        ]
        for (identifier, lines) in cases {
            XCTAssertEqual(NetHandOff.networkdClientIdentifier(identifier, mac: mac), lines, "\(identifier)")
        }
        var text = lease
        text.origin = .dhcp(server: IPv4Address(10, 0, 2, 2), leaseSeconds: 600, clientIdentifier: [0] + Array("node".utf8))
        XCTAssertTrue(NetHandOff.networkdFile(text).hasSuffix("""
            [DHCPv4]
            # The client identifier 00:6e:6f:64:65 has no ClientIdentifier= form:
            # networkd sends its own, and the server may lease another address.
            SendRelease=no

            """), NetHandOff.networkdFile(text))
    }

    func testNetworkManagerKeyfileOfALease() {
        XCTAssertEqual(NetHandOff.networkManagerKeyfile(lease), """
            # From the DHCP lease of eth0 (server 10.0.2.2), written by stateless in the initramfs:
            # keep this link's configuration and lease through the boot.
            [connection]
            id=stateless-eth0
            uuid=73746174-656c-4573-8000-525400123456
            type=ethernet

            [ethernet]
            mac-address=52:54:00:12:34:56
            mtu=1500

            [ipv4]
            method=auto
            dhcp-client-id=01:52:54:00:12:34:56
            dhcp-timeout=2147483647
            dns=10.0.2.3;10.0.2.4;
            dns-search=lab.example;
            may-fail=false

            [ipv6]
            method=ignore

            """)
    }

    func testNetworkManagerKeyfileOfAStaticConfiguration() {
        XCTAssertEqual(NetHandOff.networkManagerKeyfile(manual), """
            # From ip= for bootnet, written by stateless in the initramfs:
            # keep this link's configuration and lease through the boot.
            [connection]
            id=stateless-bootnet
            uuid=73746174-656c-4573-8000-525400123456
            type=ethernet

            [ethernet]
            mac-address=52:54:00:12:34:56

            [ipv4]
            method=manual
            address1=10.1.0.5/16
            gateway=10.1.0.1
            route1=172.16.0.0/12,10.1.0.254
            route2=10.2.0.0/16
            dns=10.1.0.2;
            may-fail=false

            [ipv6]
            method=ignore

            """)
    }

    /// Names, domains and host names come from the kernel and the network: none may add
    /// a line to a file, a section to a keyfile or a path component.
    func testHostileNamesStayInTheirPlace() {
        var c = lease
        c.interface = "e$0;\\x'"
        c.searchDomain = "lab.example\nnameserver 6.6.6.6"
        c.hostname = "-bad host"
        let files = NetHandOff.files(for: c)
        XCTAssertEqual(files.map(\.path), [
            "/run/stateless/net-e_0__x_.env",
            "/run/systemd/network/10-stateless-e_0__x_.network",
            "/run/NetworkManager/system-connections/stateless-e_0__x_.nmconnection",
        ])
        XCTAssertEqual(files.map(\.mode), [[.ownerReadWrite, .groupRead, .otherRead], [.ownerReadWrite, .groupRead, .otherRead], [.ownerReadWrite]])
        for file in files + NetHandOff.bootFiles(for: c, interfaces: [c.interface]) {
            XCTAssertFalse(file.contents.contains("6.6.6.6"), file.path)
            XCTAssertFalse(file.contents.contains("bad host"), file.path)
        }
        let environment = HandOff.format(NetHandOff.environment(c))
        XCTAssertTrue(environment.hasPrefix("NET_INTERFACE='e$0;\\x'\\'''\n"), environment)
        XCTAssertTrue(environment.contains("NET_DOMAIN=''\nNET_HOSTNAME=''\n"), environment)
        XCTAssertTrue(NetHandOff.networkManagerKeyfile(c).contains("\nid=stateless-e_0__x_\n"))
        XCTAssertEqual(NetConfiguration.dnsName(String(repeating: "a", count: 254)), nil)
        XCTAssertEqual(NetConfiguration.dnsName("_ldap.lab-1.example."), "_ldap.lab-1.example.")
    }

    func testBootFiles() {
        let files = NetHandOff.bootFiles(for: lease, interfaces: ["eth0", "eth1"])
        XCTAssertEqual(files.map(\.path), ["/run/stateless/net.env", "/run/stateless/resolv.conf"])
        XCTAssertEqual(files.first?.contents, HandOff.format(NetHandOff.environment(lease)) + "NET_INTERFACES='eth0 eth1'\n")
        XCTAssertEqual(files.last?.contents, NetHandOff.resolverConfiguration(lease))
    }

    func testAShortClientIdentifierIsNotWrittenForNetworkManager() {
        var c = lease
        c.origin = .dhcp(server: IPv4Address(10, 0, 2, 2), leaseSeconds: DHCPLease.infinite, clientIdentifier: [1])
        XCTAssertFalse(NetHandOff.networkManagerKeyfile(c).contains("dhcp-client-id"))
        XCTAssertTrue(HandOff.format(NetHandOff.environment(c)).contains("NET_LEASE_SECONDS=4294967295\nNET_CLIENT_ID=01\n"))
    }
}
