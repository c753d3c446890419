import CLinux
import Glibc
@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import XCTest

/// Host integration (root, no VM): the copying and deleting that rwtab and switch-root
/// rely on, on real files in a scratch directory.
final class TreeCopyTests: XCTestCase {
    var scratch = ""

    override func setUpWithError() throws {
        guard getuid() == 0 else {
            // Owners can only be copied as root; CI runs as root, so there this fails.
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("must run as root under CI=true") }
            throw XCTSkip("needs root")
        }
        var template = Array("/tmp/stateless-treecopy-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw BootError("mkdtemp", "/tmp", errno: Posix.lastErrno) }
        scratch = String(cString: made)
    }

    override func tearDown() {
        if !scratch.isEmpty {
            var remover = RemoveTree()
            try? remover.removeContents(of: scratch)
            rmdir(scratch)
        }
    }

    /// A tree with every kind of entry: dirs with owners and modes, a file with an old
    /// mtime and an xattr, a symlink, a FIFO.
    func makeSource() throws -> String {
        let source = scratch + "/source"
        try Posix.makeDirectories(source + "/sub/deeper")
        try Posix.writeFile(source + "/file", "content\n")
        try Posix.writeFile(source + "/sub/inner", "inner\n")
        XCTAssertEqual(chown(source + "/file", 1234, 5678), 0)
        XCTAssertEqual(chmod(source + "/file", 0o640), 0)
        XCTAssertEqual(chown(source + "/sub", 42, 43), 0)
        XCTAssertEqual(chmod(source + "/sub", 0o750), 0)
        XCTAssertEqual(symlink("file", source + "/link"), 0)
        XCTAssertEqual(mkfifo(source + "/fifo", 0o600), 0)
        let value = Array("system_u:object_r:etc_t:s0".utf8)
        XCTAssertEqual(lsetxattr(source + "/file", "security.selinux", value, value.count, 0), 0)
        var times = [timespec(tv_sec: 981_173_106, tv_nsec: 0), timespec(tv_sec: 981_173_106, tv_nsec: 0)]
        XCTAssertEqual(utimensat(AT_FDCWD, source + "/file", &times, 0), 0)
        return source
    }

    func info(_ path: String) throws -> stat {
        try XCTUnwrap(try Posix.lstatIfPresent(path)?.raw, path)
    }

    func testEverythingKeepsContentOwnerModeTimesLinksAndLabels() throws {
        let source = try makeSource()
        var warnings: [String] = []
        try TreeCopy(warn: { warnings.append($0) }).copy(source, to: scratch + "/copy", depth: .everything)
        let copy = scratch + "/copy"
        XCTAssertEqual(try Posix.readText(copy + "/file"), "content\n")
        XCTAssertEqual(try Posix.readText(copy + "/sub/inner"), "inner\n")
        let file = try info(copy + "/file")
        XCTAssertEqual([file.st_uid, file.st_gid, file.st_mode & 0o7777], [1234, 5678, 0o640])
        XCTAssertEqual(file.st_mtim.tv_sec, 981_173_106)
        let sub = try info(copy + "/sub")
        XCTAssertEqual([sub.st_uid, sub.st_gid, sub.st_mode & 0o7777], [42, 43, 0o750])
        XCTAssertEqual(try Posix.readLink(copy + "/link"), "file")
        XCTAssertEqual(try info(copy + "/fifo").st_mode & S_IFMT, S_IFIFO)
        var label = [UInt8](repeating: 0, count: 64)
        let length = lgetxattr(copy + "/file", "security.selinux", &label, label.count)
        XCTAssertEqual(String(decoding: label.prefix(max(0, length)), as: UTF8.self), "system_u:object_r:etc_t:s0")
        XCTAssertEqual(warnings, [])
    }

    func testDirectoriesOnlyAndEntryOnly() throws {
        let source = try makeSource()
        let copier = TreeCopy(warn: { XCTFail($0) })
        try copier.copy(source, to: scratch + "/dirs", depth: .directoriesOnly)
        XCTAssertEqual(try Posix.listDirectory(scratch + "/dirs"), ["sub"])
        XCTAssertEqual(try Posix.listDirectory(scratch + "/dirs/sub"), ["deeper"])
        try copier.copy(source, to: scratch + "/empty", depth: .entryOnly)
        XCTAssertEqual(try Posix.listDirectory(scratch + "/empty"), [])
        try copier.copy(source + "/file", to: scratch + "/emptyfile", depth: .entryOnly)
        XCTAssertEqual(try info(scratch + "/emptyfile").st_size, 0)
        XCTAssertEqual(try info(scratch + "/emptyfile").st_mode & 0o7777, 0o640)
    }

    func testRemoveTreeNeverCrossesAMount() throws {
        let top = scratch + "/top"
        try Posix.makeDirectories(top + "/a/b")
        try Posix.writeFile(top + "/a/b/file", "x")
        try Posix.makeDirectories(top + "/mnt")
        try Posix.mount(source: "tmpfs", target: top + "/mnt", type: "tmpfs", data: "size=1m")
        defer { try? Posix.unmount(top + "/mnt") }
        try Posix.writeFile(top + "/mnt/keep", "kept")

        var remover = RemoveTree()
        try remover.removeContents(of: top)
        XCTAssertEqual(remover.removed, 3, "a, a/b, a/b/file")
        XCTAssertEqual(remover.mountPoints, [top + "/mnt"])
        XCTAssertEqual(remover.failed, [])
        XCTAssertEqual(try Posix.readText(top + "/mnt/keep"), "kept", "the mount's contents survive")
    }
}
