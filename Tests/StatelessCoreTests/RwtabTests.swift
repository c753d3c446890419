@testable import StatelessCore
@testable import StatelessProtocols
import XCTest

final class RwtabTests: XCTestCase {
    func testParsesFedoraSyntax() {
        let text = """
            # Fedora's default, abridged
            dirs\t/var/cache/man
            empty /tmp
            files   /var/lib/dhclient

            files /etc/resolv.conf   \r
            """
        let parsed = Rwtab.parse(text, source: "/etc/rwtab")
        XCTAssertEqual(parsed.entries, [
            RwtabEntry(.dirs, "/var/cache/man"), RwtabEntry(.empty, "/tmp"),
            RwtabEntry(.files, "/var/lib/dhclient"), RwtabEntry(.files, "/etc/resolv.conf"),
        ])
        XCTAssertEqual(parsed.warnings, [])
    }

    func testHostileLinesBecomeWarningsWithTheirLocation() {
        let text = "bind /x\nempty\nempty relative\nfiles /a /b\ndirs /../etc\nempty /\nempty //\nfiles /ok/./x//y/\nempty\t\t\nfiles /a/../b"
        let parsed = Rwtab.parse(text, source: "rwtab.d/extra")
        // Fedora reads `read type path`: the path is the rest of the line, spaces included.
        XCTAssertEqual(parsed.entries, [RwtabEntry(.files, "/a /b"), RwtabEntry(.files, "/ok/x/y")])
        XCTAssertEqual(parsed.warnings.count, 8)
        XCTAssertEqual(parsed.warnings.first, "rwtab.d/extra:1: unknown type \"bind\" (expected empty, dirs or files)")
        XCTAssertTrue(parsed.warnings[1].hasPrefix("rwtab.d/extra:2:"))
    }

    func testPlanMountsOnlyOutermostPathsParentsFirst() {
        let steps = Rwtab.plan([
            RwtabEntry(.empty, "/var/lib/demo/nested"), RwtabEntry(.files, "/var/lib/demo"),
            RwtabEntry(.dirs, "/var/lib/demo-other"), RwtabEntry(.empty, "/tmp"),
            RwtabEntry(.files, "/tmp"), RwtabEntry(.dirs, "/var"),
        ])
        XCTAssertEqual(steps, [
            RwtabStep(RwtabEntry(.files, "/tmp"), bindMount: true),
            RwtabStep(RwtabEntry(.dirs, "/var"), bindMount: true),
            RwtabStep(RwtabEntry(.files, "/var/lib/demo"), bindMount: false),
            RwtabStep(RwtabEntry(.dirs, "/var/lib/demo-other"), bindMount: false),
            RwtabStep(RwtabEntry(.empty, "/var/lib/demo/nested"), bindMount: false),
        ])
    }

    func testSiblingWithCommonPrefixIsNotNested() {
        let steps = Rwtab.plan([RwtabEntry(.files, "/var/lib/demo"), RwtabEntry(.files, "/var/lib/demo2")])
        XCTAssertEqual(steps.map(\.bindMount), [true, true])
    }

    func testIgnoredFileNames() {
        for name in ["x.rpmsave", "x.rpmnew", "x~", ".hidden", "x.dpkg-old", "x.swp"] {
            XCTAssertTrue(Rwtab.isIgnoredFileName(name), name)
        }
        for name in ["extra", "00-base", "demo.conf"] { XCTAssertFalse(Rwtab.isIgnoredFileName(name), name) }
    }
}

final class RwtabPlacementTests: XCTestCase {
    /// A root with the symlinks a stock systemd distribution has.
    let links: [String: String] = [
        "/etc/resolv.conf": "../run/systemd/resolve/stub-resolv.conf",
        "/etc/mtab": "/proc/self/mounts",
        "/var/lock": "/run/lock",
        "/var/run": "../run",
        "/etc/dangling": "/nowhere/at/all",
        "/srv/climb": "../../../etc",
        "/srv/loop": "/srv/loop2",
        "/srv/loop2": "/srv/loop",
    ]

