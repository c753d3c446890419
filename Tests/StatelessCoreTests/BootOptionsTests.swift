@testable import StatelessCore
@testable import StatelessProtocols
import XCTest

final class BootOptionsTests: XCTestCase {
    func parse(_ text: String) throws -> BootOptions {
        try BootOptions(KernelCommandLine(parsing: text))
    }

    func testRootForms() throws {
        let cases: [(String, RootSource)] = [
            ("root=/dev/vda", .block(.path("/dev/vda"))),
            ("root=block:/dev/sda2", .block(.path("/dev/sda2"))),
            ("root=UUID=0b5d-11", .block(.tag(name: "UUID", value: "0b5d-11"))),
            ("root=LABEL=\"my root\"", .block(.tag(name: "LABEL", value: "my root"))),
            ("root=PARTUUID=abc-01", .block(.tag(name: "PARTUUID", value: "abc-01"))),
            ("root=PARTLABEL=system", .block(.tag(name: "PARTLABEL", value: "system"))),
            ("root=/dev/a root=LABEL=b", .block(.tag(name: "LABEL", value: "b"))),
            // udev's links, with no udev in the initramfs, become libblkid tags.
            ("root=/dev/disk/by-uuid/0b5d-11", .block(.tag(name: "UUID", value: "0b5d-11"))),
            ("root=/dev/disk/by-label/my\\x20root", .block(.tag(name: "LABEL", value: "my root"))),
            ("root=/dev/disk/by-label/a\\x2fb", .block(.tag(name: "LABEL", value: "a/b"))),
            ("root=/dev/disk/by-partuuid/abc-01", .block(.tag(name: "PARTUUID", value: "abc-01"))),
            ("root=/dev/disk/by-partlabel/system", .block(.tag(name: "PARTLABEL", value: "system"))),
            ("root=/dev/disk/by-label/\\xc3\\xa9t\\xc3\\xa9", .block(.tag(name: "LABEL", value: "été"))),
        ]
        for (text, root) in cases {
            XCTAssertEqual(try parse(text).root, root, text)
        }
        XCTAssertNil(try parse("ro quiet").root)
    }

    func testMalformedKnownOptionsNameTheOption() {
        let cases: [(String, String)] = [
            ("root=", "root"), ("root=UUID=", "root"), ("root=/dev/", "root"), ("root=sda1", "root"),
            ("root=nfs:10.0.0.1:srv", "root"), ("root=FOO=bar", "root"), ("root=iscsi:10.0.0.1::::iqn", "root"),
            ("root=live:CDLABEL=", "root"), ("root=/dev/nfs nfsroot=srv", "nfsroot"), ("root=/dev/nfs nfsroot=", "nfsroot"),
            ("root=nfs:[::1]:/x", "root"), ("netroot=nfs:srv", "netroot"), ("root=LABEL=x netroot=nfs:s:/x", "netroot"),
            ("rd.timeout=abc", "rd.timeout"), ("rd.timeout=0", "rd.timeout"), ("rd.timeout=-1", "rd.timeout"),
            ("rd.timeout=99999999999999999999", "rd.timeout"), ("rd.timeout", "rd.timeout"),
            ("rd.retry=1.5", "rd.retry"), ("rd.emergency=explode", "rd.emergency"),
            ("rd.break=nowhere", "rd.break"), ("rd.shell=maybe", "rd.shell"),
            ("stateless.overlay=zfs", "stateless.overlay"), ("stateless.root=maybe", "stateless.root"),
            ("rootfstype=", "rootfstype"), ("rootfstype=ext4;rm", "rootfstype"), ("rootflags=", "rootflags"),
            ("init=sbin/init", "init"), ("init=", "init"),
            ("modprobe.blacklist=a,b/c", "modprobe.blacklist"), ("rd.driver.pre=", "rd.driver.pre"),
            ("stateless.tmpfs-size=lots", "stateless.tmpfs-size"), ("stateless.tmpfs-size=%", "stateless.tmpfs-size"),
            ("root=/dev/disk/by-id/ata-QEMU", "root"), ("root=/dev/disk/by-path/pci-0", "root"),
            ("root=/dev/disk/by-uuid/", "root"), ("root=/dev/disk/by-uuid/a/b", "root"), ("root=/dev/disk/", "root"),
            ("root=/dev/disk/by-label/bad\\x2", "root"), ("root=/dev/disk/by-label/bad\\x+f", "root"),
            ("root=/dev/disk/by-label/bad\\xzz", "root"), ("root=/dev/disk/by-label/\\xff", "root"),
            ("root=/dev/disk/by-label/\\x00", "root"),
            ("stateless.emergency-delay=-1", "stateless.emergency-delay"),
            ("stateless.module-timeout=0", "stateless.module-timeout"), ("stateless.mount-timeout=x", "stateless.mount-timeout"),
            ("rd.break=init", "rd.break"),
        ]
        for (text, option) in cases {
            XCTAssertThrowsError(try parse(text), text) { error in
                guard let error = error as? OptionError else { return XCTFail("\(text): \(error)") }
                XCTAssertEqual(error.option, option, text)
                XCTAssertTrue(error.description.hasPrefix(option), error.description)
                XCTAssertTrue(error.description.contains("expected"), error.description)
            }
        }
    }

