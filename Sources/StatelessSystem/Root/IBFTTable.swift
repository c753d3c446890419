import StatelessCore
import StatelessProtocols

extension IBFT {
    /// Reads the table the kernel exposes (every block's files).
    package static func read(_ directory: String = directory) throws -> IBFT {
        var files: [String: String] = [:]
        let blocks: [String]
        do { blocks = try Posix.listDirectory(directory) } catch {
            throw Unusable(description: "\(directory) is missing: the firmware left no iBFT, or the iscsi_ibft module is not in the image")
        }
        for block in blocks {
            for file in (try? Posix.listDirectory(directory + "/" + block)) ?? [] {
                if let text = try? Posix.readText("\(directory)/\(block)/\(file)") { files["\(block)/\(file)"] = text }
            }
        }
        return try parse(files)
    }
}
