@testable import StatelessCore
@testable import StatelessProtocols
import XCTest

/// The net stage's decisions from the command line and the links present, table-style.
final class NetPlanTests: XCTestCase {
    static let mac0 = MACAddress(parsing: "52:54:00:00:00:01")!
    static let mac1 = MACAddress(parsing: "52:54:00:00:00:02")!

    static func link(_ index: Int32, _ name: String, _ mac: MACAddress?, carrier: Bool = true) -> NetworkLink {
        NetworkLink(index: index, name: name, mac: mac?.bytes ?? [], flags: carrier ? NetworkLink.lowerUp : 0, mtu: 1500)
    }

    static let loopback = NetworkLink(index: 1, name: "lo", mac: [0, 0, 0, 0, 0, 0], flags: UInt32(IFF_LOOPBACK), mtu: 65536)
    static let present = [loopback, link(2, "eth0", mac0), link(3, "eth1", mac1)]

    func plan(_ line: String) throws -> [NetPlan.Step] {
        NetPlan(try NetOptions(KernelCommandLine(parsing: line))).steps
    }

    func testStepsFromTheCommandLine() throws {
        let cases: [(String, [NetPlan.Links])] = [
            ("rd.neednet=1", [.everyWithCarrier]),
            ("rd.neednet=1 BOOTIF=01-52-54-00-00-00-02", [.bootInterface(Self.mac1)]),
            ("ip=dhcp", [.everyWithCarrier]),
            ("ip=dhcp BOOTIF=01-52-54-00-00-00-02", [.bootInterface(Self.mac1)]),
            ("ip=eth1:dhcp BOOTIF=01-52-54-00-00-00-01", [.named("eth1")]),
            ("ip=10.0.0.5::10.0.0.1:255.255.255.0:host::none", [.onlyLink]),
            ("ip=10.0.0.5::10.0.0.1:255.255.255.0:host::none BOOTIF=52:54:00:00:00:01", [.bootInterface(Self.mac0)]),
            ("ip=eth0:dhcp ip=10.0.0.5::10.0.0.1:24::eth1:none", [.named("eth0"), .named("eth1")]),
            ("ip=off", []),
            ("ip=off rd.neednet=1", []),
        ]
        for (line, expected) in cases {
            XCTAssertEqual(try plan(line).map(\.links), expected, line)
        }
        XCTAssertEqual(try plan("ip=eth0:dhcp ip=10.0.0.5::10.0.0.1:24::eth1:none").last?.option.method,
                       .manual(address: IPv4Address(10, 0, 0, 5), prefixLength: 24))
    }

    func testLinksResolved() throws {
        let cases: [(NetPlan.Links, [NetworkLink], [String]?)] = [
            (.named("eth1"), Self.present, ["eth1"]),
            (.named("eth2"), Self.present, nil),  // not there yet: the stage waits
            (.bootInterface(Self.mac0), Self.present, ["eth0"]),
            (.bootInterface(MACAddress(parsing: "02:00:00:00:00:09")!), Self.present, nil),
            (.everyWithCarrier, Self.present, ["eth0", "eth1"]),
            (.everyWithCarrier, [Self.loopback], nil),
            (.onlyLink, [Self.loopback, Self.link(2, "eth0", Self.mac0)], ["eth0"]),
            (.onlyLink, [Self.loopback], nil),
        ]
        for (links, present, expected) in cases {
            XCTAssertEqual(try NetPlan.resolve(links, among: present)?.map(\.name), expected, "\(links)")
        }
    }

    /// `ip=…:eth0:…` as PXE configs and nfsroot.rst write it, after the stage renamed the
    /// kernel's eth0 to ens3: it means that link; a name neither link had is still waited for.
    func testKernelNameOfARenamedLink() throws {
        let present = [Self.loopback, Self.link(2, "ens3", Self.mac0), Self.link(3, "ens4", Self.mac1)]
        let kernelNames = ["ens3": "eth0", "ens4": "eth1"]
        XCTAssertEqual(try NetPlan.resolve(.named("eth0"), among: present, kernelNames: kernelNames)?.map(\.name), ["ens3"])
        XCTAssertEqual(try NetPlan.resolve(.named("eth1"), among: present, kernelNames: kernelNames)?.map(\.name), ["ens4"])
        XCTAssertEqual(try NetPlan.resolve(.named("ens4"), among: present, kernelNames: kernelNames)?.map(\.name), ["ens4"])
        XCTAssertNil(try NetPlan.resolve(.named("eth2"), among: present, kernelNames: kernelNames))
        XCTAssertNil(try NetPlan.resolve(.named("eth0"), among: present))
    }

    /// A static address without an interface among several links cannot be placed.
    func testOnlyLinkAmongSeveralIsRefusedWithTheOptionNamed() {
        XCTAssertThrowsError(try NetPlan.resolve(.onlyLink, among: Self.present)) { error in
            XCTAssertEqual(String(describing: error),
                           "ip: expected an <iface> (field 6) for a static address: there are 2 links (eth0, eth1); or BOOTIF= to pick one")
        }
    }
}
