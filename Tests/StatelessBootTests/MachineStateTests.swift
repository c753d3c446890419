@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import XCTest

final class StatetabTests: XCTestCase {
    func testOnePathPerLineSpacesTabsCommentsAndDosEnds() {
        let text = """
            # Fedora's statetab: a path per line
            /var/lib/foo

            \t/etc/ssh\t
            /srv/my data/notes   \r
               # indented comment
            /var/lib/foo
            /var//lib/./bar/
            """
        let parsed = Statetab.parse(text, source: "/etc/statetab")
        XCTAssertEqual(parsed.paths, ["/var/lib/foo", "/etc/ssh", "/srv/my data/notes", "/var/lib/foo", "/var/lib/bar"])
        XCTAssertEqual(parsed.warnings, [])
    }

    func testHostilePathsAreRefusedWithTheirLine() {
        let text = "relative/path\n/var/../etc\n/\n//\n./x\n/ok\n..\n/a/b/.."
        let parsed = Statetab.parse(text, source: "statetab.d/x")
        XCTAssertEqual(parsed.paths, ["/ok"])
        XCTAssertEqual(parsed.warnings.count, 7)
        XCTAssertEqual(parsed.warnings.first, "statetab.d/x:1: \"relative/path\" is not an absolute path below / (relative paths, .. and / itself are refused)")
        XCTAssertTrue(parsed.warnings[1].hasPrefix("statetab.d/x:2:"))
    }

    func testPlanDropsDuplicatesAndPutsParentsFirst() {
        XCTAssertEqual(Statetab.plan(["/var/lib/foo/bar", "/etc/ssh", "/var/lib/foo", "/etc/ssh", "/var"]),
                       ["/var", "/etc/ssh", "/var/lib/foo", "/var/lib/foo/bar"])
        XCTAssertEqual(Statetab.plan([]), [])
    }
}

final class ReadonlyRootConfigTests: XCTestCase {
    func testFedoraDefaultFileIsOff() {
        let text = """
            # Set to 'yes' to mount the system filesystems read-only.
            READONLY=no
            # Set to 'yes' to mount various temporary state as either tmpfs
            # or on the block device labelled RW_LABEL. Implied by READONLY
            TEMPORARY_STATE=no
            # Place to put a tmpfs for temporary scratch writable space
            RW_MOUNT=/var/lib/stateless/writable
            # Label on local filesystem which can be used for temporary scratch space
            RW_LABEL=stateless-rw
            # Options to use for temporary mount
            RW_OPTIONS=
            # Label for partition with persistent data
            STATE_LABEL=stateless-state
            # Where to mount to the persistent data
            STATE_MOUNT=/var/lib/stateless/state
            # Options to use for persistent mount
            STATE_OPTIONS=
            # NFS server to use for persistent data?
            CLIENTSTATE=
            # Use slave bind-mounts
            SLAVE_MOUNTS=yes
            """
        let (config, warnings) = ReadonlyRootConfig.parse(text)
        XCTAssertEqual(warnings, [])
        XCTAssertFalse(config.readonly)
        XCTAssertFalse(config.temporaryState)
        XCTAssertEqual(config.stateLabel, "stateless-state")
        XCTAssertEqual(config.stateMount, "/var/lib/stateless/state")
        XCTAssertEqual(config.rwMount, "/var/lib/stateless/writable")
        XCTAssertEqual(config.rwLabel, "stateless-rw")
        XCTAssertNil(config.rwOptions)
    }

    func testQuotingExportCommentsAndHostileLines() {
        let text = """
            export READONLY="yes"
            TEMPORARY_STATE='YES'   # trailing comment
            STATE_LABEL="my state"
            STATE_MOUNT=relative/dir
            RW_OPTIONS="noatime,size=10%
            RW_LABEL=a b
            just words
            =empty key
            """
        let (config, warnings) = ReadonlyRootConfig.parse(text, source: "rr")
        XCTAssertTrue(config.readonly)
        XCTAssertTrue(config.temporaryState)
        XCTAssertEqual(config.stateLabel, "my state")
        XCTAssertNil(config.stateMount, "a relative STATE_MOUNT is refused")
        XCTAssertNil(config.rwOptions)
        XCTAssertNil(config.rwLabel)
        XCTAssertEqual(warnings, [
            #"rr:5: expected KEY=value, found "RW_OPTIONS="noatime,size=10%""#,
            "rr:6: expected KEY=value, found \"RW_LABEL=a b\"",
            "rr:7: expected KEY=value, found \"just words\"",
            "rr:8: expected KEY=value, found \"=empty key\"",
        ])
    }
}

final class MachineIDTests: XCTestCase {
    func testClassifiesWhatSystemdWouldSee() {
        XCTAssertEqual(MachineID(contents: nil), .missing)
        XCTAssertEqual(MachineID(contents: ""), .unset)
        XCTAssertEqual(MachineID(contents: "uninitialized\n"), .unset)
        XCTAssertEqual(MachineID(contents: "0123456789abcdef0123456789abcdef\n"), .id("0123456789abcdef0123456789abcdef"))
        for bad in ["0123456789ABCDEF0123456789ABCDEF", "00000000000000000000000000000000", "0123", "0123456789abcdef0123456789abcdeg",
                    "0123456789abcdef0123456789abcdef\n\n", " 0123456789abcdef0123456789abcde"] {
            XCTAssertEqual(MachineID(contents: bad), .invalid, bad)
        }
    }

