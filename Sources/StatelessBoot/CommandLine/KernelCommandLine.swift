/// One `key` or `key=value` word of a kernel command line.
public struct KernelParameter: Equatable, Sendable {
    public var key: String
    /// nil for a bare flag such as `ro` or `rd.break`; "" for `key=`.
    public var value: String?

    public init(_ key: String, _ value: String? = nil) {
        self.key = key
        self.value = value
    }
}

/// The kernel command line split into words the way the kernel itself splits it
/// (`next_arg` in kernel/params.c), so that an admin's quoting means the same to us as to
/// the kernel:
/// - words are separated by unquoted white space;
/// - a double quote toggles quoting anywhere in a word;
/// - `"key=value with spaces"` and `key="value with spaces"` both give the value without
///   its surrounding quotes; quotes elsewhere stay as they are;
/// - a lone `--` ends the kernel's part: what follows are arguments for init.
public struct KernelCommandLine: Equatable, Sendable {
    public var parameters: [KernelParameter]
    /// The words after `--`, passed to the real init.
    public var initArguments: [String]

    public init(parameters: [KernelParameter], initArguments: [String] = []) {
        self.parameters = parameters
        self.initArguments = initArguments
    }

    public init(parsing text: String) {
        var parameters: [KernelParameter] = []
        var initArguments: [String] = []
        var afterSeparator = false
        for word in Self.words(text) {
            if afterSeparator {
                initArguments.append(Self.stripQuotes(word))
            } else if word == "--" {
                afterSeparator = true
            } else {
                parameters.append(Self.parameter(word))
            }
        }
        self.init(parameters: parameters, initArguments: initArguments)
    }

    /// The last value given for `key` (later words override earlier ones, as the
    /// kernel's `__setup` handlers and dracut's `getarg` both behave).
    public func last(_ key: String) -> KernelParameter? {
        parameters.last { $0.key == key }
    }

    /// Every value given for `key`, in order (for options that accumulate, such as
    /// `rd.driver.blacklist`).
    public func all(_ key: String) -> [KernelParameter] {
        parameters.filter { $0.key == key }
    }

    static func isSpace(_ c: Character) -> Bool {
        c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0B}" || c == "\u{0C}"
    }

    /// Splits on white space outside double quotes; quotes are kept for `parameter`.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inQuote = false
        var started = false
        for c in text {
            if isSpace(c) && !inQuote {
                if started { words.append(current) }
                current = ""
                started = false
                continue
            }
            if c == "\"" { inQuote.toggle() }
            current.append(c)
            started = true
        }
        if started { words.append(current) }
        return words
    }

    static func stripQuotes(_ word: String) -> String {
        var word = Substring(word)
        if word.first == "\"" { word = word.dropFirst() }
        if word.last == "\"" { word = word.dropLast() }
        return String(word)
    }

    /// Mirrors the kernel: a leading quote opens a quote around the whole word; the value
    /// loses a leading quote and, with it, a trailing one.
    static func parameter(_ word: String) -> KernelParameter {
        var body = Substring(word)
        let wholeQuoted = body.first == "\""
        if wholeQuoted {
            body = body.dropFirst()
            if body.last == "\"" { body = body.dropLast() }
        }
        guard let equals = body.firstIndex(of: "=") else {
            return KernelParameter(String(body))
        }
        let key = String(body[..<equals])
        var value = body[body.index(after: equals)...]
        if value.first == "\"" {
            value = value.dropFirst()
            if value.last == "\"" { value = value.dropLast() }
        }
        return KernelParameter(key, String(value))
    }
}

extension KernelCommandLine {
    /// The command line the boot runs with: the image's `/etc/cmdline.d/*.conf` first,
    /// then the kernel's own, so that what the boot loader says wins (dracut reads them in
    /// the same order). Lines starting with `#` in the files are comments.
    public init(configFiles: [String], kernel: String) {
        let fromFiles = configFiles.flatMap { text in
            text.split(separator: "\n").filter { !$0.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#") }
        }
        self.init(parsing: (fromFiles.map(String.init) + [kernel]).joined(separator: " "))
    }
}
