@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import XCTest

/// iSCSI roots as dracut, libiscsi's URLs and DHCP root-paths write them, table-style,
/// with hostile values refused by one line naming the option (and never the secret).
final class ISCSIRootSpecTests: XCTestCase {
    typealias Spec = ISCSIRootSpec
    typealias Portal = ISCSIRootSpec.Portal
    static let iqn = "iqn.2026-11.lab.stateless:root"

    func testDracutForms() throws {
        let chap = Spec.CHAP(username: "user", password: "secret")
        let mutual = Spec.CHAP(username: "user", password: "secret", targetUsername: "tgt", targetPassword: "back")
        let cases: [(String, Spec)] = [
            ("iscsi:10.0.2.2::::\(Self.iqn)", Spec(portals: [Portal(host: "10.0.2.2")], target: Self.iqn)),
            ("iscsi:10.0.2.2:6:3261:1:\(Self.iqn)", Spec(portals: [Portal(host: "10.0.2.2", port: 3261)], target: Self.iqn, lun: 1)),
            ("iscsi:user:secret@10.0.2.2::3260:0:\(Self.iqn)", Spec(portals: [Portal(host: "10.0.2.2")], target: Self.iqn, lun: 0, chap: chap)),
            ("iscsi:user:secret:tgt:back@10.0.2.2:::2:\(Self.iqn)", Spec(portals: [Portal(host: "10.0.2.2")], target: Self.iqn, lun: 2, chap: mutual)),
            // An empty credential part lets the target name hold an `@` (dracut's rule).
            ("iscsi:@10.0.2.2::::iqn.2009-01.com.example:disk@1", Spec(portals: [Portal(host: "10.0.2.2")], target: "iqn.2009-01.com.example:disk@1")),
            // dracut's <iface>:<netdev> fields before the LUN are read and ignored.
            ("iscsi:10.0.2.2::3260:default:eth0:3:\(Self.iqn)", Spec(portals: [Portal(host: "10.0.2.2")], target: Self.iqn, lun: 3)),
            ("iscsi:10.0.2.2::::eui.0123456789abcdef", Spec(portals: [Portal(host: "10.0.2.2")], target: "eui.0123456789abcdef")),
            // No target: SendTargets discovery.
            ("iscsi:10.0.2.2::::", Spec(portals: [Portal(host: "10.0.2.2")])),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(try Spec.parse(value, option: "netroot"), expected, value)
        }
    }

    func testURLForm() throws {
        let cases: [(String, Spec)] = [
            ("iscsi://10.0.2.2/\(Self.iqn)/1", Spec(portals: [Portal(host: "10.0.2.2")], target: Self.iqn, lun: 1)),
            ("iscsi://user%secret@10.0.2.2:3261/\(Self.iqn)/0",
             Spec(portals: [Portal(host: "10.0.2.2", port: 3261)], target: Self.iqn, lun: 0, chap: .init(username: "user", password: "secret"))),
            ("iscsi://u%p@10.0.2.2/\(Self.iqn)/1?target_user=t&target_password=tp",
             Spec(portals: [Portal(host: "10.0.2.2")], target: Self.iqn, lun: 1, chap: .init(username: "u", password: "p", targetUsername: "t", targetPassword: "tp"))),
            ("iscsi://10.0.2.2/\(Self.iqn)/", Spec(portals: [Portal(host: "10.0.2.2")], target: Self.iqn)),
            ("iscsi://user:secret@10.0.2.2/\(Self.iqn)/2?header_digest=crc32c",
             Spec(portals: [Portal(host: "10.0.2.2")], target: Self.iqn, lun: 2, chap: .init(username: "user", password: "secret"))),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(try Spec.parse(value, option: "root"), expected, value)
        }
    }

    func testHostileValuesAreRefusedWithoutTheSecret() {
        let values = [
            "iscsi:", "iscsi:10.0.2.2", "iscsi:nas.example::::\(Self.iqn)", "iscsi:[fe80::1]::::\(Self.iqn)",
            "iscsi:10.0.2.2::99999::\(Self.iqn)", "iscsi:10.0.2.2::0::\(Self.iqn)", "iscsi:10.0.2.2:17:::\(Self.iqn)",
            "iscsi:10.0.2.2:::16384:\(Self.iqn)", "iscsi:10.0.2.2:::-1:\(Self.iqn)", "iscsi:10.0.2.2::::target",
            "iscsi:10.0.2.2::::iqn.has space", "iscsi:a:b:c@10.0.2.2::::\(Self.iqn)", "iscsi:10.0.2.2:1:2:3:4:5:6:\(Self.iqn)",
            "iscsi://10.0.2.2/\(Self.iqn)", "iscsi://10.0.2.2", "iscsi://user@10.0.2.2/\(Self.iqn)/1",
            "iscsi://u%secret@10.0.2.2/\(Self.iqn)/1?target_user=t", "iscsi://10.0.2.2/\(Self.iqn)/1?x=y",
            "iscsi://10.0.2.2:http/\(Self.iqn)/1", "iscsi:10.0.2.2::::iqn." + String(repeating: "a", count: 230),
            "iscsi:10.0.2.2::::iqn.x\u{7}y",
        ]
        for value in values {
            XCTAssertThrowsError(try Spec.parse(value, option: "netroot"), value) { error in
                let line = "\(error)"
                XCTAssertTrue(line.hasPrefix("netroot="), line)
                XCTAssertFalse(line.contains("secret"), "the password must not reach the console: \(line)")
            }
        }
    }

