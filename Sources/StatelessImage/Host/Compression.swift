import Foundation

/// The compressions the kernel can unpack an initramfs from, done by the host tools.
///
/// Debian's kernel is built with CONFIG_RD_ZSTD, RD_XZ and RD_GZIP. zstd is the default:
/// nearly xz's ratio at a fraction of the decompression time, which is boot time.
public enum ImageCompression: String, CaseIterable, Sendable {
    case zstd, xz, gzip, none

    /// The command that compresses standard input to standard output.
    public var compressCommand: [String]? {
        switch self {
        // The kernel's decompressor allocates the whole window while it unpacks, beside
        // the image and what it unpacks to: a 1 MiB window instead of -19's 8 MiB takes
        // 7 MB less RAM at the peak for 1.2 % more bytes (the modules inside are
        // compressed already).
        case .zstd: return ["zstd", "-19", "--zstd=wlog=20", "-q", "-c"]
        // The kernel's xz decoder supports only CRC32 (or no) integrity checks, not
        // xz's default CRC64.
        // The x86 BCJ filter (the kernel decoder has it: CONFIG_XZ_DEC_X86) makes the
        // binary, libraries and modules, all x86 code, about 2% smaller again.
        case .xz: return ["xz", "--check=crc32", "--x86", "--lzma2=preset=9e,dict=32MiB", "-c"]
        case .gzip: return ["gzip", "-9", "-n", "-c"]
        case .none: return nil
        }
    }

    /// The command that decompresses a file to standard output.
    public func decompressCommand(_ path: String) -> [String]? {
        switch self {
        case .zstd: return ["zstd", "-dcq", path]
        case .xz: return ["xz", "-dc", path]
        case .gzip: return ["gzip", "-dc", path]
        case .none: return nil
        }
    }

    /// Recognizes the format by its magic number; nil if it is none of the known ones.
    public static func detect(_ prefix: [UInt8]) -> ImageCompression? {
        let signatures: [(ImageCompression, [UInt8])] = [
            (.zstd, [0x28, 0xB5, 0x2F, 0xFD]),
            (.xz, [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]),
            (.gzip, [0x1F, 0x8B]),
            (.none, Array(NewcWriter.magic.utf8)),
        ]
        return signatures.first { prefix.starts(with: $0.1) }?.0
    }

    /// Compresses `input` into `output` (files; the image can be tens of megabytes and a
    /// file is the simplest thing to hand a child process as standard input).
    public func compress(input: URL, output: URL) throws {
        guard let command = compressCommand else {
            do {
                if FileManager.default.fileExists(atPath: output.path) {
                    try FileManager.default.removeItem(at: output)
                }
                try FileManager.default.copyItem(at: input, to: output)
            } catch {
                throw ImageError("write image", output.path, error.localizedDescription)
            }
            return
        }
        let data = try HostCommand.run(command, stdinFile: input)
        do {
            try data.write(to: output)
        } catch {
            throw ImageError("write image", output.path, error.localizedDescription)
        }
    }
}
