import Foundation
import StatelessCore

/// `mkstateless publish`: a root tree or image made into a signed release any static HTTP
/// server or NFS export can serve (docs/cached-clients.md):
///
///     NAME.squashfs        the image (for root=live:http… and NFS-loop roots)
///     NAME.verity          its dm-verity hash tree, superblock first (roothash=)
///     NAME.zck             both in one uncompressed zchunk container: what a cache syncs
///     NAME.manifest        version, sizes, SHA-256s, the verity root hash
///     NAME.manifest.sig    the manifest's Ed25519 signature (hex)
///
/// The squashfs is built without fragments and with fixed times, so that a small change
/// to the tree changes few of its blocks and few chunks (measured: ~1 % changed → ≤ 5 %
/// fetched; with fragments, 8.8 %).
public struct ReleasePublisher {
    public var source: String
    public var name: String
    public var key: ReleaseKey
    public var output: String
    /// nil: one above the manifest already in `output`, else 1.
    public var version: UInt64?

    public init(source: String, name: String, key: ReleaseKey, output: String, version: UInt64? = nil) {
        (self.source, self.name, self.key, self.output, self.version) = (source, name, key, output, version)
    }

    public static let squashfsOptions = ["-no-fragments", "-reproducible", "-mkfs-time", "0", "-all-time", "0", "-noappend", "-quiet", "-no-progress"]

    public func publish(log: (String) -> Void = { _ in }) throws -> ReleaseManifest {
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }), !name.isEmpty else {
            throw ImageError("publish", name, "a release name is letters, digits, '.', '_' and '-'")
        }
        let fm = FileManager.default
        try? fm.createDirectory(atPath: output, withIntermediateDirectories: true)
        let scratch = output + "/.\(name).publishing"
        try? fm.removeItem(atPath: scratch)
        try fm.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: scratch) }

        let next = try version ?? (previousVersion().map { $0 + 1 } ?? 1)
        let image = scratch + "/\(name).squashfs"
        try makeImage(at: image)
        // Every client of the release gets these; the boot makes each its own, but the
        // publisher should know what the image carries.
        let identity = try IdentityAudit.scan(image)
        if !identity.isEmpty {
            log("warning: \(name) ships \(identity.count) identity-bearing files (`mkstateless audit` lists what the boot does with each):")
            IdentityFiles.render(identity).forEach { log("  " + $0) }
        }
        let imageSize = try Self.size(of: image)
        guard imageSize % 4096 == 0 else { throw ImageError("publish", source, "the image is \(imageSize) bytes, not a multiple of 4096 (dm-verity's block)") }

        // The hash tree after the image in one file (what a cache slot holds), and the same
        // tree alone for roots that read the image itself.
        let combined = scratch + "/\(name).data"
        try fm.copyItem(atPath: image, toPath: combined)
        var generator = SystemRandomNumberGenerator()
        let salt = HexDigest.text((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let formatted = String(decoding: try HostCommand.run(["veritysetup", "format", combined, combined, "--hash-offset=\(imageSize)", "--salt=\(salt)", "--hash=sha256", "--data-block-size=4096", "--hash-block-size=4096"]), as: UTF8.self)
        guard let rootHash = Self.field("Root hash", in: formatted), HexDigest.isSHA256(Substring(rootHash)) else {
            throw ImageError("publish", "veritysetup format", "no root hash in its output: \(formatted.prefix(200))")
        }
        let dataSize = try Self.size(of: combined)
        _ = try HostCommand.run(["sh", "-c", "tail -c +\(imageSize + 1) \"$0\" > \"$1\"", combined, scratch + "/\(name).verity"])

        let zck = scratch + "/\(name).zck"
        _ = try HostCommand.run(["zck", "--compression-format=none", "-o", zck, combined])
        let header = String(decoding: try HostCommand.run(["zck_read_header", zck]), as: UTF8.self)
        guard let headerSize = Self.field("Header size", in: header).flatMap(UInt64.init),
              let dataDigest = Self.field("Data checksum", in: header) else {
            throw ImageError("publish", "zck_read_header \(zck)", "no header size or data checksum in its output")
        }
        let dataSHA256 = try FileDigest.sha256(of: combined)
        guard dataDigest == dataSHA256, try Self.size(of: zck) == headerSize + dataSize else {
            throw ImageError("publish", zck, "the zchunk data is not the image and tree byte for byte (is zck built with compression none?)")
        }
        let manifest = ReleaseManifest(
            name: name, version: next, created: Int64(Date().timeIntervalSince1970), imageSize: imageSize,
            dataSHA256: dataSHA256, dataSize: dataSize, zckHeaderSize: headerSize,
            zckHeaderSHA256: try FileDigest.sha256(of: zck, count: Int(headerSize)), verityRootHash: rootHash,
            veritySalt: salt, verityHashOffset: imageSize)
        let text = manifest.text
        try Data(text.utf8).write(to: URL(fileURLWithPath: scratch + "/\(name).manifest"))
        try Data((HexDigest.text(key.sign(Array(text.utf8))) + "\n").utf8).write(to: URL(fileURLWithPath: scratch + "/\(name).manifest.sig"))

        // Into place: the image files first, the manifest and its signature last, so a
        // client reading the old manifest meanwhile finds at worst a mismatch it refuses.
        for suffix in ["squashfs", "verity", "zck", "manifest.sig", "manifest"] {
            let target = output + "/\(name).\(suffix)"
            if rename(scratch + "/\(name).\(suffix)", target) != 0 {
                throw ImageError("publish", target, "cannot rename into place: \(String(cString: strerror(errno)))")
            }
        }
        log("\(output)/\(name): version \(next), image \(imageSize) bytes, zchunk \(manifest.zckSize) bytes, root hash \(rootHash)")
        return manifest
    }

    /// The version of the manifest already published under this name, if any.
    func previousVersion() throws -> UInt64? {
        let path = output + "/\(name).manifest"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try ReleaseManifest(parsing: String(decoding: try HostFiles.contents(path), as: UTF8.self)).version
        } catch {
            throw ImageError("read previous release", path, "\(error) (give --version to start over)")
        }
    }

    /// A directory is made a squashfs; an image file (squashfs or erofs) is taken as it is.
    func makeImage(at image: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw ImageError("publish", source, "no such file or directory")
        }
        if isDirectory.boolValue {
            _ = try HostCommand.run(["mksquashfs", source, image] + Self.squashfsOptions)
        } else {
            try FileManager.default.copyItem(atPath: source, toPath: image)
        }
    }

    static func size(of path: String) throws -> UInt64 {
        guard let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber else {
            throw ImageError("publish", path, "cannot read its size")
        }
        return size.uint64Value
    }

    /// `Label: value` from a tool's report (veritysetup, zck_read_header).
    static func field(_ label: String, in report: String) -> String? {
        for line in report.split(separator: "\n") where line.hasPrefix(label + ":") {
            return line.dropFirst(label.count + 1).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
