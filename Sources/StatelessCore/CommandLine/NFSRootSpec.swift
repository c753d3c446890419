/// An NFS root as the command line or a DHCP root-path names it, before the network is up.
/// NFSMountPlan turns it into mount(2) calls once the address and server are known.
///
/// The forms admins copy from dracut.cmdline(7) and the kernel's nfsroot.rst:
/// - `root=nfs:[<server>:]<path>[:<options>]`, `root=nfs4:…`, `netroot=nfs:…`, and a DHCP
///   root-path in the same form with or without the `nfs:` prefix (dracut's
///   `nfsroot_to_var`: the server is what comes before the first `:/`; a `,` in the path
///   starts the options, the kernel's legacy separator);
/// - `nfs://<server>[:<port>]/<path>` (RFC 2224, as dracut reads it);
/// - the kernel's `nfsroot=[<server>:]<path>[,<options>]` with `root=/dev/nfs`.
///
/// The path may name the machine: the first `%s` becomes the host name, or the client's
/// address without one (the kernel and dracut), and `${ip}`, `${mac}` (`aa-bb-…`, as
/// PXELINUX names per-machine files) and `${hostname}` are ours. A missing server comes
/// from `ip=`'s `<server-IP>` or the lease (next-server, then the server identifier).
public struct NFSRootSpec: Equatable, Sendable, CustomStringConvertible {
    public enum Version: String, Equatable, Sendable {
        /// `nfs:`: what `mount -t nfs` (dracut's) does: NFSv4 first, NFSv3 when the server
        /// has no v4, unless the options name a version.
        case nfs
        /// `nfs4:`: NFSv4, the minor version negotiated.
        case nfs4
    }

    public var version: Version
    /// An IPv4 address or a host name; nil when the network must say.
    public var server: String?
    /// Absolute; may hold `%s`, `${ip}`, `${mac}`, `${hostname}`.
    public var path: String
    /// Mount options as written, in order.
    public var options: [String]
    /// `nfs://server:port/`.
    public var port: Int?

    /// In dracut's form, for log lines: `nfs4:10.0.2.2:/srv/root:vers=4.1`.
    public var description: String {
        "\(version.rawValue):\(server.map { $0 + ":" } ?? "")\(path)" + (options.isEmpty ? "" : ":" + options.joined(separator: ","))
    }

    static let forms = "nfs:[<server>:]<path>[:<options>], nfs4:…, or nfs://<server>[:<port>]/<path>"

    /// `root=nfs:…`, `nfs4:…`, `nfs://…`, `netroot=`, or a DHCP root-path (`nfs:` optional
    /// there: `allowBare`).
    package static func parse(_ value: String, option: String, allowBare: Bool = false) throws -> NFSRootSpec {
        func fail(_ expected: String) -> OptionError { OptionError(option: option, value: value, expected: expected) }
        if value.hasPrefix("nfs://") { return try url(value, fail) }
        var rest = Substring(value)
        var version = Version.nfs
        if rest.hasPrefix("nfs4:") {
            version = .nfs4
            rest = rest.dropFirst(5)
        } else if rest.hasPrefix("nfs:") {
            rest = rest.dropFirst(4)
        } else if !allowBare {
            throw fail(forms)
        }
        var server: Substring?
        if let colon = serverColon(in: rest) {
            server = rest[..<colon]
            rest = rest[rest.index(after: colon)...]
        }
        let colon = rest.firstIndex(of: ":") ?? rest.endIndex
        var path = rest[..<colon]
        var options = colon == rest.endIndex ? "" : rest[rest.index(after: colon)...]
        if let comma = path.firstIndex(of: ",") {  // the kernel's legacy separator
            options = path[path.index(after: comma)...] + (options.isEmpty ? "" : "," + options)
            path = path[..<comma]
        }
        let words = try optionList(options, fail)
        return NFSRootSpec(version: pinned(version, by: words), server: try server.map { try host($0, fail) },
                           path: try checkedPath(path, fail), options: words, port: nil)
    }

    /// The `:` of the first `:/`, which ends the server in dracut's forms. (Not a substring
    /// search: that would link the standard library's string-processing module.)
    static func serverColon(in text: Substring) -> Substring.Index? {
        text.indices.first { text[$0] == ":" && text[text.index(after: $0)...].first == "/" }
    }

