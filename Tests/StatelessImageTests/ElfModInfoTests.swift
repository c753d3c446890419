import XCTest
@testable import StatelessImage

/// Builds a minimal little-endian ELF64 relocatable object by hand: the header, the
/// given sections' contents, a section-name table and the section header table.
struct ElfFixture {
    var sections: [(name: String, type: UInt32, contents: [UInt8])]

    static func le(_ value: UInt64, _ width: Int) -> [UInt8] {
        (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    func bytes() -> [UInt8] {
        var names: [UInt8] = [0]
        var nameOffsets: [UInt32] = []
        for section in sections + [(name: ".shstrtab", type: 3, contents: [])] {
            nameOffsets.append(UInt32(names.count))
            names += Array(section.name.utf8) + [0]
        }
        var body: [UInt8] = []
        var placed: [(offset: UInt64, size: UInt64)] = []
        for section in sections {
            placed.append((UInt64(64 + body.count), UInt64(section.contents.count)))
            body += section.contents
        }
        placed.append((UInt64(64 + body.count), UInt64(names.count)))
        body += names
        while body.count % 8 != 0 { body.append(0) }
        let tableOffset = UInt64(64 + body.count)
        let count = sections.count + 2   // null section, sections, .shstrtab

        var header: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        header += Self.le(1, 2) + Self.le(62, 2) + Self.le(1, 4)          // ET_REL, EM_X86_64, version
        header += Self.le(0, 8) + Self.le(0, 8) + Self.le(tableOffset, 8) // entry, phoff, shoff
        header += Self.le(0, 4) + Self.le(64, 2) + Self.le(0, 2) + Self.le(0, 2) // flags, ehsize, phentsize, phnum
        header += Self.le(64, 2) + Self.le(UInt64(count), 2) + Self.le(UInt64(count - 1), 2)

        var table = [UInt8](repeating: 0, count: 64)   // SHN_UNDEF
        let types = sections.map(\.type) + [3]
        for index in 0..<(count - 1) {
            table += Self.le(UInt64(nameOffsets[index]), 4) + Self.le(UInt64(types[index]), 4)
            table += Self.le(0, 8) + Self.le(0, 8)                           // flags, addr
            table += Self.le(placed[index].offset, 8) + Self.le(placed[index].size, 8)
            table += Self.le(0, 4) + Self.le(0, 4) + Self.le(1, 8) + Self.le(0, 8)
        }
        return header + body + table
    }
}

final class ElfModInfoTests: XCTestCase {
    let modinfo = Array("license=GPL\0depends=jbd2,mbcache,crc16\0alias=fs-ext4\0alias=ext3\0softdep=pre: crc32c\0name=ext4\0vermagic=6.1.0 SMP mod_unload\0\0\0".utf8)

    func fixture() -> [UInt8] {
        ElfFixture(sections: [
            (".text", 1, [0x90, 0x90, 0xc3]),
            (".modinfo", 1, modinfo),
            (".bss", 8, []),
        ]).bytes()
    }

    func testReadsSectionsOfHandBuiltElf() throws {
        let bytes = fixture()
        XCTAssertEqual(try ElfSections.read(bytes).map(\.name), ["", ".text", ".modinfo", ".bss", ".shstrtab"])
        XCTAssertEqual(try ElfSections.contents(ofSectionNamed: ".modinfo", in: bytes), modinfo)
        XCTAssertNil(try ElfSections.contents(ofSectionNamed: ".BTF", in: bytes))
    }

    func testParsesModInfo() throws {
        let bytes = try XCTUnwrap(try ElfSections.contents(ofSectionNamed: ".modinfo", in: fixture()))
        XCTAssertEqual(ModInfo.parse(bytes), ModInfo(
            name: "ext4", depends: ["jbd2", "mbcache", "crc16"], aliases: ["fs-ext4", "ext3"],
            softdepPre: ["crc32c"], softdepPost: []))
    }

    func testModInfoEdgeCases() {
        let cases: [(String, ModInfo)] = [
            ("", ModInfo()),
            ("depends=\0", ModInfo()),
            ("name=nvme-core\0depends=nvme-common\0", ModInfo(name: "nvme_core", depends: ["nvme_common"])),
            ("noequals\0=\0depends=a,,b\0", ModInfo(depends: ["a", "b"])),
            ("softdep=pre: a b post: c\0softdep=post: d\0", ModInfo(softdepPre: ["a", "b"], softdepPost: ["c", "d"])),
            ("softdep=stray pre:  x\tpost:\0", ModInfo(softdepPre: ["x"])),
            ("alias=pci:v00008086d*sv*\0", ModInfo(aliases: ["pci:v00008086d*sv*"])),
            ("firmware=tigon/tg3.bin\0firmware=\0firmware=intel/ice/ddp/ice.pkg\0", ModInfo(firmware: ["tigon/tg3.bin", "intel/ice/ddp/ice.pkg"])),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(ModInfo.parse(Array(text.utf8)), expected, text)
        }
    }

    func testModuleNames() {
        XCTAssertEqual(ModuleName.fromFileName("drivers/nvme/host/nvme-core.ko"), "nvme_core")
        XCTAssertEqual(ModuleName.fromFileName("x/crc32c-intel.ko.xz"), "crc32c_intel")
        XCTAssertEqual(ModuleName.fromFileName("x/zram.ko.zst"), "zram")
        XCTAssertNil(ModuleName.fromFileName("modules.order"))
        XCTAssertNil(ModuleName.fromFileName(".ko"))
    }

    func testHostileElfInputsThrow() {
        let good = fixture()
        let tableOffset = Int(good[0x28]) | Int(good[0x29]) << 8
        func patched(_ at: Int, _ value: [UInt8]) -> [UInt8] {
            var copy = good
            copy.replaceSubrange(at..<at + value.count, with: value)
            return copy
        }
        let modinfoHeader = tableOffset + 2 * 64
        let cases: [(String, [UInt8], String)] = [
            ("empty", [], "file is 0 bytes, shorter than the 64-byte ELF64 header"),
            ("truncated header", Array(good.prefix(40)), "file is 40 bytes, shorter than the 64-byte ELF64 header"),
            ("not ELF", patched(0, [0x7f, 0x45, 0x4c, 0x47]), "not an ELF file (bad magic)"),
            ("ELF32", patched(4, [1]), "ELF class 1 is not ELF64"),
            ("bad encoding", patched(5, [9]), "unknown ELF data encoding 9"),
            ("table truncated", Array(good.prefix(good.count - 10)), "section header 4 at offset \(tableOffset) + 4×64 lies beyond the end of the file (\(good.count - 10) bytes)"),
            ("table offset huge", patched(0x28, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), "section header 0 at offset 18446744073709551615 + 0×64 lies beyond the end of the file (\(good.count) bytes)"),
            ("small entries", patched(0x3a, [16, 0]), "section header size 16 is smaller than 64"),
            ("name index", patched(0x3e, [9, 0]), "name table index 9 is beyond 5 sections"),
            ("section beyond file", patched(modinfoHeader + 24, ElfFixture.le(UInt64(good.count), 8)), "offset \(good.count) + size \(modinfo.count) lies beyond the end of the file (\(good.count) bytes)"),
            ("size overflow", patched(modinfoHeader + 32, ElfFixture.le(UInt64.max, 8)), "offset \(64 + 3) + size \(UInt64.max) lies beyond the end of the file (\(good.count) bytes)"),
            ("name offset", patched(modinfoHeader, ElfFixture.le(0xffff, 4)), "section name offset 65535 is beyond the name table (\(1 + 6 + 9 + 5 + 10) bytes)"),
        ]
        for (label, bytes, reason) in cases {
            XCTAssertThrowsError(try ElfSections.contents(ofSectionNamed: ".modinfo", in: bytes), label) { error in
                XCTAssertEqual((error as? ImageError)?.reason, reason, label)
            }
        }
    }

    func testNoSectionTableMeansNoSections() throws {
        var noTable = fixture()
        noTable.replaceSubrange(0x28..<0x30, with: [UInt8](repeating: 0, count: 8))
        XCTAssertEqual(try ElfSections.read(noTable), [])
    }
}
