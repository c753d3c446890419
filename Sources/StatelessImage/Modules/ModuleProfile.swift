/// A module profile: which kernel modules an image carries, as globs over paths relative
/// to `lib/modules/VERSION/kernel/`.
///
/// Syntax, one entry per line:
///
///     # comment (also after an entry, preceded by whitespace)
///     drivers/block/virtio_blk.ko     required: must match at least one module
///     ?drivers/net/vmxnet3/*          optional: may match nothing (kernels differ)
///     !fs/nfs/blocklayout/**          exclude what earlier lines selected
///
/// `*` and `?` match within one path component, `**` matches across components (and
/// `**/` also matches no directory at all). A required line that matches nothing is an
/// error naming the line: a profile that silently loses its disk driver when a kernel
/// moves a file is a machine that does not boot.
public struct ModuleProfile: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public enum Action: Equatable, Sendable { case include, exclude }
        public var pattern: String
        public var action: Action
        public var optional: Bool
        public var line: Int
    }

    /// Where the profile came from, for error messages.
    public var source: String
    public var entries: [Entry]

    public init(source: String, entries: [Entry]) {
        self.source = source
        self.entries = entries
    }

    /// Parses profile text.
    public static func parse(_ text: String, source: String) throws -> ModuleProfile {
        var entries: [Entry] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#"), hash == line.startIndex || line[line.index(before: hash)].isWhitespace {
                line = line[..<hash]
            }
            var word = String(line).trimmingSpaces.replacingTabs
            guard !word.isEmpty else { continue }
            var action = Entry.Action.include
            var optional = false
            if word.hasPrefix("!") {
                action = .exclude
                word.removeFirst()
            } else if word.hasPrefix("?") {
                optional = true
                word.removeFirst()
            }
            word = word.trimmingSpaces
            guard !word.isEmpty, !word.contains(" ") else {
                throw ImageError("read module profile", "\(source) line \(index + 1)", "expected one glob, found '\(String(rawLine))'")
            }
            if word.hasPrefix("/") { word.removeFirst() }
            entries.append(Entry(pattern: word, action: action, optional: optional, line: index + 1))
        }
        return ModuleProfile(source: source, entries: entries)
    }

    /// The module paths (relative to `kernel/`) the profile selects from `available`,
    /// sorted. Throws if a required include line matches nothing.
    public func select(from available: [String]) throws -> [String] {
        let unmatched = entries.filter { entry in
            entry.action == .include && !entry.optional && !available.contains { Glob.matches(entry.pattern, $0) }
        }
        if !unmatched.isEmpty {
            let lines = unmatched.map { "line \($0.line) '\($0.pattern)'" }.joined(separator: ", ")
            throw ImageError("apply module profile", source,
                             "\(lines) \(unmatched.count == 1 ? "matches" : "match") no module (prefix a line with '?' to make it optional)")
        }
        return available.filter(admits).sorted()
    }

    /// Whether the profile takes the module at `path`: the last line matching it decides,
    /// so an exclude removes what earlier lines included and a later include brings it
    /// back. `--hostonly` uses this to keep only the host's modules in classes a boot needs.
    public func admits(_ path: String) -> Bool {
        entries.last { Glob.matches($0.pattern, path) }?.action == .include
    }
}

/// Path globbing for profiles: `*`, `?`, and `**`.
public enum Glob {
    public static func matches(_ pattern: String, _ path: String) -> Bool {
        match(Array(pattern.utf8), 0, Array(path.utf8), 0)
    }

    private static let slash = UInt8(ascii: "/")
    private static let star = UInt8(ascii: "*")
    private static let question = UInt8(ascii: "?")

    private static func match(_ p: [UInt8], _ pi: Int, _ s: [UInt8], _ si: Int) -> Bool {
        var pi = pi, si = si
        while pi < p.count {
            let c = p[pi]
            if c == star {
                if pi + 1 < p.count && p[pi + 1] == star {
                    // `**`: any run of characters, slashes included; `**/` may also be empty.
                    let next = pi + 2
                    if next < p.count && p[next] == slash {
                        if match(p, next + 1, s, si) { return true }
                    }
                    for end in si...s.count where match(p, next, s, end) {
                        return true
                    }
                    return false
                }
                // `*`: any run within this component.
                var end = si
                while true {
                    if match(p, pi + 1, s, end) { return true }
                    guard end < s.count, s[end] != slash else { return false }
                    end += 1
                }
            }
            guard si < s.count else { return false }
            if c == question {
                guard s[si] != slash else { return false }
            } else if c != s[si] {
                return false
            }
            pi += 1
            si += 1
        }
        return si == s.count
    }
}

extension String {
    var replacingTabs: String { String(map { $0 == "\t" ? " " : $0 }) }
}
