import Foundation

/// Reads an image file back: detects its compression, decompresses it with the host tool
/// and parses it with our own newc reader, so `inspect` checks what the builder wrote
/// with code that shares nothing with the writer but the format constants.
public enum ImageInspector {
    public static func records(of path: String) throws -> (compression: ImageCompression, records: [NewcRecord]) {
        let raw: Data
        do {
            raw = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ImageError("read image", path, error.localizedDescription)
        }
        guard let compression = ImageCompression.detect([UInt8](raw.prefix(8))) else {
            let magic = raw.prefix(6).map { String(format: "%02X", $0) }.joined(separator: " ")
            throw ImageError("read image", path, "unknown format (first bytes \(magic)); expected zstd, xz, gzip or a newc cpio archive")
        }
        let bytes: [UInt8]
        if let command = compression.decompressCommand(path) {
            bytes = [UInt8](try HostCommand.run(command))
        } else {
            bytes = [UInt8](raw)
        }
        do {
            return (compression, try NewcReader.read(bytes))
        } catch let error as ImageError {
            throw ImageError(error.operation, "\(path) \(error.object)", error.reason)
        }
    }
}
