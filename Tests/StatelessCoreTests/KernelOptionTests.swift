@testable import StatelessCore
import XCTest

/// The option schema is the one declaration of each option: these tests hold the parser,
/// the fallback subset and the docs to it.
final class KernelOptionTests: XCTestCase {
    func testKeysAreUniqueAndWellFormed() {
        let keys = KernelOption.all.flatMap(\.keys)
        XCTAssertEqual(Set(keys).count, keys.count, "a key is declared twice")
        for option in KernelOption.all {
            XCTAssertFalse(option.doc.isEmpty, option.key)
            XCTAssertFalse(option.doc.contains("\n") || option.doc.contains("\t"), "\(option.key): one line of doc")
            if case .seconds(let range) = option.value, !option.defaultValue.isEmpty {
                XCTAssertTrue(range.contains(option.defaultSeconds), "\(option.key)'s default is outside its range")
            }
            if case .choice(let words) = option.value, !option.defaultValue.isEmpty {
                XCTAssertTrue(words.contains(option.defaultValue), "\(option.key)'s default is not one of its words")
            }
        }
    }

    /// What the parser needs beside an option before it reads it at all.
    static let context: [String: String] = [
        "nfsroot": "root=/dev/nfs",
        "mount.usrfstype": "root=tmpfs mount.usr=/dev/vdb", "mount.usrflags": "root=tmpfs mount.usr=/dev/vdb",
        "rd.iscsi.target.ip": "rd.iscsi.target.name=iqn.2026-12.lab:x",
        "rd.iscsi.target.port": "rd.iscsi.target.name=iqn.2026-12.lab:x rd.iscsi.target.ip=10.0.3.1",
        "rd.iscsi.target.lun": "rd.iscsi.target.name=iqn.2026-12.lab:x rd.iscsi.target.ip=10.0.3.1",
        "rd.iscsi.initiator": "netroot=iscsi:10.0.3.1::::iqn.2026-12.lab:x",
        "rd.iscsi.username": "netroot=iscsi:10.0.3.1::::iqn.2026-12.lab:x rd.iscsi.password=p",
        "rd.iscsi.password": "netroot=iscsi:10.0.3.1::::iqn.2026-12.lab:x rd.iscsi.username=u",
        "rd.iscsi.in.username": "netroot=iscsi:10.0.3.1::::iqn.2026-12.lab:x rd.iscsi.username=u rd.iscsi.password=p rd.iscsi.in.password=p",
        "rd.iscsi.in.password": "netroot=iscsi:10.0.3.1::::iqn.2026-12.lab:x rd.iscsi.username=u rd.iscsi.password=p rd.iscsi.in.username=u",
        "mount.usr": "root=tmpfs", "rd.bootif": "BOOTIF=01-52-54-00-12-34-56",
        "stateless.state.format": "stateless.state=/dev/vdb", "stateless.cache.format": "stateless.cache=/dev/vdb",
    ]
    /// A value each option refuses; the typed kinds share one per kind.
    static let refused: [String: String] = [
        "root": "bogus", "nfsroot": "", "netroot": "bogus:x", "rootfstype": "a/b", "rootflags": "", "init": "sbin/init",
        "rd.break": "nowhere", "mount.usr": "dhcp", "mount.usrfstype": "a/b", "mount.usrflags": "",
        "rd.overlay": "LABEL=x", "systemd.volatile": "bogus", "stateless.tmpfs.size": "lots",
        "stateless.tmpfs.size.writable": "lots", "stateless.tmpfs.size.overlay": "lots", "stateless.tmpfs.size.state": "lots",
        "stateless.tmpfs.size.var": "lots", "stateless.tmpfs.size.root": "lots", "stateless.state": "bogus",
        "stateless.scratch": "bogus", "stateless.swap": "bogus", "ip": "bogus", "BOOTIF": "bogus", "ifname": "bogus",
        "nameserver": "bogus", "rd.iscsi.initiator": "bogus", "rd.iscsi.target.name": "bogus",
        "rd.iscsi.target.ip": "bogus", "rd.iscsi.target.port": "bogus", "rd.iscsi.target.lun": "bogus",
        "rd.iscsi.username": "", "rd.iscsi.password": "", "rd.iscsi.in.username": "", "rd.iscsi.in.password": "",
        "rd.live.dir": "../x", "rd.live.squashimg": "a/b", "rd.live.overlay": "LABEL=x:../y", "rd.live.overlay.size": "lots",
        "stateless.live.sha256": "abc", "iso-scan/filename": "/live.iso", "stateless.cache": "bogus", "roothash": "abc",
        "systemd.verity_root_data": "bogus", "systemd.verity_root_hash": "bogus",
    ]
    /// Options any value of which is accepted: nothing to refuse.
    static let acceptsAnything: Set<String> = ["net.naming-scheme"]