    /// The network roots, as dracut and the kernel spell them; nfsroot= counts only with
    /// root=/dev/nfs, netroot= only without another root=.
    func testNetworkRootForms() throws {
        func nfs(_ version: NFSRootSpec.Version, _ server: String?, _ path: String, _ options: [String] = []) -> RootSource {
            .nfs(NFSRootSpec(version: version, server: server, path: path, options: options, port: nil))
        }
        let cases: [(String, RootSource?)] = [
            ("root=nfs:10.0.0.1:/srv/root", nfs(.nfs, "10.0.0.1", "/srv/root")),
            ("root=nfs4:10.0.0.1:/srv/root:vers=4.1", nfs(.nfs4, "10.0.0.1", "/srv/root", ["vers=4.1"])),
            ("root=/dev/nfs nfsroot=10.0.0.1:/srv,vers=3", nfs(.nfs, "10.0.0.1", "/srv", ["vers=3"])),
            ("root=/dev/nfs", .dhcp), ("root=dhcp", .dhcp),
            ("nfsroot=10.0.0.1:/srv root=/dev/vda", .block(.path("/dev/vda"))),
            ("netroot=nfs:10.0.0.1:/srv", nfs(.nfs, "10.0.0.1", "/srv")),
            ("root=dhcp netroot=nfs4:10.0.0.1:/srv", nfs(.nfs4, "10.0.0.1", "/srv")),
            ("netroot=dhcp", .dhcp), ("ip=dhcp", .dhcp), ("rd.neednet=1", .dhcp), ("BOOTIF=01-52-54-00-12-34-56", .dhcp),
            ("BOOTIF=01-52-54-00-12-34-56 rd.bootif=0", nil), ("ip=off", nil), ("quiet", nil),
            ("ip=dhcp root=LABEL=r", .block(.tag(name: "LABEL", value: "r"))),
        ]
        for (text, root) in cases {
            XCTAssertEqual(try parse(text).root, root, text)
        }
        XCTAssertTrue(try parse("root=nfs:10.0.0.1:/srv").needsNetwork)
        XCTAssertTrue(try parse("root=dhcp").needsNetwork)
    }

    /// Every command line dracut-ng's own NFS test (test/TEST-60-NFS) boots, with what it
    /// means: the legacy `root=<server-ip>:<path>` is an NFS root, not an unknown one.
    func testDracutNFSTestForms() throws {
        func nfs(_ version: NFSRootSpec.Version, _ server: String?, _ path: String, _ options: [String] = []) -> RootSource {
            .nfs(NFSRootSpec(version: version, server: server, path: path, options: options, port: nil))
        }
        let cases: [(String, RootSource)] = [
            ("root=dhcp", .dhcp),
            ("root=/dev/nfs nfsroot=192.168.50.1:/nfs/client", nfs(.nfs, "192.168.50.1", "/nfs/client")),
            ("root=/dev/nfs", .dhcp),
            ("root=nfs:192.168.50.1:/nfs/client", nfs(.nfs, "192.168.50.1", "/nfs/client")),
            ("root=nfs:192.168.50.1:/nfs/client bridge net.ifnames=0", nfs(.nfs, "192.168.50.1", "/nfs/client")),
            ("root=192.168.50.1:/nfs/client", nfs(.nfs, "192.168.50.1", "/nfs/client")),
            ("root=192.168.50.1:/nfs/client:wsize=4096", nfs(.nfs, "192.168.50.1", "/nfs/client", ["wsize=4096"])),
            ("root=192.168.50.1:/nfs/client,wsize=4096", nfs(.nfs, "192.168.50.1", "/nfs/client", ["wsize=4096"])),
            ("root=/nfs/client", nfs(.nfs, nil, "/nfs/client")),
            ("root=nfs", .dhcp), ("root=nfs4", .dhcp),
            ("root=nfs4:192.168.50.1:/client", nfs(.nfs4, "192.168.50.1", "/client")),
        ]
        for (text, root) in cases {
            XCTAssertEqual(try parse(text).root, root, text)
            XCTAssertTrue(try parse(text).needsNetwork, text)
        }
        // Not NFS: a path under /dev, a word that is no address.
        XCTAssertThrowsError(try parse("root=server:/nfs/client"))
        XCTAssertEqual(try parse("root=/dev/sda1").root, .block(.path("/dev/sda1")))
        // The test's overlay cases: the export with overlayfs over it, changes in RAM.
        for text in ["root=nfs4:192.168.50.1:/client rd.overlay", "root=nfs4:192.168.50.1:/client rd.live.image rd.overlay"] {
            let options = try parse(text)
            XCTAssertEqual(options.root, nfs(.nfs4, "192.168.50.1", "/client"), text)
            XCTAssertEqual(options.overlayMode, .overlayfs, text)
        }
    }

