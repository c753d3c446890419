/// One kernel command-line option, declared once: its key and aliases, what its value
/// looks like, its default, one line of doc, the stage that reads it, and whether the
/// fallback after a fatal error honours it. The parsers read an option only through its
/// declaration (`KernelCommandLine.last(_:)`, `seconds(_:)`, …); `stateless cmdline
/// --options` prints the table that stateless.cmdline(7), docs/kernel-command-line.md and
/// the dracut module's checks are made from.
public struct KernelOption: Hashable, Sendable {
    /// What the value looks like; the typed readers check it.
    public enum Value: Hashable, Sendable {
        /// Bare, or 0/1 (no/yes, false/true, off/on): dracut's booleans.
        case flag
        /// Whole seconds in the range: every wait has a bound, so 0 only where it means
        /// "no retries".
        case seconds(ClosedRange<Int>)
        /// One of these words.
        case choice([String])
        /// A value of its own grammar, parsed by the option's own parser: its forms.
        case forms(String)
        /// Comma-separated kernel module names; repeatable, the values add up.
        case modules
    }

    /// Where the option comes from: whose documentation it follows.
    public enum Origin: String, Sendable {
        case stateless, dracut, kernel, systemd
    }

    /// The section of the option reference it is listed in.
    public enum Section: String, CaseIterable, Sendable {
        case boot = "The boot and its failures"
        case root = "The root"
        case writable = "Writable places and the machine's state"
        case network = "The network"
        case iscsi = "iSCSI roots"
        case live = "Live media"
        case cache = "Cached clients and verified images"
    }

    public let key: String
    /// Other keys that mean the same; with several given, the last word counts.
    public let aliases: [String]
    public let value: Value
    /// As the reference shows it; empty when there is none or it depends (the doc says).
    public let defaultValue: String
    public let doc: String
    public let stage: Stage
    public let origin: Origin
    public let section: Section
    /// Honoured by `BootOptions(fallbackFrom:)`, the options read when the command line as
    /// a whole failed to parse: what the fallback itself needs.
    public let fallback: Bool

    init(_ key: String, aliases: [String] = [], _ value: Value, default defaultValue: String = "", _ doc: String,
         stage: Stage, origin: Origin, section: Section, fallback: Bool = false) {
        (self.key, self.aliases, self.value, self.defaultValue, self.doc) = (key, aliases, value, defaultValue, doc)
        (self.stage, self.origin, self.section, self.fallback) = (stage, origin, section, fallback)
    }

    /// Every key that names this option.
    public var keys: [String] { [key] + aliases }

    /// The value's form as the reference prints it.
    public var form: String {
        switch value {
        case .flag: return "[=0|1]"
        case .seconds(let range): return "=SECONDS (\(range.lowerBound)–\(range.upperBound))"
        case .choice(let words): return "=" + words.joined(separator: "|")
        case .forms(let forms): return "=" + forms
        case .modules: return "=MODULE[,MODULE…]"
        }
    }

    /// The default as a number, for options whose default is one.
    public var defaultSeconds: Int { Int(defaultValue) ?? 0 }
}

extension KernelCommandLine {
    /// The last value given for `option` under any of its keys (later words override
    /// earlier ones, as the kernel's `__setup` handlers and dracut's `getarg` behave).
    public func last(_ option: KernelOption) -> KernelParameter? {
        let keys = option.keys
        return parameters.last { keys.contains($0.key) }
    }

    /// Every value given for `option`, in order (options that accumulate).
    public func all(_ option: KernelOption) -> [KernelParameter] {
        let keys = option.keys
        return parameters.filter { keys.contains($0.key) }
    }

    /// A `.flag` option: nil when absent.
    public func flag(_ option: KernelOption) throws -> Bool? {
        try last(option).map(BootOptions.boolean)
    }

    /// A `.seconds` option, checked against its range: nil when absent.
    public func seconds(_ option: KernelOption) throws -> Int? {
        guard let parameter = last(option) else { return nil }
        guard case .seconds(let range) = option.value else { preconditionFailure("\(option.key) is not read as seconds") }
        return try BootOptions.seconds(parameter, range: range)
    }

    /// A `.choice` option as the enumeration whose raw values are its words: nil when absent.
    public func choice<T: RawRepresentable & CaseIterable>(_ option: KernelOption) throws -> T? where T.RawValue == String {
        try last(option).map(BootOptions.keyword)
    }

    /// A `.modules` option: every value's names, normalised.
    public func modules(_ option: KernelOption) throws -> [String] {
        try all(option).flatMap(BootOptions.moduleList)
    }
}
