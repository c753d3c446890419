import StatelessCore

/// The two ends of one HTTP/1.1 exchange a fetch needs: the GET it sends (with a Range
/// to resume) and the head of the response it reads. Pure codecs, no I/O.
public enum HTTPRequest {
    /// `GET` with `Connection: close` (one exchange per connection: a resumed fetch opens
    /// a new one anyway), and `Range: bytes=<offset>-` when resuming, or
    /// `bytes=<offset>-<last>` for a part of the file (a cache's missing chunks).
    public static func get(_ url: HTTPURL, from offset: Int64 = 0, through last: Int64? = nil) -> [UInt8] {
        var text = "GET \(url.target) HTTP/1.1\r\nHost: \(url.host)"
        if url.port != (url.scheme == .https ? 443 : 80) { text += ":\(url.port)" }
        text += "\r\nUser-Agent: stateless\r\nAccept: */*\r\nAccept-Encoding: identity\r\nConnection: close\r\n"
        if offset > 0 || last != nil { text += "Range: bytes=\(offset)-\(last.map(String.init) ?? "")\r\n" }
        return Array((text + "\r\n").utf8)
    }
}

/// A response's status line and the header fields a download acts on.
public struct HTTPResponseHead: Equatable, Sendable {
    public var status: Int
    public var reason: String
    /// Content-Length: the body's length (of this response, not of the file when 206).
    public var contentLength: Int64?
    /// Content-Range of a 206 (`bytes first-last/total`) or a 416 (`bytes */total`).
    public var range: ContentRange?
    public var chunked = false
    public var location: String?

    public struct ContentRange: Equatable, Sendable {
        /// Nil in a 416's `bytes */total`.
        public var first: Int64?
        public var last: Int64?
        public var total: Int64?
    }

    /// The longest head read: a server sending more is not one a boot should trust.
    public static let maximumSize = 16 * 1024

    public enum ParseError: Error, Equatable { case statusLine(String), field(String), conflict(String) }

    /// Where the head ends in `bytes` (the index after `\r\n\r\n`), or nil while incomplete.
    public static func end(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count where bytes[index] == 10 && bytes[index - 1] == 13 && bytes[index - 2] == 10 && bytes[index - 3] == 13 {
            return index + 1
        }
        return nil
    }

    /// Parses the head (without the blank line that ends it).
    public init(parsing head: ArraySlice<UInt8>) throws {
        var lines = head.split(separator: 10, omittingEmptySubsequences: false).map { line -> String in
            String(decoding: line.last == 13 ? line.dropLast() : line, as: UTF8.self)
        }
        while lines.last == "" { lines.removeLast() }
        guard let first = lines.first else { throw ParseError.statusLine("") }
        let parts = first.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "HTTP/1.1" || parts[0] == "HTTP/1.0",
              parts[1].count == 3, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let status = Int(parts[1]),
              status >= 100
        else { throw ParseError.statusLine(String(first.prefix(80))) }
        self.status = status
        reason = parts.count > 2 ? String(parts[2].prefix(80)) : ""
        for line in lines.dropFirst() {
            // A folded line (RFC 9112 5.2 obsoletes it) or one without a colon is refused.
            guard let colon = line.firstIndex(of: ":"), line.first != " ", line.first != "\t" else {
                throw ParseError.field(String(line.prefix(80)))
            }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces
            switch name {
            case "content-length":
                guard let length = Self.decimal(value) else { throw ParseError.field(String(line.prefix(80))) }
                if let known = contentLength, known != length { throw ParseError.conflict("two Content-Length values") }
                contentLength = length
            case "content-range":
                guard let range = Self.contentRange(value) else { throw ParseError.field(String(line.prefix(80))) }
                self.range = range
            case "transfer-encoding":
                chunked = value.lowercased().split(separator: ",").last.map { $0.trimmingSpaces == "chunked" } ?? false
            case "location":
                location = String(value)
            default: break
            }
        }
    }

    /// Digits only, at most 18 of them (no sign, no overflow).
    package static func decimal(_ text: Substring) -> Int64? {
        guard (1...18).contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(text)
    }

    /// `bytes 100-199/1000`, `bytes 100-199/*`, `bytes */1000`.
    static func contentRange(_ text: Substring) -> ContentRange? {
        guard text.hasPrefix("bytes ") else { return nil }
        let spec = text.dropFirst(6).split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard spec.count == 2 else { return nil }
        let total = spec[1] == "*" ? nil : decimal(spec[1])
        guard spec[1] == "*" || total != nil else { return nil }
        if spec[0] == "*" { return total == nil ? nil : ContentRange(first: nil, last: nil, total: total) }
        let bounds = spec[0].split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard bounds.count == 2, let first = decimal(bounds[0]), let last = decimal(bounds[1]), first <= last,
              total.map({ last < $0 }) ?? true
        else { return nil }
        return ContentRange(first: first, last: last, total: total)
    }
}
