/// Fedora's `/etc/sysconfig/readonly-root` (shell assignments), read from the root.
/// Honoured only when it says `READONLY=yes`, as Fedora's own scripts do; the command
/// line's `stateless.state=` wins over it. What is used:
///
/// - `TEMPORARY_STATE=yes`: the state store is a tmpfs.
/// - `STATE_LABEL=`: the store is the filesystem with this label.
/// - `STATE_MOUNT=`: the store is also visible at this directory of the root (when the
///   image has it), where Fedora mounts it.
/// - `RW_LABEL=`: the scratch filesystem (LocalStorage), unless `stateless.scratch=` names one.
/// - `RW_MOUNT=`: reported as not used (our copies live in /run/stateless/writable).
/// - `RW_OPTIONS=`: parsed, not used (the scratch is mounted with its defaults).
/// - `SLAVE_MOUNTS`, `STATE_OPTIONS`: not used (mount propagation and extra options of
///   Fedora's own mount calls).
public struct ReadonlyRootConfig: Equatable, Sendable {
    public var readonly = false
    public var temporaryState = false
    public var stateLabel: String?
    public var stateMount: String?
    public var rwMount: String?
    public var rwLabel: String?
    public var rwOptions: String?

    public static let path = "/etc/sysconfig/readonly-root"

    public init() {}

    /// Parses the file. Lines that are not `KEY=value` (optionally `export KEY=value`,
    /// with `"…"` or `'…'` quoting and a trailing `# comment`) become warnings.
    public static func parse(_ text: String, source: String = path) -> (config: ReadonlyRootConfig, warnings: [String]) {
        var config = ReadonlyRootConfig()
        var warnings: [String] = []
        for (number, line) in Rwtab.meaningfulLines(text) {
            var assignment = line
            if assignment.hasPrefix("export ") { assignment = Rwtab.trimmed(assignment.dropFirst("export ".count)) }
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex,
                  assignment[..<equals].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }),
                  let value = shellValue(assignment[assignment.index(after: equals)...])
            else {
                warnings.append("\(source):\(number): expected KEY=value, found \"\(line)\"")
                continue
            }
            let key = String(assignment[..<equals])
            let yes = ["yes", "true", "1"].contains(value.lowercased())
            switch key {
            case "READONLY": config.readonly = yes
            case "TEMPORARY_STATE": config.temporaryState = yes
            case "STATE_LABEL": config.stateLabel = value.isEmpty ? nil : value
            case "STATE_MOUNT": config.stateMount = value.isEmpty ? nil : Rwtab.normalizedPath(value)
            case "RW_MOUNT": config.rwMount = value.isEmpty ? nil : Rwtab.normalizedPath(value)
            case "RW_LABEL": config.rwLabel = value.isEmpty ? nil : value
            case "RW_OPTIONS": config.rwOptions = value.isEmpty ? nil : value
            default: break
            }
        }
        return (config, warnings)
    }

    /// A shell word as the readonly-root files write them: bare (up to a ` #` comment),
    /// `"double"` or `'single'` quoted. Nil when a quote is not closed or text follows it.
    static func shellValue(_ text: Substring) -> String? {
        guard let quote = text.first, quote == "\"" || quote == "'" else {
            let bare = text.prefix { !Rwtab.isBlank($0) }
            let rest = Rwtab.trimmed(text.dropFirst(bare.count))
            return rest.isEmpty || rest.hasPrefix("#") ? String(bare) : nil
        }
        let inside = text.dropFirst()
        guard let close = inside.firstIndex(of: quote) else { return nil }
        let rest = Rwtab.trimmed(inside[inside.index(after: close)...])
        return rest.isEmpty || rest.hasPrefix("#") ? String(inside[..<close]) : nil
    }
}