    /// The kernel's `nfsroot=[<server>:]<path>[,<options>]`.
    package static func kernel(_ value: String) throws -> NFSRootSpec {
        func fail(_ expected: String) -> OptionError { OptionError(option: "nfsroot", value: value, expected: expected) }
        var rest = Substring(value)
        var server: Substring?
        if let colon = rest.firstIndex(of: ":") {
            server = rest[..<colon]
            rest = rest[rest.index(after: colon)...]
        }
        let comma = rest.firstIndex(of: ",") ?? rest.endIndex
        let options = comma == rest.endIndex ? "" : rest[rest.index(after: comma)...]
        guard rest.first == "/" else { throw fail("[<server-ip>:]<root-dir>[,<nfs-options>] with an absolute <root-dir>") }
        let words = try optionList(options, fail)
        return NFSRootSpec(version: pinned(.nfs, by: words), server: try server.map { try host($0, fail) },
                           path: try checkedPath(rest[..<comma], fail), options: words, port: nil)
    }

    /// `nfs4` when the options pin NFSv4 (`vers=4…`), so the spec reads as it mounts.
    static func pinned(_ version: Version, by options: [String]) -> Version {
        options.contains { $0.hasPrefix("vers=4") || $0.hasPrefix("nfsvers=4") } ? .nfs4 : version
    }

    /// RFC 2224: `nfs://server[:port]/path`.
    package static func url(_ value: String, _ fail: (String) -> OptionError) throws -> NFSRootSpec {
        let rest = value.dropFirst("nfs://".count)
        guard let slash = rest.firstIndex(of: "/") else { throw fail("nfs://<server>[:<port>]/<path>") }
        var authority = rest[..<slash]
        var port: Int?
        if let colon = authority.firstIndex(of: ":") {
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65535).contains(number) else {
                throw fail("nfs://<server>[:<port>]/<path> with a port from 1 to 65535")
            }
            port = number
            authority = authority[..<colon]
        }
        return NFSRootSpec(version: .nfs, server: try host(authority, fail), path: try checkedPath(rest[slash...], fail),
                           options: [], port: port)
    }

    /// An IPv4 address or a DNS name; IPv6 is refused with that reason.
    package static func host(_ text: Substring, _ fail: (String) -> OptionError) throws -> String {
        if text.first == "[" || text.firstIndex(of: ":") != nil { throw fail("an IPv4 server: IPv6 is not supported yet") }
        guard !text.isEmpty, text.utf8.count <= 253, text.first != "-", text.first != ".",
              text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") })
        else { throw fail("a server address or host name before the path, found \(text)") }
        return String(text)
    }

    static func checkedPath(_ text: Substring, _ fail: (String) -> OptionError) throws -> String {
        guard text.first == "/", text.utf8.count <= 1024,
              text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7f })
        else { throw fail("an absolute export path (\(forms))") }
        return String(text)
    }

    /// Comma-separated `name` or `name=value` words, as mount(8) takes them.
    static func optionList(_ text: Substring, _ fail: (String) -> OptionError) throws -> [String] {
        try text.split(separator: ",", omittingEmptySubsequences: true).map { word in
            guard word.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "=_-./".contains($0)) }), word.first != "=" else {
                throw fail("NFS mount options such as vers=4.2,timeo=14, found \(word)")
            }
            return String(word)
        }
    }

    /// The path for this machine: the first `%s` (host name, else address), then every
    /// `${ip}`, `${mac}` and `${hostname}` (the address without a host name).
    public func expandedPath(address: IPv4Address, mac: MACAddress, hostname: String?) -> String {
        let name = hostname ?? address.description
        var result = path
        if let percent = result.indices.first(where: { result[$0] == "%" && result[result.index(after: $0)...].first == "s" }) {
            result.replaceSubrange(percent...result.index(after: percent), with: name)
        }
        for (token, value) in [("${ip}", address.description), ("${mac}", mac.bytes.colonHex.replacingAll(":", with: "-")),
                               ("${hostname}", name)] {
            result = result.replacingAll(token, with: value)
        }
        return result
    }
}