    /// dracut-ng's `rd.overlay` on any root: overlayfs, unless our own option or
    /// systemd.volatile= says otherwise; a device (persistent overlay) only for live roots.
    func testOverlayOnAnyRoot() throws {
        XCTAssertEqual(try parse("root=UUID=x rd.overlay=1").overlayMode, .overlayfs)
        XCTAssertEqual(try parse("root=UUID=x rd.overlay=tmpfs").overlayMode, .overlayfs)
        XCTAssertEqual(try parse("root=UUID=x rd.overlay=0").overlayMode, .rwtab)
        XCTAssertEqual(try parse("root=UUID=x rd.overlay stateless.overlay=rwtab").overlayMode, .rwtab)
        XCTAssertEqual(try parse("root=UUID=x").overlayMode, .rwtab)
        XCTAssertThrowsError(try parse("root=UUID=x rd.overlay=LABEL=persist")) { error in
            XCTAssertEqual((error as? OptionError)?.option, "rd.overlay")
        }
    }

    func testRetryDefaultsByRootKind() throws {
        XCTAssertEqual(try parse("root=/dev/vda").retryBound(network: false), 5)
        XCTAssertEqual(try parse("root=dhcp").retryBound(network: true), 60)
        XCTAssertEqual(try parse("rd.retry=9").retryBound(network: true), 9)
        XCTAssertEqual(try parse("rd.retry=0").retryBound(network: false), 0)
    }

    func testErrorLineSaysWhatWasExpected() {
        XCTAssertThrowsError(try parse("rd.timeout=abc")) { error in
            XCTAssertEqual(String(describing: error), "rd.timeout=abc: expected whole seconds from 1 to 86400")
        }
    }

    func testUnknownKeysAreIgnored() throws {
        var options = try parse("console=ttyS0 rd.lvm=0 foo bar=baz stateless.future=1 rd.debug")
        options.commandLine = KernelCommandLine(parsing: "")  // kept whole, for a root DHCP names
        XCTAssertEqual(options, BootOptions())
    }

    func testControls() throws {
        let options = try parse("""
            root=/dev/vda rootfstype=ext4 rootflags=noatime,errors=remount-ro rw init=/bin/sh \
            rd.break rd.break=pre-mount rd.shell rd.emergency=poweroff rd.timeout=7 rd.retry=0 \
            modprobe.blacklist=floppy,pcspkr rd.driver.blacklist=nouveau rd.driver.blacklist=snd-hda-intel \
            rd.driver.pre=virtio-pci stateless.overlay=overlayfs stateless.tmpfs-size=25% quiet -- single
            """)
        XCTAssertEqual(options.rootFilesystemType, "ext4")
        XCTAssertEqual(options.rootFlags, "noatime,errors=remount-ro")
        XCTAssertFalse(options.rootWritable, "rw alone must not make the root writable")
        XCTAssertEqual(options.initPath, "/bin/sh")
        XCTAssertEqual(options.initArguments, ["single"])
        XCTAssertEqual(options.breakPoints, [.switchRoot, .root])
        XCTAssertTrue(options.shellOnFailure)
        XCTAssertEqual(options.emergencyAction, .poweroff)
        XCTAssertEqual(options.deviceTimeoutSeconds, 7)
        XCTAssertEqual(options.retrySeconds, 0)
        XCTAssertEqual(options.moduleBlacklist, ["floppy", "pcspkr", "nouveau", "snd_hda_intel"])
        XCTAssertEqual(options.preloadModules, ["virtio_pci"])
        XCTAssertEqual(options.overlayMode, .overlayfs)
        XCTAssertEqual(options.tmpfsSizes.size(.writable), "25%")
        XCTAssertTrue(options.quiet)
    }