    func testMadeIdsAreVersion4AndValid() {
        let id = MachineID.make([UInt8](repeating: 0xFF, count: 16))
        XCTAssertEqual(id, "ffffffffffff4fffbfffffffffffffff")
        XCTAssertEqual(MachineID(contents: MachineID.make([UInt8](repeating: 0, count: 16))), .id("00000000000040008000000000000000"))
        let a = MachineID.random(distinct: []), b = MachineID.random(distinct: [])
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(MachineID(contents: a), .id(a))
        // The machine's facts alone tell two ids apart.
        XCTAssertNotEqual(MachineID.fingerprint(Array("52:54:00:12:34:56".utf8)), MachineID.fingerprint(Array("52:54:00:12:34:57".utf8)))
        XCTAssertEqual(MachineID.fingerprint([]).count, 16)
    }

    func testHostKeyNames() {
        for name in ["ssh_host_ed25519_key", "ssh_host_rsa_key.pub", "ssh_host_ecdsa_key-cert.pub"] {
            XCTAssertTrue(MachineIdentity.isHostKey(name), name)
        }
        for name in ["sshd_config", "moduli", "ssh_config.d", "ssh_host_notes.txt"] {
            XCTAssertFalse(MachineIdentity.isHostKey(name), name)
        }
    }
}

final class StateOptionsTests: XCTestCase {
    func parse(_ text: String) throws -> BootOptions { try BootOptions(KernelCommandLine(parsing: text)) }

    func testStoreForms() throws {
        let cases: [(String, StateStoreSource?)] = [
            ("root=/dev/vda", nil),
            ("stateless.state=tmpfs", .tmpfs),
            ("stateless.state=LABEL=stateless-state", .block(.tag(name: "LABEL", value: "stateless-state"))),
            ("stateless.state=/dev/disk/by-partlabel/state", .block(.tag(name: "PARTLABEL", value: "state"))),
            ("stateless.state=/dev/vdb1", .block(.path("/dev/vdb1"))),
            ("stateless.state=nfs:10.0.2.2:/srv/state/${mac}",
             .nfs(NFSRootSpec(version: .nfs, server: "10.0.2.2", path: "/srv/state/${mac}", options: [], port: nil))),
        ]
        for (text, store) in cases { XCTAssertEqual(try parse(text).state.store, store, text) }
        let options = try parse("stateless.state=nfs4:10.0.2.2:/s/${hostname} stateless.state.fallback=stop stateless.state.timeout=30 stateless.identity=0")
        XCTAssertTrue(options.needsNetwork, "an NFS store needs the network")
        XCTAssertEqual(options.state.fallback, .stop)
        XCTAssertEqual(options.state.timeoutSeconds, 30)
        XCTAssertFalse(options.state.perMachineIdentity)
        XCTAssertFalse(try parse("root=/dev/vda stateless.state=LABEL=x").needsNetwork)
    }

    func testScratchAndSwap() throws {
        let options = try parse("stateless.scratch=LABEL=stateless-scratch stateless.scratch.keep=1 stateless.swap=auto").state
        XCTAssertEqual(options.scratch, .tag(name: "LABEL", value: "stateless-scratch"))
        XCTAssertTrue(options.keepScratch)
        XCTAssertEqual(options.swap, .auto)
        XCTAssertEqual(try parse("stateless.swap=PARTLABEL=swap").state.swap, .device(.tag(name: "PARTLABEL", value: "swap")))
        XCTAssertEqual(try parse("stateless.swap=/dev/vdb1").state.swap, .device(.path("/dev/vdb1")))
        XCTAssertNil(try parse("ro").state.swap)
        XCTAssertFalse(try parse("stateless.scratch=/dev/vdc").state.keepScratch)
    }

    func testFormatNeedsAStoreABlankDeviceCanBeFoundBy() throws {
        XCTAssertTrue(try parse("stateless.state=PARTLABEL=state stateless.state.format=1").state.format)
        XCTAssertTrue(try parse("stateless.state=/dev/vdb stateless.state.format").state.format)
        XCTAssertFalse(try parse("stateless.state=LABEL=x stateless.state.format=0").state.format)
        for bad in ["stateless.state=LABEL=x stateless.state.format=1", "stateless.state=UUID=1-2 stateless.state.format=1"] {
            XCTAssertThrowsError(try parse(bad), bad) { XCTAssertEqual(($0 as? OptionError)?.option, "stateless.state.format") }
        }
    }

    func testNetworkAndVirtualDevicesAreNeverLocalSwap() {
        for name in ["nbd0", "loop3", "ram0", "zram0", "sr0", "fd0"] { XCTAssertFalse(LocalStorage.isLocal(name), name) }
    }

