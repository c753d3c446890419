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