    func testDescriptionNamesNoSecret() throws {
        let spec = try Spec.parse("iscsi:user:secret@10.0.2.2::::\(Self.iqn)", option: "root")
        XCTAssertEqual("\(spec)", "iscsi:user@10.0.2.2:3260/\(Self.iqn)/(first disk)")
    }

    // MARK: The command line as a whole

    static func options(_ text: String) throws -> BootOptions { try BootOptions(KernelCommandLine(parsing: text)) }

    func testCommandLineForms() throws {
        let portal = Portal(host: "10.0.2.2")
        let cases: [(String, Spec)] = [
            ("netroot=iscsi:10.0.2.2::::\(Self.iqn)", Spec(portals: [portal], target: Self.iqn)),
            ("root=iscsi:10.0.2.2:::1:\(Self.iqn)", Spec(portals: [portal], target: Self.iqn, lun: 1)),
            ("root=iscsi://10.0.2.2/\(Self.iqn)/1", Spec(portals: [portal], target: Self.iqn, lun: 1)),
            ("rd.iscsi.target.name=\(Self.iqn) rd.iscsi.target.ip=10.0.2.2 rd.iscsi.target.port=3261 rd.iscsi.target.lun=1",
             Spec(portals: [Portal(host: "10.0.2.2", port: 3261)], target: Self.iqn, lun: 1)),
            // Two netroots for one target: two portals.
            ("netroot=iscsi:10.0.2.2:::1:\(Self.iqn) netroot=iscsi:10.0.3.1::3261:1:\(Self.iqn)",
             Spec(portals: [portal, Portal(host: "10.0.3.1", port: 3261)], target: Self.iqn, lun: 1)),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try Self.options(text).root, .iscsi(expected), text)
        }
        // root= names the filesystem on the LUN; credentials and initiator come from rd.iscsi.*.
        let options = try Self.options("root=LABEL=os netroot=iscsi:10.0.2.2::::\(Self.iqn) rd.iscsi.username=u rd.iscsi.password=p rd.iscsi.in.username=t rd.iscsi.in.password=q rd.iscsi.initiator=iqn.2026-11.lab:client stateless.iscsi.rw=1")
        var expected = Spec(portals: [portal], target: Self.iqn, chap: .init(username: "u", password: "p", targetUsername: "t", targetPassword: "q"),
                            initiator: "iqn.2026-11.lab:client")
        expected.filesystem = .tag(name: "LABEL", value: "os")
        XCTAssertEqual(options.root, .iscsi(expected))
        XCTAssertTrue(options.iscsiWritable)
        XCTAssertTrue(options.needsNetwork)
        // Credentials in the root win over rd.iscsi.username=.
        let own = try Self.options("netroot=iscsi:a:b@10.0.2.2::::\(Self.iqn) rd.iscsi.username=u rd.iscsi.password=p")
        XCTAssertEqual(own.root.flatMap { if case .iscsi(let spec) = $0 { return spec.chap?.username } else { return nil } }, "a")
    }

    func testCommandLineConflictsNameTheOption() {
        let cases: [(String, String)] = [
            ("netroot=iscsi:10.0.2.2:::1:\(Self.iqn) netroot=iscsi:10.0.3.1:::2:\(Self.iqn)", "netroot"),
            ("root=iscsi:10.0.2.2::::\(Self.iqn) netroot=iscsi:10.0.2.2::::\(Self.iqn)", "root"),
            ("root=nfs:10.0.2.2:/srv netroot=iscsi:10.0.2.2::::\(Self.iqn)", "netroot"),
            ("rd.iscsi.target.name=\(Self.iqn)", "rd.iscsi.target.ip"),
            ("rd.iscsi.target.name=target rd.iscsi.target.ip=10.0.2.2", "rd.iscsi.target.name"),
            ("rd.iscsi.target.name=\(Self.iqn) rd.iscsi.target.ip=10.0.2.2 rd.iscsi.target.lun=x", "rd.iscsi.target.lun"),
            ("netroot=iscsi:10.0.2.2::::\(Self.iqn) rd.iscsi.username=u", "rd.iscsi.password"),
            ("netroot=iscsi:10.0.2.2::::\(Self.iqn) rd.iscsi.in.username=u rd.iscsi.in.password=p", "rd.iscsi.in.username"),
            ("netroot=iscsi:10.0.2.2::::\(Self.iqn) rd.iscsi.initiator=client", "rd.iscsi.initiator"),
            ("netroot=iscsi:10.0.2.2::::\(Self.iqn) stateless.iscsi.rw=maybe", "stateless.iscsi.rw"),
        ]
        for (text, option) in cases {
            XCTAssertThrowsError(try Self.options(text), text) { error in
                XCTAssertEqual((error as? OptionError)?.option, option, "\(text): \(error)")
            }
        }
    }

    // MARK: Names, portals, login answers

    func testInitiatorNames() {
        XCTAssertEqual(InitiatorName.parse("## generated\nInitiatorName=iqn.1993-08.org.debian:01:abc\n"), "iqn.1993-08.org.debian:01:abc")
        XCTAssertEqual(InitiatorName.parse("  InitiatorName=iqn.2026-11.lab:x \r\n"), "iqn.2026-11.lab:x")
        for text in ["", "#InitiatorName=iqn.2026-11.lab:x", "InitiatorName=", "InitiatorName=client", "InitiatorName=iqn.a b\u{0}"] {
            XCTAssertNil(InitiatorName.parse(text), text)
        }
        XCTAssertEqual(InitiatorName.derived(from: MACAddress(parsing: "52:54:00:AB:cd:01")!), "iqn.2026-11.org.stateless:525400abcd01")
    }

    func testSendTargetsPortals() {
        XCTAssertEqual(ISCSISession.portal("10.0.3.1:3261,1"), Portal(host: "10.0.3.1", port: 3261))
        XCTAssertEqual(ISCSISession.portal("10.0.3.1"), Portal(host: "10.0.3.1"))
        for text in ["[fe80::1]:3260,1", "host:3260,1", "10.0.3.1:0,1", "10.0.3.1:x", "", ":3260"] {
            XCTAssertNil(ISCSISession.portal(text), text)
        }
    }

    func testLoginAnswers() {
        XCTAssertEqual(ISCSILogin.loginStatus("Failed to log in to target. Status: Authentication failure(513)"), 0x201)
        XCTAssertEqual(ISCSILogin.loginStatus("iscsi_service: socket error Connection refused(111). "), 111)
        XCTAssertEqual(ISCSILogin.loginStatus("Status: Service unavailable(769) — the target is not ready to serve (it may be starting)"), 769)
        XCTAssertNil(ISCSILogin.loginStatus("Connect failed (11x) (check its ACL)"))
        // Decided by the error's kind (and the target's status class), not by its words.
        let refused = BootError("connect to", "x", kind: .noAnswer, detail: "Connect failed")
        let auth = BootError("log in at", "x", kind: .refused, detail: "Failed to log in to target. Status: Authentication failure(513)")
        let busy = BootError("log in at", "x", kind: .refused, detail: "Failed to log in to target. Status: Service unavailable(769)")
        let missing = BootError("log in at", "x", kind: .refused, detail: "Failed to log in to target. Status: Target not found(515)")
        XCTAssertTrue(ISCSILogin.isTransient(refused))
        XCTAssertFalse(ISCSILogin.isTransient(BootError("connect to", "x", detail: "Connect failed")), "the words alone decide nothing")
        XCTAssertTrue(ISCSILogin.isTransient(busy))
        XCTAssertFalse(ISCSILogin.isTransient(auth))
        XCTAssertFalse(ISCSILogin.isTransient(missing))
        var explained = busy
        explained.detail! += " — " + ISCSILogin.explain(busy, chap: nil)
        XCTAssertTrue(ISCSILogin.isTransient(explained), "still transient with the explanation after it")
        XCTAssertTrue(ISCSILogin.explain(auth, chap: .init(username: "u", password: "p")).contains("refused the CHAP credentials"))
        XCTAssertTrue(ISCSILogin.explain(auth, chap: nil).contains("none were given"))
        XCTAssertTrue(ISCSILogin.explain(missing, chap: nil).contains("no such target"))
    }

    func testBridgeRequestTravelsWhole() throws {
        var spec = Spec(portals: [Portal(host: "10.0.2.2"), Portal(host: "10.0.3.1", port: 3261)], target: Self.iqn, lun: 1,
                        chap: .init(username: "u", password: "it's secret", targetUsername: "t", targetPassword: "q w"))
        let request = ISCSIBridgeRequest(spec: spec, initiator: "iqn.2026-11.lab:c", writable: true, retrySeconds: 60)
        let decoded = try XCTUnwrap(ISCSIBridgeRequest(facts: HandOff.parse(HandOff.format(request.facts))))
        XCTAssertEqual(decoded, request)
        spec.target = nil
        spec.chap = nil
        let discovery = ISCSIBridgeRequest(spec: spec, initiator: "iqn.2026-11.lab:c", writable: false, retrySeconds: 5)
        XCTAssertEqual(ISCSIBridgeRequest(facts: HandOff.parse(HandOff.format(discovery.facts))), discovery)
        XCTAssertNil(ISCSIBridgeRequest(facts: ["INITIATOR": "x", "RETRY_SECONDS": "5", "PORTALS": "nas:3260"]))
    }
}