    func testUnusableValuesNameTheOption() {
        for text in ["stateless.swap=", "stateless.swap=nfs:1.2.3.4:/swap", "stateless.swap=yes", "stateless.scratch=tmpfs",
                     "stateless.scratch=nfs:10.0.2.2:/x", "stateless.scratch.keep=maybe","stateless.state=", "stateless.state=nfs:/no-server", "stateless.state=dhcp", "stateless.state=iscsi:1.2.3.4::::iqn.x",
                     "stateless.state=LABEL=", "stateless.state=/dev/disk/by-id/x", "stateless.state.fallback=maybe",
                     "stateless.state.timeout=0", "stateless.identity=perhaps"] {
            XCTAssertThrowsError(try parse(text), text) { error in
                let option = String(text.prefix { $0 != "=" })
                XCTAssertEqual((error as? OptionError)?.option, option, text)
            }
        }
    }
}

final class VolatileAndTmpfsSizeTests: XCTestCase {
    func parse(_ text: String) throws -> BootOptions { try BootOptions(KernelCommandLine(parsing: text)) }

    func testSystemdVolatileModes() throws {
        XCTAssertEqual(try parse("systemd.volatile=overlay").overlayMode, .overlayfs)
        XCTAssertEqual(try parse("systemd.volatile=overlay stateless.overlay=rwtab").overlayMode, .rwtab, "ours says more precisely")
        let state = try parse("systemd.volatile=state")
        XCTAssertEqual(state.volatile, .state)
        XCTAssertEqual(state.overlayMode, .rwtab)
        XCTAssertNil(try parse("systemd.volatile=no").volatile)
        XCTAssertEqual(try parse("systemd.volatile").volatile, .yes, "a bare flag is yes, as systemd reads it")
        XCTAssertEqual(try parse("systemd.volatile=1").volatile, .yes)
        for bad in ["systemd.volatile=ram", "systemd.volatile=", "systemd.volatile=Overlay"] {
            XCTAssertThrowsError(try parse(bad), bad) { XCTAssertEqual(($0 as? OptionError)?.option, "systemd.volatile") }
        }
    }

    func testTmpfsRootWithUsr() throws {
        let options = try parse("root=tmpfs mount.usr=LABEL=usr mount.usrfstype=ext4 mount.usrflags=noatime rootfstype=xfs")
        XCTAssertEqual(options.root, .block(.tag(name: "LABEL", value: "usr")))
        XCTAssertTrue(options.rootIsUsr)
        XCTAssertEqual(options.volatile, .yes)
        XCTAssertEqual(options.rootFilesystemType, "ext4", "mount.usrfstype= names the filesystem attached")
        XCTAssertEqual(options.rootFlags, "noatime")
        let nfs = try parse("root=tmpfs mount.usr=nfs4:10.0.2.2:/usr systemd.volatile=state")
        XCTAssertTrue(nfs.needsNetwork)
        XCTAssertEqual(nfs.volatile, .yes, "root=tmpfs is volatile=yes whatever else is said")
        XCTAssertFalse(try parse("root=/dev/vda mount.usr=LABEL=usr").rootIsUsr)
        for (bad, option) in [("root=tmpfs", "root"), ("root=tmpfs mount.usr=dhcp", "mount.usr"), ("root=tmpfs mount.usr=LABEL=", "mount.usr"),
                              ("root=tmpfs mount.usr=/dev/vdb mount.usrfstype=a,b", "mount.usrfstype")] {
            XCTAssertThrowsError(try parse(bad), bad) { XCTAssertEqual(($0 as? OptionError)?.option, option, bad) }
        }
    }

    func testSizesPerAreaWinOverTheGeneralOneWhichWinsOverDefaults() throws {
        let defaults = try parse("ro")
        XCTAssertEqual(TmpfsArea.allCases.map { defaults.tmpfsSizes.options($0) },
                       ["mode=0755,size=25%", "mode=0755,size=50%", "mode=0755,size=10%", "mode=0755,size=25%", "mode=0755,size=50%"])
        let sizes = try parse("stateless.tmpfs.size=1g stateless.tmpfs.size.var=64m stateless.tmpfs.size.state=5%").tmpfsSizes
        XCTAssertEqual(sizes.size(.writable), "1g")
        XCTAssertEqual(sizes.size(.overlay), "1g")
        XCTAssertEqual(sizes.size(.var), "64m")
        XCTAssertEqual(sizes.size(.state), "5%")
        XCTAssertEqual(try parse("stateless.tmpfs-size=30%").tmpfsSizes.size(.overlay), "30%", "the older name still counts")
        for bad in ["stateless.tmpfs.size=0", "stateless.tmpfs.size=101%", "stateless.tmpfs.size.var=lots", "stateless.tmpfs.size.state=",
                    "stateless.tmpfs.size=1t", "stateless.tmpfs.size=-1m"] {
            XCTAssertThrowsError(try parse(bad), bad) { error in
                XCTAssertEqual((error as? OptionError)?.option, String(bad.prefix { $0 != "=" }), bad)
            }
        }
    }
}
