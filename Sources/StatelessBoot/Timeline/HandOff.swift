/// The files under /run/stateless through which stages hand facts to each other, to
/// dracut hooks and to the booted system. Each is shell-sourceable `KEY=value`, so
/// `. /run/stateless/root.env` works in any sh.
public enum HandOff {
    public static let directory = "/run/stateless"
    public static let timeline = directory + "/timeline"
    public static let modulesLoaded = directory + "/modules.loaded"

    public static func path(_ name: String) -> String { directory + "/" + name + ".env" }

    /// Appends to modules.loaded, one name per line. The boot and the kernel's `modprobe`
    /// requests both append (O_APPEND, one write each), so neither loses the other's.
    /// A failure is a warning: the boot does not depend on the record.
    public static func recordLoadedModules(_ names: [String], log: Logger) {
        guard !names.isEmpty, Posix.exists(directory) else { return }
        do {
            try Posix.writeFile(modulesLoaded, names.map { $0 + "\n" }.joined(), append: true)
        } catch {
            log.warning("modules", "cannot record loaded modules: \(error)")
        }
    }

    /// `KEY=value` lines; values are single-quoted unless they need no quoting at all.
    public static func format(_ facts: [(String, String)]) -> String {
        facts.map { "\($0.0)=\(quote($0.1))\n" }.joined()
    }

    /// POSIX shell quoting: safe characters stay bare, anything else goes in single
    /// quotes, with each `'` written as `'\''`.
    public static func quote(_ value: String) -> String {
        let safe = value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-:,=@+%".contains($0)) }
        if safe && !value.isEmpty { return value }
        return "'" + value.replacingAll("'", with: "'\\''") + "'"
    }
}

/// One line of /run/stateless/timeline: `STAGE START END OUTCOME`, times in seconds of
/// uptime, so `sort -k2 -n` or a plot reads it directly.
public struct TimelineEntry: Equatable, Sendable {
    public var stage: String
    public var start: Uptime
    public var end: Uptime
    /// `ok`, or `failed`.
    public var outcome: String

    public init(stage: String, start: Uptime, end: Uptime, outcome: String) {
        self.stage = stage
        self.start = start
        self.end = end
        self.outcome = outcome
    }

    public var line: String { "\(stage) \(start) \(end) \(outcome)\n" }
}

extension String {
    /// Replaces every occurrence of `target`. Written out because Foundation's
    /// `replacingOccurrences` is not available in early boot and the standard library's
    /// `firstRange(of:)` would link the whole string-processing module (~1 MB).
    func replacingAll(_ target: String, with replacement: String) -> String {
        let pattern = Array(target)
        guard !pattern.isEmpty else { return self }
        let characters = Array(self)
        var result = ""
        var index = 0
        while index < characters.count {
            if index + pattern.count <= characters.count && Array(characters[index..<index + pattern.count]) == pattern {
                result += replacement
                index += pattern.count
            } else {
                result.append(characters[index])
                index += 1
            }
        }
        return result
    }
}