    /// Every declared option is read by the parser: a value it cannot use stops the
    /// parse with an error naming that option.
    func testTheParserReadsEveryOption() {
        for option in KernelOption.all where !Self.acceptsAnything.contains(option.key) {
            let bad: String
            switch option.value {
            case .flag: bad = "maybe"
            case .seconds: bad = "soon"
            case .choice: bad = "bogus"
            case .modules: bad = "a/b"
            case .forms:
                guard let value = Self.refused[option.key] else { XCTFail("\(option.key): no refused value in this test"); continue }
                bad = value
            }
            var context = Self.context[option.key] ?? "root=/dev/vda"
            if option.section == .live && option.key != "rd.live.image" { context = "root=live:CDLABEL=x" }
            let line = "\(context) \(option.key)=\(bad)"
            XCTAssertThrowsError(try BootOptions(KernelCommandLine(parsing: line)), line) { error in
                guard let error = error as? OptionError else { return XCTFail("\(line): \(error)") }
                XCTAssertTrue(option.keys.contains(error.option), "\(line): the error names \(error.option)")
            }
        }
    }

    /// The fallback reads exactly the options the schema marks, each alone: a bad value
    /// of one leaves the others.
    func testTheFallbackReadsTheMarkedOptions() {
        let line = KernelCommandLine(parsing: "rd.timeout=soon rd.shell rd.emergency=reboot stateless.emergency-delay=bogus quiet "
            + "rd.driver.blacklist=floppy stateless.module-timeout=7 stateless.mount-timeout=9 stateless.overlay=none")
        XCTAssertThrowsError(try BootOptions(line))
        let options = BootOptions(fallbackFrom: line)
        XCTAssertTrue(options.shellOnFailure)
        XCTAssertEqual(options.emergencyAction, .reboot)
        XCTAssertEqual(options.emergencyDelaySeconds, Int(KernelOption.emergencyDelay.defaultValue), "the bad value is ignored")
        XCTAssertTrue(options.quiet)
        XCTAssertEqual(options.moduleBlacklist, ["floppy"])
        XCTAssertEqual(options.moduleTimeoutSeconds, 7)
        XCTAssertEqual(options.mountTimeoutSeconds, KernelOption.mountTimeout.defaultSeconds, "not a fallback option")
        XCTAssertEqual(options.overlayMode, .rwtab, "not a fallback option")
        XCTAssertEqual(Set(KernelOption.all.filter(\.fallback).map(\.key)),
                       ["rd.shell", "rd.emergency", "stateless.emergency-delay", "quiet", "modprobe.blacklist", "stateless.module-timeout"])
    }

    /// Defaults in the schema are the parser's.
    func testDefaultsAreTheSchemas() throws {
        let options = try BootOptions(KernelCommandLine(parsing: "root=/dev/vda"))
        XCTAssertEqual(options.deviceTimeoutSeconds, KernelOption.rdTimeout.defaultSeconds)
        XCTAssertEqual(options.moduleTimeoutSeconds, KernelOption.moduleTimeout.defaultSeconds)
        XCTAssertEqual(options.mountTimeoutSeconds, KernelOption.mountTimeout.defaultSeconds)
        XCTAssertEqual(options.emergencyDelaySeconds, KernelOption.emergencyDelay.defaultSeconds)
        XCTAssertEqual(options.emergencyAction.rawValue, KernelOption.rdEmergency.defaultValue)
        XCTAssertEqual(options.overlayMode.rawValue, KernelOption.overlay.defaultValue)
        XCTAssertEqual(options.net.linkTimeoutSeconds, KernelOption.linkTimeout.defaultSeconds)
        XCTAssertEqual(options.net.carrierTimeoutSeconds, KernelOption.carrierTimeout.defaultSeconds)
        XCTAssertEqual(options.net.dhcpTimeoutSeconds, KernelOption.dhcpTimeout.defaultSeconds)
        XCTAssertEqual(options.state.timeoutSeconds, KernelOption.stateTimeout.defaultSeconds)
        XCTAssertEqual(options.state.fallback.rawValue, KernelOption.stateFallback.defaultValue)
        for area in TmpfsArea.allCases { XCTAssertEqual(options.tmpfsSizes.size(area), area.option.defaultValue) }
    }

    /// docs/kernel-command-line.md shows the schema as `stateless cmdline --markdown`
    /// prints it.
    func testTheDocsPageShowsTheSchema() throws {
        let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/kernel-command-line.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        XCTAssertTrue(text.contains(KernelOption.markdownReference),
                      "docs/kernel-command-line.md's reference differs from the schema: paste `stateless cmdline --markdown` between its markers")
    }
}
