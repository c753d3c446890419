import CMakeExt4
import Glibc
@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import XCTest

/// stateless.state.format=1 on the host: libext2fs makes ext4 in a file, which e2fsck
/// checks and libblkid reads back; only a blank device counts as blank.
final class StoreFormatTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = String(cString: mkdtemp(strdup("/tmp/stateless-format.XXXXXX")))
    }

    override func tearDown() {
        var remover = RemoveTree()
        try? remover.removeContents(of: directory)
        rmdir(directory)
    }

    func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func blankFile(_ name: String, megabytes: Int) throws -> String {
        let path = directory + "/" + name
        let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(ftruncate(fd, off_t(megabytes) << 20), 0)
        close(fd)
        return path
    }

    func testFormatsABlankDeviceThatE2fsckAccepts() throws {
        let path = try blankFile("store.img", megabytes: 64)
        XCTAssertTrue(try BlockDevices.isBlank(path))
        var message = [CChar](repeating: 0, count: 512)
        XCTAssertEqual(stateless_make_ext4(path, "stateless-state", &message, message.count), 0, text(message))
        XCTAssertFalse(try BlockDevices.isBlank(path))
        let identity = try XCTUnwrap(BlockDevices.identity(of: path))
        XCTAssertEqual(identity.type, "ext4")
        XCTAssertEqual(identity.label, "stateless-state")
        XCTAssertNotNil(identity.uuid)
        let candidates: [String] = ["/usr/sbin/e2fsck", "/sbin/e2fsck"]
        guard let e2fsck = candidates.first(where: { access($0, X_OK) == 0 }) else {
            return XCTFail("e2fsck is not installed (e2fsprogs): the filesystem cannot be checked")
        }
        let check = try HostCommand.run([e2fsck, "-fn", path])
        XCTAssertEqual(check.status, 0, check.output)
        XCTAssertTrue(check.output.contains("stateless-state"), check.output)
        let dumpe2fs = try HostCommand.run(["/usr/sbin/dumpe2fs", "-h", path])
        for feature in ["has_journal", "extent", "flex_bg", "64bit", "uninit_bg", "dir_index"] {
            XCTAssertTrue(dumpe2fs.output.contains(feature), "\(feature) in \(dumpe2fs.output)")
        }
    }

    func testATooSmallDeviceIsRefusedWithItsSize() throws {
        let path = try blankFile("tiny.img", megabytes: 4)
        var message = [CChar](repeating: 0, count: 512)
        XCTAssertEqual(stateless_make_ext4(path, "x", &message, message.count), -1)
        XCTAssertEqual(text(message), "the device has 1024 blocks of 4 KiB; a store needs at least 8 MiB")
        XCTAssertEqual(stateless_make_ext4(directory + "/missing", "x", &message, message.count), -1)
        XCTAssertTrue(text(message).hasPrefix("read the device's size: "), text(message))
    }

    func testAPartitionTableOrAnyFilesystemIsNotBlank() throws {
        let gpt = try blankFile("gpt.img", megabytes: 16)
        let sfdisk = try HostCommand.run(["/bin/sh", "-c", "printf 'label: gpt\\n,,L\\n' | sfdisk -q \(gpt)"])
        XCTAssertEqual(sfdisk.status, 0, sfdisk.output)
        XCTAssertFalse(try BlockDevices.isBlank(gpt), "a partition table: the whole disk is never formatted")
        let swap = try blankFile("swap.img", megabytes: 16)
        XCTAssertEqual(try HostCommand.run(["/sbin/mkswap", swap]).status, 0)
        XCTAssertFalse(try BlockDevices.isBlank(swap))
    }
}
