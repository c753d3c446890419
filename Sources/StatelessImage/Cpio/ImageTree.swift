/// The files of an image before they are encoded: a map from path to entry that keeps
/// the archive well-formed.
///
/// The kernel creates each member where its header says, but it does not create missing
/// parent directories, so every path's parents are added (0755) as it is inserted, and the
/// archive lists parents before children. Inserting a path twice with different content is
/// an error, because two sources (skeleton, libraries, modules) disagreeing about one file
/// is a mistake the user should see rather than a silent last-one-wins.
public struct ImageTree: Sendable {
    private(set) var entries: [String: NewcEntry] = [:]

    public init() {}

    /// The number of entries, directories included.
    public var count: Int { entries.count }

    public subscript(path: String) -> NewcEntry? {
        entries[Self.normalize(path)]
    }

    /// Inserts `entry`, creating its parent directories. `path` may start with '/'.
    public mutating func add(_ entry: NewcEntry) throws {
        var entry = entry
        entry.path = Self.normalize(entry.path)
        guard !entry.path.isEmpty else {
            throw ImageError("add to image", "/", "the root directory is implicit and cannot be added")
        }
        let components = entry.path.split(separator: "/")
        guard !components.contains(where: { $0 == "." || $0 == ".." }) else {
            throw ImageError("add to image", entry.path, "'.' and '..' are not allowed in image paths")
        }
        var parent = ""
        for component in components.dropLast() {
            parent = parent.isEmpty ? String(component) : parent + "/" + component
            if let existing = entries[parent] {
                guard existing.kind == .directory else {
                    throw ImageError("add to image", entry.path, "parent '/\(parent)' is already a non-directory")
                }
            } else {
                entries[parent] = .directory(parent)
            }
        }
        if let existing = entries[entry.path] {
            if existing == entry { return }
            // A directory first created implicitly as a parent may be given its own mode.
            if existing.kind == .directory, entry.kind == .directory {
                entries[entry.path] = entry
                return
            }
            throw ImageError("add to image", "/" + entry.path, "already present with different type or content")
        }
        entries[entry.path] = entry
    }

    /// Entries in archive order: sorted component by component (byte order), which puts
    /// every directory before its contents and makes the order independent of insertion.
    public var sortedEntries: [NewcEntry] {
        entries.values.sorted { Self.precedes($0.path, $1.path) }
    }

    /// Total bytes of file contents and link targets.
    public var dataSize: Int {
        entries.values.reduce(0) { $0 + $1.data.count }
    }

    static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        let left = lhs.split(separator: "/"), right = rhs.split(separator: "/")
        for (a, b) in zip(left, right) where a != b {
            return a.utf8.lexicographicallyPrecedes(b.utf8)
        }
        return left.count < right.count
    }

    static func normalize(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }
}