    func testSymlinksOnTheWayAreLeftOrRefused() {
        let cases: [(String, RwtabPlacement)] = [
            ("/var/lib/demo", .plain),
            ("/etc/resolv.conf", .symlink(target: "../run/systemd/resolve/stub-resolv.conf")),
            ("/etc/mtab", .symlink(target: "/proc/self/mounts")),
            ("/etc/dangling", .symlink(target: "/nowhere/at/all")),
            ("/var/lock/subsys", .belowSymlink(directory: "/var/lock", target: "/run/lock")),
            ("/var/run/utmp", .belowSymlink(directory: "/var/run", target: "../run")),
            ("/srv/climb/passwd", .escapes(link: "/srv/climb", target: "../../../etc")),
            ("/srv/loop", .escapes(link: "/srv/loop", target: "/srv/loop2")),
        ]
        for (path, placement) in cases {
            XCTAssertEqual(Rwtab.placement(of: path, readLink: { links[$0] }), placement, path)
        }
    }
}

final class ExecutableFormatTests: XCTestCase {
    /// A minimal 64-bit little-endian ELF header with one PT_INTERP program header.
    func elf64(machine: UInt16, interpreter: String?) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 512)
        bytes.replaceSubrange(0..<4, with: ExecutableFormat.elfMagic)
        bytes[4] = 2; bytes[5] = 1; bytes[6] = 1
        func put(_ value: UInt64, at offset: Int, size: Int) {
            for index in 0..<size { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
        }
        put(2, at: 16, size: 2)  // ET_EXEC
        put(UInt64(machine), at: 18, size: 2)
        put(64, at: 32, size: 8)  // e_phoff
        put(56, at: 54, size: 2)  // e_phentsize
        put(interpreter == nil ? 0 : 1, at: 56, size: 2)
        if let interpreter {
            let path = Array(interpreter.utf8) + [0]
            put(3, at: 64, size: 4)  // PT_INTERP
            put(200, at: 64 + 8, size: 8)
            put(UInt64(path.count), at: 64 + 32, size: 8)
            bytes.replaceSubrange(200..<200 + path.count, with: path)
        }
        return bytes
    }

    func testFormats() {
        XCTAssertEqual(ExecutableFormat(head: elf64(machine: 62, interpreter: "/lib64/ld-linux-x86-64.so.2")),
                       .elf(machine: 62, interpreter: "/lib64/ld-linux-x86-64.so.2"))
        XCTAssertEqual(ExecutableFormat(head: elf64(machine: 62, interpreter: nil)), .elf(machine: 62, interpreter: ""))
        XCTAssertEqual(ExecutableFormat(head: Array("#!/bin/sh -e\necho".utf8)), .script(interpreter: "/bin/sh"))
        XCTAssertEqual(ExecutableFormat(head: Array("#! \t/usr/bin/env python3\n".utf8)), .script(interpreter: "/usr/bin/env"))
        XCTAssertEqual(ExecutableFormat(head: Array("#!\n".utf8)), .unknown)
        XCTAssertEqual(ExecutableFormat(head: Array("plain text".utf8)), .unknown)
        XCTAssertEqual(ExecutableFormat(head: []), .unknown)
    }

    func testHostileHeadersAreUnknownNotACrash() {
        // Valid magic but a head that does not reach the loader path: an ELF, no verdict
        // on its loader (a runnable init must never be refused for our short read).
        var truncated = elf64(machine: 62, interpreter: "/lib/ld.so")
        truncated.removeLast(400)
        XCTAssertEqual(ExecutableFormat(head: truncated), .elf(machine: 62, interpreter: nil))
        var huge = elf64(machine: 62, interpreter: "/lib/ld.so")
        for index in 32..<40 { huge[index] = 0xFF }  // e_phoff past everything
        XCTAssertEqual(ExecutableFormat(head: huge), .elf(machine: 62, interpreter: nil))
        var badSize = elf64(machine: 62, interpreter: "/lib/ld.so")
        for index in 96..<104 { badSize[index] = 0xFF }  // p_filesz enormous
        XCTAssertEqual(ExecutableFormat(head: badSize), .elf(machine: 62, interpreter: nil))
        var badClass = elf64(machine: 62, interpreter: nil)
        badClass[4] = 9
        XCTAssertEqual(ExecutableFormat(head: badClass), .elf(machine: 0, interpreter: nil))
        XCTAssertNil(InitProblem.check(.elf(machine: 62, interpreter: nil), exists: { _ in false }))
        XCTAssertNil(InitProblem.check(.elf(machine: 0, interpreter: nil), exists: { _ in false }))
        for length in 0..<80 {
            _ = ExecutableFormat(head: Array(elf64(machine: 62, interpreter: "/x").prefix(length)))
        }
    }

    func testProblemsAreNamed() {
        let present: Set<String> = ["/lib64/ld-linux-x86-64.so.2", "/bin/sh"]
        let exists = { present.contains($0) }
        XCTAssertNil(InitProblem.check(.elf(machine: 62, interpreter: "/lib64/ld-linux-x86-64.so.2"), exists: exists))
        XCTAssertNil(InitProblem.check(.elf(machine: 62, interpreter: ""), exists: exists))
        XCTAssertEqual(InitProblem.check(.elf(machine: 62, interpreter: "/lib/ld-musl-x86_64.so.1"), exists: exists),
                       .missingLoader("/lib/ld-musl-x86_64.so.1"))
        XCTAssertEqual(InitProblem.check(.elf(machine: 183, interpreter: "/lib/ld-linux-aarch64.so.1"), exists: exists),
                       .otherArchitecture("aarch64"))
        XCTAssertNil(InitProblem.check(.script(interpreter: "/bin/sh"), exists: exists))
        XCTAssertEqual(InitProblem.check(.script(interpreter: "/bin/bash"), exists: exists), .missingInterpreter("/bin/bash"))
        XCTAssertEqual(InitProblem.check(.unknown, exists: exists), .unknownFormat)
        XCTAssertEqual(InitProblem.noexecMount.option, "rootflags=")
        XCTAssertEqual(InitProblem.missingLoader("/x").option, "init=")
        XCTAssertEqual(InitProblem.notExecutable(mode: 0o100644).description,
                       "it exists, but has no execute permission (mode 644)")
    }
}

