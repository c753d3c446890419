import Foundation
import StatelessCore

/// `mkstateless audit ROOT` and `mkstateless publish`: the identity-bearing files
/// (IdentityFiles) a root tree or a squashfs image ships, found before any machine boots
/// it. A squashfs image is read with unsquashfs, extracting only the catalog's files and
/// directories into a scratch directory.
public enum IdentityAudit {
    /// Whether `path` is a squashfs image (its magic, "hsqs").
    public static func isSquashfs(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)) == Data("hsqs".utf8)
    }

    /// The findings in a root directory or a squashfs image.
    public static func scan(_ source: String) throws -> [IdentityFiles.Finding] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw ImageError("audit", source, "no such file or directory")
        }
        if isDirectory.boolValue { return scan(tree: source) }
        guard isSquashfs(source) else {
            throw ImageError("audit", source, "expected a root directory, a squashfs image or a saved `stateless audit --save`")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mkstateless-audit-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // The catalog's plain files, and the directories its patterns look into.
        let wanted = Set(IdentityFiles.catalog.map { $0.pattern.contains("*") ? $0.directory : $0.pattern }).sorted()
        let result = try HostCommand.capture(["unsquashfs", "-no-progress", "-quiet", "-d", scratch, source] + wanted)
        // unsquashfs exits non-zero when a wanted path is missing from the image; what it
        // did extract is what the image has.
        guard FileManager.default.fileExists(atPath: scratch) else {
            throw ImageError("audit", source, "unsquashfs extracted nothing (exit \(result.status)): \(result.stderr.prefix(300))")
        }
        return scan(tree: scratch)
    }

    static func scan(tree root: String) -> [IdentityFiles.Finding] {
        let fm = FileManager.default
        return IdentityFiles.scan(
            isRegularFile: { (try? fm.attributesOfItem(atPath: root + $0))?[.type] as? FileAttributeType == .typeRegular },
            list: { (try? fm.contentsOfDirectory(atPath: root + $0)) ?? [] },
            read: { fm.contents(atPath: root + $0).map { String(decoding: $0.prefix(4096), as: UTF8.self) } })
    }
}
