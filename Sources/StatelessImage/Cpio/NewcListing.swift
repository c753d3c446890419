/// The human-readable listing `mkstateless inspect` prints: one line per member
/// (type, mode, size or device numbers, path, link target), then a total.
public enum NewcListing {
    public static func lines(_ records: [NewcRecord]) -> [String] {
        var lines: [String] = []
        var dataBytes = 0
        for record in records {
            let type: String
            var size = String(record.data.count)
            var suffix = ""
            switch record.mode & FileTypeBits.mask {
            case FileTypeBits.directory: type = "dir "
            case FileTypeBits.regular: type = "file"
            case FileTypeBits.symlink:
                type = "link"
                suffix = " -> " + String(decoding: record.data, as: UTF8.self)
            case FileTypeBits.characterDevice:
                type = "char"
                size = "\(record.rdevMajor),\(record.rdevMinor)"
            case FileTypeBits.blockDevice:
                type = "blk "
                size = "\(record.rdevMajor),\(record.rdevMinor)"
            case FileTypeBits.fifo: type = "fifo"
            default: type = "????"
            }
            dataBytes += record.data.count
            let mode = String(record.mode & 0o7777, radix: 8)
            let paddedMode = String(repeating: "0", count: max(0, 4 - mode.count)) + mode
            let paddedSize = String(repeating: " ", count: max(0, 10 - size.count)) + size
            lines.append("\(type) \(paddedMode) \(paddedSize) /\(record.name)\(suffix)")
        }
        lines.append("total: \(records.count) entries, \(dataBytes) bytes of data")
        return lines
    }
}