final class FstabTests: XCTestCase {
    let installed = """
        # /etc/fstab: static file system information.
        # <file system> <mount point>   <type>  <options>       <dump>  <pass>
        UUID=5a7e-b00c /               ext4    errors=remount-ro 0       1
        UUID=1234 /boot ext4 defaults 0 2
        /swapfile none swap sw 0 0
        """

    func testRootEntryBecomesReadOnlyWithoutFsck() throws {
        let text = try XCTUnwrap(Fstab.protectingRoot(installed, .keepReadOnly))
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("UUID=5a7e-b00c\t/\text4\terrors=remount-ro,ro\t0\t0"), text)
        XCTAssertTrue(lines.contains("# stateless: the root stays read-only; the image's line was: UUID=5a7e-b00c /               ext4    errors=remount-ro 0       1"))
        XCTAssertTrue(lines.contains("UUID=1234 /boot ext4 defaults 0 2"), "other lines stay as they are")
        XCTAssertTrue(lines.contains("/swapfile none swap sw 0 0"))
    }

    func testOverlayModeAndNetworkRootsCommentTheRootOut() throws {
        let text = try XCTUnwrap(Fstab.protectingRoot(installed, .commentOut))
        XCTAssertFalse(text.split(separator: "\n").contains { $0.hasPrefix("UUID=5a7e-b00c") }, text)
        XCTAssertTrue(text.contains("UUID=1234 /boot"))
    }

    func testOptionsAndShortLines() {
        XCTAssertEqual(Fstab.readOnly("defaults"), "defaults,ro")
        XCTAssertEqual(Fstab.readOnly("rw,noatime"), "noatime,ro")
        XCTAssertEqual(Fstab.readOnly("ro"), "ro")
        XCTAssertEqual(Fstab.protectingRoot("/dev/vda /", .keepReadOnly),
                       "# stateless: the root stays read-only; the image's line was: /dev/vda /\n/dev/vda\t/\tauto\tro\t0\t0")
    }

    func testRootSpelledAsSystemdReadsIt() {
        for field in ["/", "//", "/.", "/./", "///."] {
            XCTAssertNotNil(Fstab.protectingRoot("UUID=x \(field) ext4 defaults 0 1", .keepReadOnly), field)
        }
        for field in ["/home", "/..", "none", "."] {
            XCTAssertNil(Fstab.protectingRoot("UUID=x \(field) ext4 defaults 0 1", .keepReadOnly), field)
        }
    }

    func testNothingToProtect() {
        let cases = ["", "# UNCONFIGURED FSTAB FOR BASE SYSTEM\n", "#UUID=x / ext4 defaults 0 1",
                     "UUID=x /home ext4 defaults 0 2", "/", "proc /proc proc defaults 0 0\n\n"]
        for text in cases {
            XCTAssertNil(Fstab.protectingRoot(text, .keepReadOnly), text)
        }
    }
}
