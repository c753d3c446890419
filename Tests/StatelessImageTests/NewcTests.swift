import XCTest
@testable import StatelessImage

final class NewcTests: XCTestCase {
    /// A header as the format document spells it: magic then 13 fields of 8 hex digits.
    private func header(_ fields: [String]) -> String { "070701" + fields.joined() }

    func testWriterGoldenBytes() throws {
        let entries: [NewcEntry] = [
            .directory("d"),
            .file("d/f", permissions: 0o644, contents: Array("abc".utf8)),
            .symlink("l", target: "d/f"),
            .characterDevice("c", permissions: 0o600, major: 5, minor: 1),
        ]
        let zero = "00000000"
        var expected = ""
        //                ino         mode        uid   gid   nlink       mtime filesize    devmaj devmin rdevmaj     rdevmin     namesize    check
        expected += header(["00000001", "000041ED", zero, zero, "00000002", zero, zero, zero, zero, zero, zero, "00000002", zero]) + "d\0"
        expected += header(["00000002", "000081A4", zero, zero, "00000001", zero, "00000003", zero, zero, zero, zero, "00000004", zero]) + "d/f\0" + "\0\0" + "abc\0"
        expected += header(["00000003", "0000A1FF", zero, zero, "00000001", zero, "00000003", zero, zero, zero, zero, "00000002", zero]) + "l\0" + "d/f\0"
        expected += header(["00000004", "00002180", zero, zero, "00000001", zero, zero, zero, zero, "00000005", "00000001", "00000002", zero]) + "c\0"
        expected += header([zero, zero, zero, zero, "00000001", zero, zero, zero, zero, zero, zero, "0000000B", zero]) + "TRAILER!!!\0" + "\0\0\0"

        let bytes = try NewcWriter().encode(entries)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), expected)
        XCTAssertEqual(bytes.count % 4, 0)

        let records = try NewcReader.read(bytes)
        XCTAssertEqual(records.compactMap(\.entry), entries)
        XCTAssertEqual(records.map(\.inode), [1, 2, 3, 4])
        XCTAssertEqual(records[3].rdevMajor, 5)
        XCTAssertEqual(records[3].rdevMinor, 1)
    }

    func testModificationTimeIsWritten() throws {
        let bytes = try NewcWriter(modificationTime: 0x5F5E100).encode([.directory("x")])
        XCTAssertEqual(try NewcReader.read(bytes).first?.mtime, 0x5F5E100)
    }

    func testWriterRejectsBadNames() {
        XCTAssertThrowsError(try NewcWriter().encode([.directory("")]))
        XCTAssertThrowsError(try NewcWriter().encode([.directory("a\0b")]))
    }

    func testReaderAcceptsLowercaseHexAndTrailingPadding() throws {
        var bytes = try NewcWriter().encode([.file("f", contents: [1, 2, 3])])
        let lower = String(decoding: bytes, as: UTF8.self).lowercased()
        XCTAssertEqual(lower.utf8.count, bytes.count)
        bytes = Array(lower.replacingOccurrences(of: "trailer!!!", with: "TRAILER!!!").utf8) + [UInt8](repeating: 0, count: 512)
        XCTAssertEqual(try NewcReader.read(bytes).first?.data, [1, 2, 3])
    }

    func testReaderHostileInputs() throws {
        let good = try NewcWriter().encode([.file("name", contents: Array("data".utf8))])
        func mutate(_ range: Range<Int>, _ text: String) -> [UInt8] {
            var copy = good
            copy.replaceSubrange(range, with: Array(text.utf8))
            return copy
        }
        // Offsets: magic 0..<6, filesize 54..<62, namesize 94..<102.
        let cases: [(String, [UInt8], String)] = [
            ("empty", [], "read newc archive 'offset 0': archive ends without a TRAILER!!! entry"),
            ("bad magic", mutate(0..<6, "070707"), "read newc archive 'offset 0': bad magic \"070707\", expected \"070701\""),
            ("truncated header", Array(good.prefix(50)), "read newc archive 'offset 0': truncated header: 50 bytes left, 110 needed"),
            ("non-hex digit", mutate(14..<22, "0000G1ED"), "read newc archive 'offset 14': field mode \"0000G1ED\" is not hexadecimal"),
            ("name beyond data", mutate(94..<102, "7FFFFFFF"), "read newc archive 'offset 0': name size 2147483647 runs past the end of the archive (\(good.count - 110) bytes left)"),
            ("name size zero", mutate(94..<102, "00000000"), "read newc archive 'offset 0': name size is 0; the name needs at least its NUL terminator"),
            ("name not terminated", mutate(94..<102, "00000004"), "read newc archive 'offset 0': name is not NUL-terminated"),
            ("data beyond end", mutate(54..<62, "FFFFFFFF"), "read newc archive 'offset 0': data of 'name' (4294967295 bytes) runs past the end of the archive"),
            ("no trailer", Array(good.prefix(120)), "read newc archive 'offset 120': archive ends without a TRAILER!!! entry"),
        ]
        for (label, bytes, message) in cases {
            XCTAssertThrowsError(try NewcReader.read(bytes), label) { error in
                XCTAssertEqual("\(error)", message, label)
            }
        }
    }

    func testTreeAddsParentsAndSortsParentsFirst() throws {
        var tree = ImageTree()
        try tree.add(.file("/lib/x86_64-linux-gnu/libc.so.6", contents: [1]))
        try tree.add(.symlink("usr/bin/stateless", target: "/init"))
        try tree.add(.file("init", permissions: 0o755, contents: [2]))
        try tree.add(.directory("lib-extra"))
        try tree.add(.directory("tmp", permissions: 0o1777))
        XCTAssertEqual(tree.sortedEntries.map(\.path), [
            "init", "lib", "lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu/libc.so.6", "lib-extra",
            "tmp", "usr", "usr/bin", "usr/bin/stateless",
        ])
        XCTAssertEqual(tree["tmp"]?.permissions, 0o1777)
        XCTAssertEqual(tree["/lib"]?.kind, .directory)
    }

    func testTreeConflicts() throws {
        var tree = ImageTree()
        try tree.add(.file("a", contents: [1]))
        try tree.add(.file("a", contents: [1]))   // identical: fine
        XCTAssertThrowsError(try tree.add(.file("a", contents: [2])))
        XCTAssertThrowsError(try tree.add(.file("a/b", contents: [2]))) { error in
            XCTAssertEqual("\(error)", "add to image 'a/b': parent '/a' is already a non-directory")
        }
        XCTAssertThrowsError(try tree.add(.file("x/../y", contents: [])))
        XCTAssertThrowsError(try tree.add(.directory("/")))
    }

    func testListing() throws {
        let bytes = try NewcWriter().encode([
            .directory("dev"),
            .characterDevice("dev/console", permissions: 0o600, major: 5, minor: 1),
            .file("init", permissions: 0o755, contents: [0, 1, 2]),
            .symlink("usr/bin/stateless", target: "/init"),
        ])
        XCTAssertEqual(NewcListing.lines(try NewcReader.read(bytes)), [
            "dir  0755          0 /dev",
            "char 0600        5,1 /dev/console",
            "file 0755          3 /init",
            "link 0777          5 /usr/bin/stateless -> /init",
            "total: 4 entries, 8 bytes of data",
        ])
    }

    func testCompressionDetection() {
        let cases: [([UInt8], ImageCompression?)] = [
            ([0x28, 0xB5, 0x2F, 0xFD, 0x04], .zstd),
            ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0x00], .xz),
            ([0x1F, 0x8B, 0x08], .gzip),
            (Array("070701000".utf8), ImageCompression.none),
            (Array("070707".utf8), nil),
            ([], nil),
        ]
        for (bytes, expected) in cases {
            XCTAssertEqual(ImageCompression.detect(bytes), expected, "\(bytes)")
        }
    }
}
