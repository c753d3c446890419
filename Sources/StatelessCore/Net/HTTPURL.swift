/// An `http://` URL as a live root names it (`root=live:http://10.0.0.1:8080/LiveOS/squashfs.img`).
/// Strict on purpose: the text comes from the command line or a DHCP server, and it ends
/// up in a request line, so anything that could split or bend that line is refused.
public struct HTTPURL: Equatable, Sendable, CustomStringConvertible {
    public enum Scheme: String, Sendable { case http, https }

    public var scheme: Scheme
    /// An IPv4 address or a DNS name, as written (lower-cased).
    public var host: String
    public var port: UInt16
    /// Starts with `/`; the query, if any, included. Sent as it is (already %-encoded).
    public var target: String

    public var description: String {
        let defaultPort: UInt16 = scheme == .http ? 80 : 443
        return "\(scheme.rawValue)://\(host)\(port == defaultPort ? "" : ":\(port)")\(target)"
    }

    /// The path's last component, without the query: the file name to store it under.
    public var fileName: String {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard path.last != "/" else { return "" }
        return String(path.split(separator: "/").last ?? "")
    }

    /// The same server, another target: `<url>.sha256` beside the image.
    public func appending(_ suffix: String) -> HTTPURL {
        var copy = self
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        copy.target = String(parts[0]) + suffix + (parts.count > 1 ? "?" + parts[1] : "")
        return copy
    }

    /// The same directory, another file: `NAME.manifest` beside `NAME.squashfs`.
    public func sibling(_ fileName: String) -> HTTPURL {
        var copy = self
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        copy.target = String(path[...(path.lastIndex(of: "/") ?? path.startIndex)]) + fileName
        return copy
    }

    public static func isURL(_ text: String) -> Bool { text.hasPrefix("http://") || text.hasPrefix("https://") }

    /// Nil for anything but `http[s]://host[:port]/path`: no user info, no fragment, no
    /// spaces or control characters, a port in 1…65535, a path naming a file.
    public init?(parsing text: String) {
        let scheme: Scheme
        let rest: Substring
        if text.hasPrefix("http://") { scheme = .http; rest = text.dropFirst(7) }
        else if text.hasPrefix("https://") { scheme = .https; rest = text.dropFirst(8) }
        else { return nil }
        guard text.utf8.count <= 2048,
              rest.allSatisfy({ $0.isASCII && $0 > " " && $0 != "\u{7f}" && $0 != "#" && $0 != "\\" }),
              let slash = rest.firstIndex(of: "/")
        else { return nil }
        let authority = rest[..<slash]
        guard !authority.isEmpty, !authority.contains(where: { $0 == "@" || $0 == "[" }) else { return nil }
        var host = authority
        var port: UInt16 = scheme == .http ? 80 : 443
        if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            let digits = authority[authority.index(after: colon)...]
            guard (1...5).contains(digits.count), digits.allSatisfy({ $0.isNumber }),
                  let value = UInt16(digits), value > 0 else { return nil }
            port = value
        }
        guard Self.isHostName(host) else { return nil }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port
        target = String(rest[slash...])
        guard !fileName.isEmpty, fileName != ".", fileName != ".." else { return nil }
    }

    /// A DNS name or a dotted IPv4 address: letters, digits, `-` and `.`, labels of 1…63.
    static func isHostName(_ host: Substring) -> Bool {
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return (1...253).contains(host.utf8.count) && labels.allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// The host as an IPv4 address when it is one.
    public var address: IPv4Address? { IPv4Address(parsing: host) }
}
