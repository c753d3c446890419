/// Fedora's rwtab (`/etc/rwtab`, `/etc/rwtab.d/*`, `/run/initramfs/rwtab`): which paths
/// of a read-only root are made writable, and how their tmpfs copy starts out.
///
///     # type  path
///     empty   /tmp
///     dirs    /var/cache/man
///     files   /var/lib/dhclient
public enum RwtabKind: String, Equatable, Sendable {
    /// The entry itself, empty: a directory without contents, or an empty file.
    case empty
    /// The directory tree without its files.
    case dirs
    /// A full copy of the contents.
    case files
}

public struct RwtabEntry: Equatable, Sendable {
    public var kind: RwtabKind
    /// Absolute and normalised: no `//`, no `.` or `..` components, no trailing `/`.
    public var path: String

    public init(_ kind: RwtabKind, _ path: String) {
        self.kind = kind
        self.path = path
    }
}

/// One step of applying an rwtab: make the tmpfs copy of `entry`, and bind-mount it over
/// the read-only path unless an enclosing listed path is mounted already.
public struct RwtabStep: Equatable, Sendable {
    public var entry: RwtabEntry
    public var bindMount: Bool

    public init(_ entry: RwtabEntry, bindMount: Bool) {
        self.entry = entry
        self.bindMount = bindMount
    }
}

/// Where an rwtab path stands with respect to symlinks in the root. A symlink already
/// points where the system keeps that data (`/etc/resolv.conf` → `../run/…` on every
/// systemd-resolved system), and a bind mount cannot replace a symlink; mounting over a
/// path below one would follow the link in the initramfs's view, not the root's.
public enum RwtabPlacement: Equatable, Sendable {
    /// No symlink on the way: copy and bind-mount.
    case plain
    /// The entry itself is a symlink: left as it is.
    case symlink(target: String)
    /// A directory above the entry is a symlink: left as it is.
    case belowSymlink(directory: String, target: String)
    /// A symlink on the way loops or climbs above the root's `/`: refused.
    case escapes(link: String, target: String)
}

public enum Rwtab {
    /// Parses one rwtab file. Lines that cannot be used are returned as warnings (Fedora's
    /// script skips them silently; we say which line and why).
    public static func parse(_ text: String, source: String) -> (entries: [RwtabEntry], warnings: [String]) {
        var entries: [RwtabEntry] = []
        var warnings: [String] = []
        for (number, line) in meaningfulLines(text) {
            let location = "\(source):\(number)"
            // Fedora's `read type path`: the path is the rest of the line, spaces and all.
            let type = line.prefix { !isBlank($0) }
            guard let kind = RwtabKind(rawValue: String(type)) else {
                warnings.append("\(location): unknown type \"\(type)\" (expected empty, dirs or files)")
                continue
            }
            let rest = trimmed(line.dropFirst(type.count))
            guard !rest.isEmpty else {
                warnings.append("\(location): expected \"\(kind.rawValue) /path\", found no path")
                continue
            }
            guard let path = normalizedPath(String(rest)) else {
                warnings.append("\(location): \"\(rest)\" is not an absolute path below / (relative paths, .. and / itself are refused)")
                continue
            }
            entries.append(RwtabEntry(kind, path))
        }
        return (entries, warnings)
    }

    /// The lines of a table file that say something, numbered from 1 and trimmed: blank
    /// lines and `#` comments dropped, DOS line ends too (`\r\n` is one Character to Swift,
    /// which splitting at "\n" alone would not see).
    static func meaningfulLines(_ text: String) -> [(number: Int, line: Substring)] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated().compactMap { index, raw in
            let line = trimmed(raw)
            return line.isEmpty || line.hasPrefix("#") ? nil : (index + 1, line)
        }
    }

    package static func isBlank(_ character: Character) -> Bool { character == " " || character == "\t" || character == "\r" }

    package static func trimmed(_ text: Substring) -> Substring {
        guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) }) else { return "" }
        return text[first...last]
    }

    /// `/a//b/./c/` → `/a/b/c`. Nil for relative paths, `..` components, and `/` itself
    /// (making the whole root writable is the overlayfs mode's job).
    public static func normalizedPath(_ path: String) -> String? {
        guard path.hasPrefix("/") else { return nil }
        var components: [Substring] = []
        for component in path.split(separator: "/") where component != "." {
            if component == ".." { return nil }
            components.append(component)
        }
        guard !components.isEmpty else { return nil }
        return "/" + components.joined(separator: "/")
    }

    /// Orders the entries parents first; a path listed twice keeps its last entry (files
    /// read later override earlier ones). Paths inside another listed path are copied into
    /// that path's tmpfs copy but not bind-mounted again.
    public static func plan(_ entries: [RwtabEntry]) -> [RwtabStep] {
        var lastByPath: [String: RwtabEntry] = [:]
        for entry in entries { lastByPath[entry.path] = entry }
        let ordered = lastByPath.values.sorted { depth($0.path) != depth($1.path) ? depth($0.path) < depth($1.path) : $0.path < $1.path }
        var mounted: [String] = []
        return ordered.map { entry in
            let nested = mounted.contains { isInside(entry.path, $0) }
            if !nested { mounted.append(entry.path) }
            return RwtabStep(entry, bindMount: !nested)
        }
    }

    /// Names Fedora's readonly-root skips in rwtab.d: editor and package-manager leftovers.
    public static func isIgnoredFileName(_ name: String) -> Bool {
        name.hasPrefix(".") || name.hasSuffix("~") || name.hasSuffix(".swp")
            || [".rpmsave", ".rpmnew", ".rpmorig", ".dpkg-old", ".dpkg-new", ".dpkg-dist", ".bak", ".orig"]
            .contains { name.hasSuffix($0) }
    }

    /// Classifies a normalised rwtab path. `readLink` answers for paths inside the root
    /// (`/etc/resolv.conf`): the link's target, or nil when the path is not a symlink.
    public static func placement(of path: String, readLink: (String) -> String?) -> RwtabPlacement {
        var prefix = ""
        let components = path.split(separator: "/")
        for (index, component) in components.enumerated() {
            prefix += "/" + component
            guard let target = readLink(prefix) else { continue }
            let parent = components[..<index].map(String.init)
            if climbsAboveRoot(target, from: parent)
                || PathInRoot.resolve(prefix, root: "", readLink: readLink) == nil {
                return .escapes(link: prefix, target: target)
            }
            return index == components.count - 1 ? .symlink(target: target) : .belowSymlink(directory: prefix, target: target)
        }
        return .plain
    }

    /// Whether a relative link target in directory `parent` has more `..` than there are
    /// directories to climb: made for another mount point, it leaves the root.
    static func climbsAboveRoot(_ target: String, from parent: [String]) -> Bool {
        guard !target.hasPrefix("/") else { return false }
        var depth = parent.count
        for component in target.split(separator: "/") {
            if component == ".." {
                depth -= 1
                if depth < 0 { return true }
            } else if component != "." {
                depth += 1
            }
        }
        return false
    }

    package static func depth(_ path: String) -> Int { path.split(separator: "/").count }

    package static func isInside(_ path: String, _ parent: String) -> Bool {
        path.hasPrefix(parent + "/")
    }
}
