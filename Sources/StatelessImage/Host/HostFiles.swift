import Foundation

/// Reading host files into image entries.
enum HostFiles {
    /// The bytes of a file, following symlinks.
    static func contents(_ path: String) throws -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path).resolvingSymlinksInPath()))
        } catch {
            throw ImageError("read", path, error.localizedDescription)
        }
    }

    /// Adds the tree under `directory` to `tree` at `prefix`, keeping directories,
    /// regular files (with their permission bits) and symlinks (as links). Top-level
    /// names in `skipping` are left out. Other file types are an error: a socket or a
    /// device in a skeleton is a mistake, and device nodes are made by the builder.
    static func addTree(_ directory: String, to tree: inout ImageTree, prefix: String = "", skipping: Set<String> = []) throws {
        let manager = FileManager.default
        guard let enumerator = manager.enumerator(atPath: directory) else {
            throw ImageError("read skeleton", directory, "cannot list directory")
        }
        var relatives: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let top = relative.split(separator: "/").first.map(String.init) ?? relative
            if skipping.contains(top) {
                if relative == top { enumerator.skipDescendants() }
                continue
            }
            relatives.append(relative)
        }
        for relative in relatives.sorted() {
            let full = directory + "/" + relative
            let attributes: [FileAttributeKey: Any]
            do {
                attributes = try manager.attributesOfItem(atPath: full)
            } catch {
                throw ImageError("read skeleton", full, error.localizedDescription)
            }
            let permissions = UInt32((attributes[.posixPermissions] as? NSNumber)?.uint32Value ?? 0o644)
            let imagePath = prefix.isEmpty ? relative : prefix + "/" + relative
            switch attributes[.type] as? FileAttributeType {
            case .typeDirectory?:
                try tree.add(.directory(imagePath, permissions: permissions))
            case .typeRegular?:
                try tree.add(.file(imagePath, permissions: permissions, contents: contents(full)))
            case .typeSymbolicLink?:
                let target: String
                do {
                    target = try manager.destinationOfSymbolicLink(atPath: full)
                } catch {
                    throw ImageError("read skeleton", full, error.localizedDescription)
                }
                try tree.add(.symlink(imagePath, target: target))
            default:
                throw ImageError("read skeleton", full, "not a directory, regular file or symlink")
            }
        }
    }
}
