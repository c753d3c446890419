/// An iSCSI root as the command line, a DHCP root-path or the firmware (iBFT) names it.
/// The root stage logs in with libiscsi and serves the LUN to the kernel on /dev/nbdN
/// (Root/ISCSI/), so no iscsid or iscsiadm is involved.
///
/// The forms admins copy from dracut.cmdline(7) and libiscsi:
/// - `netroot=iscsi:[<user>:<pass>[:<in-user>:<in-pass>]@]<server>:[<protocol>]:[<port>]:[<lun>]:<target>`
///   (also `root=iscsi:…` and a DHCP root-path); dracut's optional `<iface>:<netdev>`
///   fields before the LUN are accepted and ignored. Several `netroot=iscsi:` for one target
///   are several portals to fail over between.
/// - `iscsi://[<user>[%<pass>]@]<host>[:<port>]/<target>/<lun>` (libiscsi's URL; `:` for
///   `%` too), with `?target_user=…&target_password=…` for the credentials the target
///   proves itself with (`header_digest=` is accepted and left to negotiation).
/// - `rd.iscsi.target.name=`/`.ip=`/`.port=`/`.lun=`, with `rd.iscsi.username=`,
///   `password=`, `in.username=`, `in.password=` and `rd.iscsi.initiator=`.
///
/// A missing target name means SendTargets discovery on the portal; a missing LUN, the
/// lowest LUN that is a disk (a tgt target's LUN 0 is its controller).
public struct ISCSIRootSpec: Equatable, Sendable, CustomStringConvertible {
    public struct Portal: Hashable, Sendable, CustomStringConvertible {
        /// An IPv4 address: the initramfs has no resolver.
        public var host: String
        public var port: Int = 3260
        public init(host: String, port: Int = 3260) {
            self.host = host
            self.port = port
        }
        public var description: String { "\(host):\(port)" }
    }

    /// CHAP: `username`/`password` prove the initiator to the target; the `target…` pair,
    /// when set, is what the target must prove itself with (mutual CHAP).
    public struct CHAP: Equatable, Sendable {
        public var username: String
        public var password: String
        public var targetUsername: String?
        public var targetPassword: String?
        public var isMutual: Bool { targetUsername != nil }

        public init(username: String, password: String, targetUsername: String? = nil, targetPassword: String? = nil) {
            (self.username, self.password, self.targetUsername, self.targetPassword) = (username, password, targetUsername, targetPassword)
        }
    }

    public var portals: [Portal]
    public var target: String?
    public var lun: Int?
    public var chap: CHAP?
    public var initiator: String?
    /// `root=LABEL=…` (or UUID=, /dev/…) next to `netroot=iscsi:`: the filesystem on the
    /// LUN; nil: the whole LUN, or its only partition.
    public var filesystem: BlockDeviceReference?
    /// `rd.iscsi.firmware=1`, `ip=ibft`: portals, target, LUN and CHAP come from the
    /// firmware's table (IBFT) once the network is up; `portals` is empty until then.
    public var fromFirmware = false

    /// The root the firmware's iSCSI Boot Firmware Table names.
    public static var firmware: ISCSIRootSpec {
        var spec = ISCSIRootSpec(portals: [])
        spec.fromFirmware = true
        return spec
    }

    public init(portals: [Portal], target: String? = nil, lun: Int? = nil, chap: CHAP? = nil, initiator: String? = nil) {
        self.portals = portals
        self.target = target
        self.lun = lun
        self.chap = chap
        self.initiator = initiator
    }

    /// For log lines: portals, target and LUN; never the secrets.
    public var description: String {
        if fromFirmware && portals.isEmpty { return "iscsi:firmware (iBFT)" }
        let user = chap.map { "\($0.username)@" } ?? ""
        return "iscsi:\(user)\(portals.map(\.description).joined(separator: ","))/\(target ?? "(discovery)")/\(lun.map(String.init) ?? "(first disk)")"
    }

    static let forms = "iscsi:[<user>:<pass>[:<in-user>:<in-pass>]@]<server>:[<protocol>]:[<port>]:[<lun>]:<target> or iscsi://[<user>[%<pass>]@]<server>[:<port>]/<target>/<lun>"

