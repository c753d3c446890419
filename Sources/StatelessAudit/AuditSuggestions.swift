/// A line for an rwtab.d or statetab.d file that makes writes outside the declared
/// places work on a read-only root.
public struct AuditSuggestion: Equatable, Sendable {
    /// The path to declare: it exists in the image (a mount needs something to cover).
    public var path: String
    /// `files PATH`, or `dirs PATH` where only the tree matters (logs, caches).
    public var rwtabLine: String
    /// Offered for data an application usually expects back after a reboot.
    public var keepAcrossReboots: Bool
    /// The owners of what was written there, for the file name and a comment.
    public var packages: [String]
    /// What was written below `path`.
    public var written: [String]
}

extension AuditReport {
    /// One suggestion per outermost place: a new path is declared through its nearest
    /// ancestor the image has, a deleted one through its directory.
    public var suggestions: [AuditSuggestion] {
        var byPath: [String: AuditSuggestion] = [:]
        for entry in entries where entry.inside == nil {
            let place = entry.change == .deleted ? Self.parent(entry.path) : entry.anchor
            guard place != "/" else { continue }  // the whole root: overlayfs mode's job
            var suggestion = byPath[place] ?? AuditSuggestion(
                path: place, rwtabLine: (Self.treeOnly(place) ? "dirs " : "files ") + place,
                keepAcrossReboots: Self.persistentPrefixes.contains { place.hasPrefix($0) }, packages: [], written: [])
            if let package = entry.package, !suggestion.packages.contains(package) { suggestion.packages.append(package) }
            suggestion.written.append(entry.path)
            byPath[place] = suggestion
        }
        // An inner place is covered by an outer one.
        let places = byPath.keys.sorted()
        var result: [AuditSuggestion] = []
        for place in places {
            if let index = result.firstIndex(where: { place.hasPrefix($0.path + "/") }) {
                result[index].written += byPath[place]!.written
                result[index].packages += byPath[place]!.packages.filter { !result[index].packages.contains($0) }
            } else {
                result.append(byPath[place]!)
            }
        }
        return result
    }

    /// Where applications keep data they expect to find again.
    static let persistentPrefixes = ["/etc/", "/var/lib/", "/srv/", "/home/", "/root/", "/opt/"]

    /// Logs and caches: the tree is needed, the image's files are not.
    static func treeOnly(_ path: String) -> Bool {
        ["/var/log", "/var/cache", "/var/spool"].contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// What `stateless audit` and `mkstateless audit FILE` print.
    public var rendered: String {
        let outside = entries.filter { $0.inside == nil }
        let inside = entries.filter { $0.inside != nil }
        var lines = ["stateless audit (\(mode) mode): \(entries.count) paths written since the boot, \(outside.count) outside the declared writable places"]
        func row(_ entry: AuditEntry, _ note: String) -> String {
            "  \(entry.change.rawValue.padded(to: 9)) \(entry.kind.rawValue.padded(to: 10)) \(entry.path)\(note)"
        }
        lines.append("")
        lines.append("Outside the writable places (on a read-only root these writes fail; in overlayfs mode they land in RAM):")
        lines += outside.isEmpty ? ["  none"] : outside.map { row($0, $0.package.map { "  [\($0)]" } ?? "") }
        lines.append("")
        lines.append("Inside the writable places:")
        lines += inside.isEmpty ? ["  none"] : inside.map { row($0, "  (\($0.inside!))") }
        lines.append("")
        lines.append("Identity files the image ships (each machine must have its own):")
        lines += identity.isEmpty ? ["  none"] : identity.map { "  \($0.path): \($0.outcome)  [read by \($0.readBy)]" }
        let suggestions = self.suggestions
        guard !suggestions.isEmpty else { return lines.joined(separator: "\n") + "\n" }
        lines.append("")
        lines.append("Suggested lines (an rwtab line makes the place writable, lost at reboot; a statetab line keeps it in the state store):")
        for suggestion in suggestions {
            let name = suggestion.packages.first ?? "local"
            let owners = suggestion.packages.isEmpty ? "" : " (package \(suggestion.packages.joined(separator: ", ")))"
            lines.append("  # \(suggestion.written.count) written below \(suggestion.path)\(owners)")
            lines.append("  /etc/rwtab.d/\(name):     \(suggestion.rwtabLine)")
            if suggestion.keepAcrossReboots {
                lines.append("  /etc/statetab.d/\(name):  \(suggestion.path)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// Left-aligned in a column of `width` characters (the audit's rows, the applet list).
    public func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
