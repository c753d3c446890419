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

/// The kernel command line split into words exactly the way the kernel splits it
/// (`parse_args` and `next_arg` in kernel/params.c and lib/cmdline.c), byte by byte, so
/// that an admin's quoting means the same to us as to the kernel:
/// - words are separated by unquoted white space, which for the kernel includes byte
///   0xA0 (its ctype table is Latin-1);
/// - a double quote toggles quoting anywhere in a word; an unterminated quote runs to the
///   end of the line;
/// - a word starting with `"` loses that quote and a trailing one; a value starting with
///   `"` loses it and a quote ending the word; other quotes stay;
/// - the key ends at the first `=` that is not the word's first character;
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
        self.init(parsing: Array(text.utf8))
    }

    /// From the raw bytes, as /proc/cmdline holds them: the kernel splits bytes, and a
    /// lone 0xA0 (not UTF-8) must split here too before any decoding.
    public init(parsing bytes: [UInt8]) {
        var parameters: [KernelParameter] = []
        var initArguments: [String] = []
        var index = Self.skipSpaces(bytes, from: 0)
        var afterSeparator = false
        while index < bytes.count {
            let (parameter, next) = Self.nextArgument(bytes, from: index)
            index = next
            if afterSeparator {
                // The kernel parses init's words once more, and that pass stops at `--` too.
                if parameter.value == nil && parameter.key == "--" { break }
                initArguments.append(parameter.value.map { parameter.key + "=" + $0 } ?? parameter.key)
            } else if parameter.value == nil && parameter.key == "--" {
                afterSeparator = true
            } else {
                parameters.append(parameter)
            }
        }
        self.init(parameters: parameters, initArguments: initArguments)
    }

    /// The kernel's `isspace`: its ctype table marks 9–13, 32 and 160 as space.
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 32 || (9...13).contains(byte) || byte == 0xA0
    }

    static func skipSpaces(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count && isSpace(bytes[index]) { index += 1 }
        return index
    }

    /// One word from `start` (not a space), as `next_arg` cuts it, and where the next
    /// word starts.
    static func nextArgument(_ bytes: [UInt8], from start: Int) -> (KernelParameter, Int) {
        let quote = UInt8(ascii: "\""), equalsSign = UInt8(ascii: "=")
        var begin = start
        var inQuote = false
        let quoted = bytes[begin] == quote
        if quoted {
            begin += 1
            inQuote = true
        }
        var end = begin
        var equals: Int?
        while end < bytes.count {
            if isSpace(bytes[end]) && !inQuote { break }
            if equals == nil && end > begin && bytes[end] == equalsSign { equals = end }
            if bytes[end] == quote { inQuote.toggle() }
            end += 1
        }
        // The kernel writes NULs over closing quotes; these are the ends it leaves.
        let closingQuote = quoted && end > begin && bytes[end - 1] == quote
        func text(_ from: Int, _ to: Int) -> String {
            from < to ? String(decoding: bytes[from..<to], as: UTF8.self) : ""
        }
        let parameter: KernelParameter
        if let equals {
            var valueStart = equals + 1
            var valueEnd = end
            if valueStart < end && bytes[valueStart] == quote {
                valueStart += 1
                if bytes[end - 1] == quote { valueEnd = end - 1 }
            }
            if closingQuote { valueEnd = min(valueEnd, end - 1) }
            parameter = KernelParameter(text(begin, equals), text(valueStart, valueEnd))
        } else {
            parameter = KernelParameter(text(begin, closingQuote ? end - 1 : end))
        }
        return (parameter, skipSpaces(bytes, from: end))
    }

    static func stripQuotes(_ word: String) -> String {
        var word = Substring(word)
        if word.first == "\"" { word = word.dropFirst() }
        if word.last == "\"" { word = word.dropLast() }
        return String(word)
    }
}

extension KernelCommandLine {
    /// The command line the boot runs with: the image's `/etc/cmdline.d/*.conf` first,
    /// then the kernel's own, so that what the boot loader says wins (dracut reads them in
    /// the same order). Lines starting with `#` in the files are comments. Each file is
    /// split on its own, so an unterminated quote in one cannot swallow the kernel's line.
    /// The newline that /proc/cmdline appends is not part of the kernel's line either.
    public init(configFiles: [String], kernel: String) {
        self.init(configFiles: configFiles, kernel: Array(kernel.utf8))
    }

    public init(configFiles: [String], kernel: [UInt8]) {
        var kernelLine = kernel[...]
        if kernelLine.last == UInt8(ascii: "\n") { kernelLine = kernelLine.dropLast() }
        let fromFiles = configFiles.flatMap { text in
            let lines = text.split(separator: "\n").filter { !$0.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#") }
            return KernelCommandLine(parsing: lines.joined(separator: " ")).parameters
        }
        let fromKernel = KernelCommandLine(parsing: Array(kernelLine))
        self.init(parameters: fromFiles + fromKernel.parameters, initArguments: fromKernel.initArguments)
    }
}