    func testEmergencyAndBounds() throws {
        let defaults = try parse("")
        XCTAssertEqual(defaults.emergencyAction, .halt, "a fatal error stays on screen by default")
        XCTAssertEqual(defaults.emergencyDelaySeconds, 15)
        XCTAssertEqual(defaults.moduleTimeoutSeconds, 60)
        XCTAssertEqual(defaults.mountTimeoutSeconds, 60)
        let options = try parse("rd.emergency=reboot stateless.emergency-delay=0 stateless.module-timeout=5 stateless.mount-timeout=9")
        XCTAssertEqual(options.emergencyAction, .reboot)
        XCTAssertEqual(options.emergencyDelaySeconds, 0)
        XCTAssertEqual(options.moduleTimeoutSeconds, 5)
        XCTAssertEqual(options.mountTimeoutSeconds, 9)
    }

    func testFallbackSurvivesABadOption() {
        let line = KernelCommandLine(parsing: "rd.timeout=abc rd.emergency=reboot stateless.emergency-delay=1 rd.shell quiet")
        XCTAssertThrowsError(try BootOptions(line))
        let fallback = BootOptions(fallbackFrom: line)
        XCTAssertEqual(fallback.emergencyAction, .reboot)
        XCTAssertEqual(fallback.emergencyDelaySeconds, 1)
        XCTAssertTrue(fallback.shellOnFailure)
        XCTAssertTrue(fallback.quiet)
        XCTAssertEqual(BootOptions(fallbackFrom: KernelCommandLine(parsing: "rd.emergency=boom stateless.emergency-delay=x")).emergencyAction, .halt)
    }

    func testBreakPointsAreStages() throws {
        let cases: [(String, Set<Stage>)] = [
            ("rd.break", [.switchRoot]), ("rd.break=cmdline", [.cmdline]), ("rd.break=pre-udev", [.modules]),
            ("rd.break=pre-trigger", [.modules]), ("rd.break=initqueue", [.net]), ("rd.break=mount", [.overlay]),
            ("rd.break=cleanup", [.switchRoot]), ("rd.break=overlay rd.break=root", [.overlay, .root]),
        ]
        for (text, points) in cases {
            XCTAssertEqual(try parse(text).breakPoints, points, text)
        }
    }

    func testBooleansAndOptOut() throws {
        XCTAssertFalse(try parse("rd.shell=0").shellOnFailure)
        XCTAssertTrue(try parse("rd.shell=1").shellOnFailure)
        XCTAssertTrue(try parse("stateless.root=rw").rootWritable)
        XCTAssertFalse(try parse("stateless.root=rw stateless.root=ro").rootWritable)
        XCTAssertTrue(try parse("").loopDirectIO)
        XCTAssertFalse(try parse("stateless.loop-direct-io=0").loopDirectIO)
        XCTAssertThrowsError(try parse("stateless.loop-direct-io=sometimes"))
    }

    /// The facts the dracut module's cmdline hook decides by (`stateless cmdline`): ROOT
    /// empty means "not ours", NET=1 means our net stage runs (and dracut's is switched off).
    func testCmdlineFactsForTheDracutHook() throws {
        let cases: [(String, root: String, net: String)] = [
            ("", "", "0"),
            ("quiet splash", "", "0"),
            ("root=UUID=0a1b ro", "UUID=0a1b", "0"),
            ("root=LABEL=x ip=dhcp", "LABEL=x", "1"),
            ("root=LABEL=x rd.neednet=1", "LABEL=x", "1"),
            ("root=LABEL=x rd.neednet=0", "LABEL=x", "0"),
            ("root=nfs4:10.0.2.2:/root", "nfs4:10.0.2.2:/root", "1"),
            ("ip=dhcp", "dhcp", "1"),
            ("root=dhcp", "dhcp", "1"),
            ("root=UUID=u netroot=iscsi:10.0.3.1::::iqn.2026-12.lab:x", "iscsi:10.0.3.1:3260/iqn.2026-12.lab:x/(first disk)", "1"),
            ("root=UUID=u stateless.state=nfs4:10.0.2.2:/state", "UUID=u", "1"),
        ]
        for (line, root, net) in cases {
            let facts = Dictionary(try parse(line).summary, uniquingKeysWith: { $1 })
            XCTAssertEqual(facts["NET"], net, line)
            XCTAssertEqual(facts["ROOT"], root, line)
        }
    }
}