    /// `iscsi:…` or `iscsi://…`.
    package static func parse(_ value: String, option: String) throws -> ISCSIRootSpec {
        func fail(_ expected: String) -> OptionError { OptionError(option: option, value: redacted(value), expected: expected) }
        if value.hasPrefix("iscsi://") { return try url(value, fail) }
        guard value.hasPrefix("iscsi:") else { throw fail(forms) }
        var rest = Substring(value.dropFirst("iscsi:".count))
        var chap: CHAP?
        // dracut: credentials only when an `@` comes before at least four more colons, so
        // a target name may hold an `@`.
        if let at = rest.firstIndex(of: "@"), rest[at...].filter({ $0 == ":" }).count >= 4 {
            let words = rest[..<at].split(separator: ":", omittingEmptySubsequences: false)
            rest = rest[rest.index(after: at)...]
            if !(words.count == 1 && words[0].isEmpty) {
                guard words.count == 2 || words.count == 4, !words[0].isEmpty else {
                    throw fail("<user>:<pass> or <user>:<pass>:<in-user>:<in-pass> before the @")
                }
                chap = CHAP(username: String(words[0]), password: String(words[1]),
                            targetUsername: words.count == 4 ? String(words[2]) : nil,
                            targetPassword: words.count == 4 ? String(words[3]) : nil)
            }
        }
        guard let colon = rest.firstIndex(of: ":") else { throw fail(forms) }
        let server = rest[..<colon]
        rest = rest[rest.index(after: colon)...]
        // The target name holds colons of its own: it starts at its naming authority.
        var target: Substring?
        for authority in ["iqn.", "eui.", "naa."] {
            if let start = rest.indices.last(where: { rest[$0...].hasPrefix(authority) && ($0 == rest.startIndex || rest[rest.index(before: $0)] == ":") }) {
                target = rest[start...]
                rest = rest[..<start]
                break
            }
        }
        var fields = rest.split(separator: ":", omittingEmptySubsequences: false)
        if target != nil, fields.last == "" { fields.removeLast() }
        if target == nil {
            guard let last = fields.popLast() else { throw fail(forms) }
            target = last
        }
        // <protocol>:<port>[:<iface>[:<netdev>]]:<lun>
        guard fields.count >= 3 && fields.count <= 5 else { throw fail(forms) }
        guard fields[0].isEmpty || fields[0] == "6" else { throw fail("<protocol> empty or 6 (TCP), found \(fields[0])") }
        let port = try fields[1].isEmpty ? 3260 : portNumber(fields[1], fail)
        let lun = try fields[fields.count - 1].isEmpty ? nil : lunNumber(fields[fields.count - 1], fail)
        return ISCSIRootSpec(portals: [Portal(host: try host(server, fail), port: port)],
                             target: try target.flatMap { $0.isEmpty ? nil : try targetName($0, fail) }, lun: lun, chap: chap)
    }

    /// libiscsi's `iscsi://[<user>[%<pass>]@]<host>[:<port>]/<target>/<lun>[?target_user=…&target_password=…]`.
    package static func url(_ value: String, _ fail: (String) -> OptionError) throws -> ISCSIRootSpec {
        let expected = "iscsi://[<user>[%<pass>]@]<server>[:<port>]/<target>/<lun>"
        var rest = Substring(value.dropFirst("iscsi://".count))
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var chap: CHAP?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            // libiscsi: the password after the first `%`, or after a `:` when there is no `%`.
            guard let split = credentials.firstIndex(of: "%") ?? credentials.firstIndex(of: ":"), split != credentials.startIndex else {
                throw fail("<user>%<pass>@ before the server")
            }
            chap = CHAP(username: String(credentials[..<split]), password: String(credentials[credentials.index(after: split)...]))
        }
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[1].isEmpty else { throw fail(expected) }
        var authority = parts[0]
        var port = 3260
        if let colon = authority.firstIndex(of: ":") {
            port = try portNumber(authority[authority.index(after: colon)...], fail)
            authority = authority[..<colon]
        }
        for pair in query.split(separator: "&") {
            let words = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard words.count == 2 else { throw fail("?<key>=<value>&… after the LUN") }
            if words[0] == "header_digest" { continue }  // libiscsi's; we offer both and take the target's choice
            guard chap != nil else { throw fail("?target_user=…&target_password=… after user%pass@ credentials") }
            switch words[0] {
            case "target_user": chap?.targetUsername = String(words[1])
            case "target_password": chap?.targetPassword = String(words[1])
            default: throw fail("only target_user=, target_password= and header_digest= after the ?, found \(words[0])")
            }
        }
        if let mutual = chap, (mutual.targetUsername == nil) != (mutual.targetPassword == nil) {
            throw fail("both target_user= and target_password=, or neither")
        }
        return ISCSIRootSpec(portals: [Portal(host: try host(authority, fail), port: port)], target: try targetName(parts[1], fail),
                             lun: try parts[2].isEmpty ? nil : lunNumber(parts[2], fail), chap: chap)
    }

    /// The URL's password and dracut's credentials are dropped from error lines: the
    /// console is not the place for them.
    static func redacted(_ value: String) -> String {
        guard let at = value.lastIndex(of: "@") else { return value }
        let scheme = value.hasPrefix("iscsi://") ? "iscsi://" : "iscsi:"
        return scheme + "…" + value[at...]
    }

    package static func host(_ text: Substring, _ fail: (String) -> OptionError) throws -> String {
        if text.first == "[" { throw fail("an IPv4 portal address: IPv6 is not supported yet") }
        guard IPv4Address(parsing: text) != nil else {
            throw fail("the portal's IPv4 address (host names are not resolved in the initramfs), found \(text.isEmpty ? "nothing" : String(text))")
        }
        return String(text)
    }

    static func portNumber(_ text: Substring, _ fail: (String) -> OptionError) throws -> Int {
        guard text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(text), (1...65535).contains(port) else {
            throw fail("a port from 1 to 65535, found \(text)")
        }
        return port
    }

    /// SAM's flat LUNs: 0…16383.
    static func lunNumber(_ text: Substring, _ fail: (String) -> OptionError) throws -> Int {
        guard text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }), let lun = Int(text), lun <= 16383 else {
            throw fail("a LUN from 0 to 16383, found \(text)")
        }
        return lun
    }

    /// RFC 3720 names: `iqn.`, `eui.` or `naa.`, printable ASCII without spaces, ≤ 223 bytes.
    static func targetName(_ text: Substring, _ fail: (String) -> OptionError) throws -> String {
        guard isISCSIName(text) else { throw fail("an iSCSI name (iqn.…, eui.… or naa.…), found \(text)") }
        return String(text)
    }

    package static func isISCSIName(_ text: Substring) -> Bool {
        ["iqn.", "eui.", "naa."].contains { text.lowercased().hasPrefix($0) } && text.utf8.count > 4 && text.utf8.count <= 223
            && text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7f }
    }
}
