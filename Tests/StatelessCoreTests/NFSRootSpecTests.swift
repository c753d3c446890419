@testable import StatelessCore
@testable import StatelessProtocols
import XCTest

/// NFS root specifications as dracut, the kernel and DHCP root-paths write them,
/// table-style, with hostile values refused by one line naming the option.
final class NFSRootSpecTests: XCTestCase {
    typealias Spec = NFSRootSpec

    static func spec(_ server: String?, _ path: String, _ options: [String] = [], version: Spec.Version = .nfs, port: Int? = nil) -> Spec {
        Spec(version: version, server: server, path: path, options: options, port: port)
    }

    func testDracutForms() throws {
        let cases: [(String, Spec)] = [
            ("nfs:10.0.2.2:/srv/root", Self.spec("10.0.2.2", "/srv/root")),
            ("nfs:/srv/root", Self.spec(nil, "/srv/root")),
            ("nfs4:srv.example:/exports/os:vers=4.2,timeo=14", Self.spec("srv.example", "/exports/os", ["vers=4.2", "timeo=14"], version: .nfs4)),
            ("nfs:10.0.2.2:/srv/root:vers=4.1", Self.spec("10.0.2.2", "/srv/root", ["vers=4.1"], version: .nfs4)),
            ("nfs:10.0.2.2:/srv/root,nolock,ro", Self.spec("10.0.2.2", "/srv/root", ["nolock", "ro"])),
            ("nfs:10.0.2.2:/srv/root,nolock:timeo=30", Self.spec("10.0.2.2", "/srv/root", ["nolock", "timeo=30"])),
            ("nfs:10.0.2.2:/srv/%s", Self.spec("10.0.2.2", "/srv/%s")),
            ("nfs:10.0.2.2:/srv/${mac}/root", Self.spec("10.0.2.2", "/srv/${mac}/root")),
            ("nfs://10.0.2.2/srv/root", Self.spec("10.0.2.2", "/srv/root")),
            ("nfs://nas:2049/srv/root", Self.spec("nas", "/srv/root", port: 2049)),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(try Spec.parse(value, option: "root"), expected, value)
        }
        // A DHCP root-path may leave out `nfs:`.
        XCTAssertEqual(try Spec.parse("10.0.2.2:/srv/root", option: "root-path", allowBare: true), Self.spec("10.0.2.2", "/srv/root"))
        XCTAssertEqual(try Spec.parse("/srv/root", option: "root-path", allowBare: true), Self.spec(nil, "/srv/root"))
    }

    func testKernelNfsroot() throws {
        let cases: [(String, Spec)] = [
            ("10.0.2.2:/srv/root", Self.spec("10.0.2.2", "/srv/root")),
            ("/tftpboot/%s", Self.spec(nil, "/tftpboot/%s")),
            ("10.0.2.2:/srv/root,vers=4.2,proto=tcp", Self.spec("10.0.2.2", "/srv/root", ["vers=4.2", "proto=tcp"], version: .nfs4)),
            ("/srv/root,nolock", Self.spec(nil, "/srv/root", ["nolock"])),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(try Spec.kernel(value), expected, value)
        }
    }

    func testHostileValuesNameTheOption() {
        let roots = ["nfs:", "nfs:10.0.2.2:srv", "nfs:[fd00::1]:/srv", "nfs:bad host:/srv", "nfs:10.0.2.2:/srv:vers=4;rm",
                     "nfs:10.0.2.2:/srv\u{7}x", "nfs://10.0.2.2", "nfs://10.0.2.2:0/srv", "nfs://10.0.2.2:x/srv", "nfs:-x:/srv",
                     "nfs:10.0.2.2:/" + String(repeating: "a", count: 1100), "iscsi:10.0.2.2::::iqn", "nfs:10.0.2.2:/srv:=x"]
        for value in roots {
            XCTAssertThrowsError(try Spec.parse(value, option: "root"), value) { error in
                XCTAssertTrue(String(describing: error).hasPrefix("root=\(value): expected "), "\(error)")
            }
        }
        for value in ["", "srv", "10.0.2.2:srv", "10.0.2.2:/srv,a b"] {
            XCTAssertThrowsError(try Spec.kernel(value), value) { error in
                XCTAssertTrue(String(describing: error).hasPrefix("nfsroot=\(value): expected "), "\(error)")
            }
        }
    }

    func testPerMachinePaths() throws {
        let mac = try XCTUnwrap(MACAddress(parsing: "52:54:00:12:34:56"))
        let address = IPv4Address(10, 0, 2, 15)
        let cases: [(String, String?, String)] = [
            ("/tftpboot/%s", nil, "/tftpboot/10.0.2.15"),
            ("/tftpboot/%s", "thin-7", "/tftpboot/thin-7"),
            ("/srv/%s/%s", "thin-7", "/srv/thin-7/%s"),  // the first only, as the kernel and dracut
            ("/srv/${mac}/${ip}", nil, "/srv/52-54-00-12-34-56/10.0.2.15"),
            ("/srv/${hostname}", nil, "/srv/10.0.2.15"),
            ("/srv/${hostname}", "thin-7", "/srv/thin-7"),
            ("/srv/root", "thin-7", "/srv/root"),
            ("/srv/%", nil, "/srv/%"),
        ]
        for (path, hostname, expected) in cases {
            XCTAssertEqual(Self.spec(nil, path).expandedPath(address: address, mac: mac, hostname: hostname), expected, path)
        }
    }
}
