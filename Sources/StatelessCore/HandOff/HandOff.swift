/// The files under /run/stateless through which stages hand facts to each other, to
/// dracut hooks and to the booted system. Each is shell-sourceable `KEY=value`, so
/// `. /run/stateless/root.env` works in any sh.
public enum HandOff {
    public static let directory = "/run/stateless"
    public static let timeline = directory + "/timeline"
    public static let modulesLoaded = directory + "/modules.loaded"

    public static func path(_ name: String) -> String { directory + "/" + name + ".env" }

    /// `KEY=value` lines; values are single-quoted unless they need no quoting at all.
    public static func format(_ facts: [(String, String)]) -> String {
        facts.map { "\($0.0)=\(quote($0.1))\n" }.joined()
    }

    /// The facts of a file `format` wrote, as `. FILE` in sh would set them: a value is
    /// bare or single-quoted (`'\''` for a quote) and may span lines inside quotes. A
    /// line without `KEY=` is skipped: a later stage reads what an earlier one wrote, and
    /// a hand-edited line must not stop the boot.
    public static func parse(_ text: String) -> [String: String] {
        var facts: [String: String] = [:]
        var rest = Substring(text)
        while !rest.isEmpty {
            let lineEnd = rest.firstIndex(of: "\n") ?? rest.endIndex
            guard let equals = rest[..<lineEnd].firstIndex(of: "="), !rest[..<equals].isEmpty,
                  rest[..<equals].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            else {
                rest = rest[lineEnd...].dropFirst()
                continue
            }
            let key = String(rest[..<equals])
            var value = ""
            var index = rest.index(after: equals)
            while index < rest.endIndex, rest[index] != "\n" {
                if rest[index] == "'" {
                    let quoted = rest[rest.index(after: index)...]
                    let close = quoted.firstIndex(of: "'") ?? rest.endIndex
                    value += quoted[..<close]
                    index = close == rest.endIndex ? close : rest.index(after: close)
                } else if rest[index] == "\\", rest.index(after: index) < rest.endIndex {
                    index = rest.index(after: index)
                    value.append(rest[index])
                    index = rest.index(after: index)
                } else {
                    value.append(rest[index])
                    index = rest.index(after: index)
                }
            }
            facts[key] = value
            rest = rest[index...].dropFirst()
        }
        return facts
    }

    /// POSIX shell quoting: safe characters stay bare, anything else goes in single
    /// quotes, with each `'` written as `'\''`.
    public static func quote(_ value: String) -> String {
        let safe = value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-:,=@+%".contains($0)) }
        if safe && !value.isEmpty { return value }
        return "'" + value.replacingAll("'", with: "'\\''") + "'"
    }
}

/// One line of /run/stateless/timeline: `NAME START END OUTCOME [DETAIL…]`, times in
/// seconds of uptime, so `sort -k2 -n` or a plot reads it directly. A stage's line is
/// named after the stage (`root`, `exec-init`); the spans inside stages are named
/// `KIND:WHAT` (`module:ext4`, `modprobe:fs-xfs`, `wait`, `net:dhcp:ens3`), with what explains them in
/// DETAIL (why a module loaded, what a wait waited for and the option bounding it).
public struct TimelineEntry: Equatable, Sendable {
    public var name: String
    public var start: Uptime
    public var end: Uptime
    /// `ok`, `failed`, or for a wait `timeout`.
    public var outcome: String
    public var detail: String?

    public init(stage name: String, start: Uptime, end: Uptime, outcome: String, detail: String? = nil) {
        self.name = name
        self.start = start
        self.end = end
        self.outcome = outcome
        self.detail = detail
    }

    /// A module's load: from the worker's start to the module live (or failed).
    public static func module(_ module: String, start: Uptime, end: Uptime, outcome: String, reason: String) -> TimelineEntry {
        TimelineEntry(stage: "module:" + module, start: start, end: end, outcome: outcome, detail: reason)
    }

    /// A bounded wait: what was waited for, and the option bounding it.
    public static func wait(_ what: String, option: String, start: Uptime, end: Uptime, outcome: String) -> TimelineEntry {
        TimelineEntry(stage: "wait", start: start, end: end, outcome: outcome, detail: "\(what) (\(option))")
    }

    public var line: String {
        let words = [name, "\(start)", "\(end)", outcome] + (detail.map { [$0.replacingAll("\n", with: " ")] } ?? [])
        return words.joined(separator: " ") + "\n"
    }

    /// A stage's line, not a span inside one.
    public var isStage: Bool { !name.contains(":") && name != "wait" }

    public var seconds: Double { Double(end.nanoseconds - start.nanoseconds) / 1e9 }

    /// The entries of a timeline file; lines that are not entries are skipped.
    public static func parse(_ text: String) -> [TimelineEntry] {
        text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: true)
            guard words.count >= 4, let start = Uptime(seconds: words[1]), let end = Uptime(seconds: words[2]) else { return nil }
            return TimelineEntry(stage: String(words[0]), start: start, end: end, outcome: String(words[3]),
                                 detail: words.count > 4 ? String(words[4]) : nil)
        }
    }
}
