/// A section header of an ELF64 file, reduced to what the builder needs.
public struct ElfSection: Equatable, Sendable {
    public var name: String
    public var type: UInt32
    public var offset: UInt64
    public var size: UInt64
}

/// Reads the section table of an ELF64 object — enough to find a kernel module's
/// `.modinfo` section, which holds its dependencies, aliases and soft dependencies.
///
/// Debian's extracted kernel packages ship no modules.dep, so the builder learns module
/// dependencies from the modules themselves. Every offset and size read from the file is
/// checked against the file length before use: a corrupt module must produce an error
/// naming it, not a crash of the build.
public enum ElfSections {
    static let identMagic: [UInt8] = [0x7f, 0x45, 0x4c, 0x46]   // "\x7fELF"
    static let classELF64: UInt8 = 2
    static let dataLittleEndian: UInt8 = 1
    static let dataBigEndian: UInt8 = 2
    static let headerSize = 64
    static let sectionHeaderSize = 64
    /// SHT_NOBITS: the section occupies no bytes in the file (.bss).
    static let typeNoBits: UInt32 = 8
    /// SHN_XINDEX: the string-table index lives in section 0's sh_link.
    static let indexEscape: UInt16 = 0xffff
    /// A bound on the section count, so a hostile header cannot make the reader allocate
    /// or loop for billions of entries; real modules have well under a hundred thousand.
    static let maximumSections = 1 << 20

    /// All sections with their names.
    public static func read(_ source: ByteSource) throws -> [ElfSection] {
        guard source.byteCount >= headerSize else {
            throw ImageError("read ELF header", "", "file is \(source.byteCount) bytes, shorter than the \(headerSize)-byte ELF64 header")
        }
        let header = try source.bytes(at: 0, count: headerSize)
        guard Array(header[0..<4]) == identMagic else {
            throw ImageError("read ELF header", "", "not an ELF file (bad magic)")
        }
        guard header[4] == classELF64 else {
            throw ImageError("read ELF header", "", "ELF class \(header[4]) is not ELF64")
        }
        let bigEndian: Bool
        switch header[5] {
        case dataLittleEndian: bigEndian = false
        case dataBigEndian: bigEndian = true
        default: throw ImageError("read ELF header", "", "unknown ELF data encoding \(header[5])")
        }
        let decoder = Decoder(bigEndian: bigEndian)
        let tableOffset = decoder.u64(header, 0x28)
        let entrySize = Int(decoder.u16(header, 0x3a))
        var count = Int(decoder.u16(header, 0x3c))
        var nameTableIndex = Int(decoder.u16(header, 0x3e))
        if tableOffset == 0 { return [] }
        guard entrySize >= sectionHeaderSize else {
            throw ImageError("read ELF header", "", "section header size \(entrySize) is smaller than \(sectionHeaderSize)")
        }
        let first = try sectionHeader(source, decoder, tableOffset: tableOffset, entrySize: entrySize, index: 0)
        // Files with ≥ 0xff00 sections keep the real counts in section 0.
        if count == 0 {
            guard first.size <= UInt64(maximumSections) else {
                throw ImageError("read ELF section table", "", "section count \(first.size) is implausible")
            }
            count = Int(first.size)
        }
        if nameTableIndex == Int(indexEscape) { nameTableIndex = Int(first.link) }
        guard nameTableIndex < count else {
            throw ImageError("read ELF section table", "", "name table index \(nameTableIndex) is beyond \(count) sections")
        }
        var raw: [RawSection] = [first]
        for index in 1..<max(count, 1) {
            raw.append(try sectionHeader(source, decoder, tableOffset: tableOffset, entrySize: entrySize, index: index))
        }
        let names = try contents(of: raw[nameTableIndex], in: source, what: "section name table")
        return try raw.map { section in
            guard let start = Int(exactly: section.nameOffset), start == 0 || start < names.count else {
                throw ImageError("read ELF section table", "", "section name offset \(section.nameOffset) is beyond the name table (\(names.count) bytes)")
            }
            let tail = names[min(start, names.count)...]
            let name = String(decoding: tail.prefix(while: { $0 != 0 }), as: UTF8.self)
            return ElfSection(name: name, type: section.type, offset: section.offset, size: section.size)
        }
    }

    /// The bytes of the first section called `name`, or nil if the file has none.
    public static func contents(ofSectionNamed name: String, in source: ByteSource) throws -> [UInt8]? {
        guard let section = try read(source).first(where: { $0.name == name }) else { return nil }
        return try contents(of: RawSection(nameOffset: 0, type: section.type, offset: section.offset, size: section.size, link: 0),
                            in: source, what: "section \(name)")
    }

    struct RawSection {
        var nameOffset: UInt32
        var type: UInt32
        var offset: UInt64
        var size: UInt64
        var link: UInt32
    }

    private static func sectionHeader(_ source: ByteSource, _ decoder: Decoder, tableOffset: UInt64, entrySize: Int, index: Int) throws -> RawSection {
        let length = UInt64(source.byteCount)
        let (product, overflow) = UInt64(index).multipliedReportingOverflow(by: UInt64(entrySize))
        let (start, overflow2) = tableOffset.addingReportingOverflow(product)
        guard !overflow, !overflow2, start < length, length - start >= UInt64(sectionHeaderSize) else {
            throw ImageError("read ELF section table", "", "section header \(index) at offset \(tableOffset) + \(index)×\(entrySize) lies beyond the end of the file (\(length) bytes)")
        }
        let bytes = try source.bytes(at: Int(start), count: sectionHeaderSize)
        return RawSection(nameOffset: decoder.u32(bytes, 0), type: decoder.u32(bytes, 4),
                          offset: decoder.u64(bytes, 24), size: decoder.u64(bytes, 32),
                          link: decoder.u32(bytes, 40))
    }

    private static func contents(of section: RawSection, in source: ByteSource, what: String) throws -> [UInt8] {
        if section.type == typeNoBits { return [] }
        let length = UInt64(source.byteCount)
        guard section.offset <= length, section.size <= length - section.offset else {
            throw ImageError("read ELF \(what)", "", "offset \(section.offset) + size \(section.size) lies beyond the end of the file (\(length) bytes)")
        }
        return try source.bytes(at: Int(section.offset), count: Int(section.size))
    }

    /// Fixed-width integer decoding in the file's byte order; callers pass slices whose
    /// length they have checked.
    struct Decoder {
        var bigEndian: Bool

        func value(_ bytes: [UInt8], _ at: Int, _ width: Int) -> UInt64 {
            var result: UInt64 = 0
            for index in 0..<width {
                let byte = UInt64(bytes[bigEndian ? at + index : at + width - 1 - index])
                result = result << 8 | byte
            }
            return result
        }
        func u16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(truncatingIfNeeded: value(bytes, at, 2)) }
        func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 { UInt32(truncatingIfNeeded: value(bytes, at, 4)) }
        func u64(_ bytes: [UInt8], _ at: Int) -> UInt64 { value(bytes, at, 8) }
    }
}
