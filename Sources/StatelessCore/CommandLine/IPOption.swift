/// One `ip=` option other than `ip=off`: how to configure IPv4 on one interface (or, for a
/// lone `ip=dhcp`, on whichever link answers first).
///
/// Three syntaxes are read, as admins copy them from the kernel's
/// Documentation/admin-guide/nfs/nfsroot.rst and from dracut.cmdline(7):
/// - `dhcp`, `on`, `any` (dracut's `single-dhcp` too, which is what we do anyway: every
///   link in parallel, the first lease wins), `off`, `none`;
/// - dracut's `<iface>:{dhcp|on|any}[:[<mtu>][:<macaddr>]]`;
/// - `<client-IP>:<server-IP>:<gw-IP>:<netmask>:<hostname>:<iface>:<autoconf>` followed by
///   the kernel's `[:<dns0>[:<dns1>[:<ntp0>]]]` or dracut's `[:[<mtu>][:<macaddr>]]`; a tail
///   whose first field holds a dot is an address list, otherwise an MTU and a MAC address
///   (dracut's `ip_to_var` tells them apart the same way). Missing fields are empty, and an
///   address of 0.0.0.0 counts as empty, as in the kernel's `ip_auto_config_setup`.
///
/// Where the kernel and dracut disagree:
/// - an empty `<autoconf>` with a `<client-IP>` is a static configuration (the kernel;
///   dracut turns it into dhcp and then refuses the address); without one it is dhcp (both);
/// - `<client-IP>` with dhcp is refused (dracut; the kernel would use it and skip DHCP);
/// - `off` without a `<client-IP>` is refused, as dracut does (the kernel turns
///   autoconfiguration off, which `ip=off` alone already says);
/// - a static address needs a `<netmask>` (dracut; the kernel derives a classful one); a
///   prefix length (`24`) is accepted as well, as dracut hands it to `ip addr`;
/// - field 2 is the kernel's boot/NFS server; dracut's point-to-point `<peer>` is refused;
/// - `<hostname>` is kept whole (dracut; the kernel cuts a NIS domain at the first dot);
/// - the kernel's `dhcp,<type>,<client-id>` gives the DHCP client identifier;
/// - an empty `ip=` is refused: the kernel reads it as off, dracut as dhcp.
/// `ip=ibft` is NetOptions' (the firmware's table). IPv6 (`dhcp6`, `auto6`,
/// `[2001:db8::1]`), BOOTP and RARP are refused with a line saying so; dracut's anaconda form `ip=<address>` with `netmask=`… is not read.
public struct IPOption: Equatable, Sendable {
    public enum Method: Equatable, Sendable {
        case dhcp
        case manual(address: IPv4Address, prefixLength: Int)
    }

    /// Nil: with `dhcp`, every link with carrier; with a static address, BOOTIF's
    /// interface or else the only link (the kernel's "if the host only has one device").
    public var interface: String?
    public var method: Method
    /// The kernel's `<server-IP>`: the boot (NFS) server.
    public var server: IPv4Address?
    /// With dhcp, a given gateway and hostname win over the lease's, as in the kernel's
    /// ipconfig; given DNS servers go before the lease's (the kernel drops them); a
    /// `<netmask>` is checked but the lease's counts.
    public var gateway: IPv4Address?
    public var hostname: String?
    public var nameservers: [IPv4Address] = []
    public var ntpServer: IPv4Address?
    public var mtu: Int?
    /// dracut: set this hardware address on the interface before configuring it.
    public var macAddress: MACAddress?
    /// The kernel's `dhcp,<type>,<client-id>`: option 61 as type byte + text.
    public var clientIdentifier: [UInt8]?

    public init(interface: String? = nil, method: Method) {
        self.interface = interface
        self.method = method
    }

    static let forms = "dhcp, on, any, off, none, <iface>:dhcp[:[<mtu>][:<macaddr>]] or <client-IP>:<server-IP>:<gw-IP>:<netmask>:<hostname>:<iface>:<autoconf>[:<dns0>[:<dns1>[:<ntp0>]]]"
    static let dhcpWords: Set<Substring> = ["dhcp", "on", "any", "single-dhcp"]
    static let offWords: Set<Substring> = ["off", "none"]
    static let refusedWords: [Substring: String] = [
        "dhcp6": "IPv6 configuration is not supported yet", "auto6": "IPv6 configuration is not supported yet",
        "either6": "IPv6 configuration is not supported yet", "link6": "IPv6 configuration is not supported yet",
        "bootp": "BOOTP is not supported, DHCP is", "rarp": "RARP is not supported, DHCP is",
        "both": "BOOTP and RARP are not supported, DHCP is",
    ]

    /// `<autoconf>` read: `.dhcp` with the kernel's client identifier, or `.off`.
    enum Autoconf: Equatable { case dhcp([UInt8]?), off }

    /// Parses one `ip=` value; nil means `off`/`none`.
    package static func parse(_ value: String) throws -> IPOption? {
        try Parser(value: value).parse()
    }

    static func isAutoconfWord(_ field: Substring) -> Bool {
        let word = field.split(separator: ",").first ?? ""
        return dhcpWords.contains(word) || offWords.contains(word) || refusedWords[word] != nil
    }

    /// Splits at `:` as dracut's `ip_to_var` does, keeping a bracketed IPv6 address
    /// (brackets included) as one field. Nil when a `[` has no `]` followed by `:` or
    /// the end.
    package static func split(_ value: String) -> [Substring]? {
        var fields: [Substring] = []
        var rest = Substring(value)
        while true {
            if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]") else { return nil }
                let after = rest.index(after: close)
                fields.append(rest[...close])
                if after == rest.endIndex { return fields }
                guard rest[after] == ":" else { return nil }
                rest = rest[rest.index(after: after)...]
            } else if let colon = rest.firstIndex(of: ":") {
                fields.append(rest[..<colon])
                rest = rest[rest.index(after: colon)...]
            } else {
                fields.append(rest)
                return fields
            }
        }
    }

    /// A field that can only be meant as an address: a dot, or IPv6 brackets.
    static func looksLikeAddress(_ field: Substring) -> Bool {
        field.first == "[" || field.firstIndex(of: ".") != nil
    }
}

/// The `ip=` parser proper: every refusal names the whole value and the field at fault.
private struct Parser {
    let value: String

    func fail(_ expected: String) -> OptionError {
        OptionError(option: "ip", value: value, expected: expected)
    }

    func parse() throws -> IPOption? {
        guard !value.isEmpty else {
            throw fail("\(IPOption.forms) (an empty ip= is off to the kernel and dhcp to dracut)")
        }
        guard let fields = IPOption.split(value), let first = fields.first else {
            throw fail("a bracketed address to end with ] before the next : (\(IPOption.forms))")
        }
        if fields.count == 1 && (IPOption.isAutoconfWord(first) || !IPOption.looksLikeAddress(first)) {
            switch try autoconf(first) {
            case .off?: return nil
            case .dhcp(let identifier)?:
                var option = IPOption(method: .dhcp)
                option.clientIdentifier = identifier
                return option
            case nil: throw fail(IPOption.forms)
            }
        }
        // Field 2 is the server's address in the positional form, never a method; the
        // interface name may hold dots (VLANs: eth0.100).
        if fields.count >= 2 && IPOption.isAutoconfWord(fields[1]) && IPv4Address(parsing: first) == nil && first.first != "[" {
            return try interfaceForm(fields)
        }
        return try positionalForm(fields)
    }

    /// dracut's `<iface>:{dhcp|on|any}[:[<mtu>][:<macaddr>]]`.
    func interfaceForm(_ fields: [Substring]) throws -> IPOption {
        guard case .dhcp(let identifier)? = try autoconf(fields[1]) else {
            throw fail("off only with a static address: <client-IP>::<gw-IP>:<netmask>:<hostname>:<iface>:off")
        }
        var option = IPOption(interface: try interface(fields[0]), method: .dhcp)
        option.clientIdentifier = identifier
        try tail(fields.dropFirst(2), into: &option, addressesAllowed: false)
        return option
    }

    /// The kernel's (and dracut's) positional form; IPOption's comment lists where the
    /// two disagree.
    func positionalForm(_ fields: [Substring]) throws -> IPOption {
        func field(_ index: Int) -> Substring { index < fields.count ? fields[index] : "" }
        let client = try address(field(0), "<client-IP> (field 1)")
        let prefixLength = try netmask(field(3))
        var option: IPOption
        switch (try autoconf(field(6)), client) {
        case (nil, nil):
            option = IPOption(method: .dhcp)
        case (.dhcp(let identifier)?, nil):
            option = IPOption(method: .dhcp)
            option.clientIdentifier = identifier
        case (.dhcp?, let client?):
            throw fail("no <client-IP> (here \(client)) with dhcp: the lease gives the address; for a static one write off")
        case (.off?, nil):
            throw fail("a <client-IP> (field 1) with off; ip=off alone turns the network configuration off")
        case (.off?, let client?), (nil, let client?):
            guard let prefixLength else {
                throw fail("a <netmask> (field 4) such as 255.255.255.0 or 24 for the static address \(client)")
            }
            option = IPOption(method: .manual(address: client, prefixLength: prefixLength))
        }
        option.server = try address(field(1), "<server-IP> (field 2; dracut's point-to-point <peer> is not supported)")
        option.gateway = try address(field(2), "<gw-IP> (field 3)")
        option.hostname = try hostname(field(4))
        option.interface = try interface(field(5))
        try tail(fields.dropFirst(7), into: &option, addressesAllowed: true)
        return option
    }

    /// After `<autoconf>` (or dracut's `<iface>:dhcp`): DNS and NTP servers, or an MTU
    /// and a MAC address written as one field (`aa-bb-…`) or as six.
    func tail(_ fields: ArraySlice<Substring>, into option: inout IPOption, addressesAllowed: Bool) throws {
        var rest = fields
        while rest.last?.isEmpty == true { rest = rest.dropLast() }
        guard let first = rest.first else { return }
        let second = rest.dropFirst().first ?? ""
        if addressesAllowed && (IPOption.looksLikeAddress(first) || (first.isEmpty && IPOption.looksLikeAddress(second))) {
            guard rest.count <= 3 else { throw fail("at most <dns0>:<dns1>:<ntp0> after <autoconf>") }
            let addresses = try rest.map { try address($0, "<dns0>, <dns1> or <ntp0> (fields 8–10)") }
            option.nameservers = addresses.prefix(2).compactMap { $0 }
            option.ntpServer = addresses.dropFirst(2).first ?? nil
            return
        }
        if !first.isEmpty {
            guard first.count <= 5, first.allSatisfy({ $0.isASCII && $0.isNumber }), let mtu = Int(first),
                  (68...65535).contains(mtu)
            else { throw fail("an <mtu> from 68 to 65535 (or <dns0>) after the method, found \(first)") }
            option.mtu = mtu
        }
        let mac = rest.dropFirst()
        guard !mac.isEmpty else { return }
        guard let address = MACAddress(parsing: mac.joined(separator: ":")) else {
            throw fail("a <macaddr> such as 52:54:00:12:34:56 after the <mtu>")
        }
        guard option.interface != nil else { throw fail("an <iface> for the <macaddr> to be set on") }
        option.macAddress = address
    }

    /// nil when empty.
    func autoconf(_ word: Substring) throws -> IPOption.Autoconf? {
        if word.isEmpty { return nil }
        if IPOption.offWords.contains(word) { return .off }
        if IPOption.dhcpWords.contains(word) { return .dhcp(nil) }
        if let reason = IPOption.refusedWords[word] { throw fail("dhcp, on, any, off or none: \(reason)") }
        let identifier = word.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        if identifier.count == 3 && identifier[0] == "dhcp" && identifier[1].first?.isNumber == true {
            return .dhcp(try clientIdentifier(type: identifier[1], identifier[2]))
        }
        let parts = word.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count > 1 else { throw fail("dhcp, on, any, off or none as <autoconf>, found \(word)") }
        // dracut's comma lists: every word must be a DHCP one (or says why it is refused).
        for part in parts {
            guard try autoconf(part) == .dhcp(nil) else { throw fail("only dhcp, on or any in the list \(word)") }
        }
        return .dhcp(nil)
    }

    /// The kernel's `dhcp,<type>,<client-id>`: a type 0–255 (decimal or 0x…) and text.
    func clientIdentifier(type: Substring, _ text: Substring) throws -> [UInt8] {
        let hex = type.hasPrefix("0x") ? type.dropFirst(2) : nil
        let digits = hex ?? type
        guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isHexDigit }),
              let number = UInt8(digits, radix: hex == nil ? 10 : 16), (1...251).contains(text.utf8.count)
        else { throw fail("dhcp,<type>,<client-id>: a type from 0 to 255, then 1 to 251 bytes of identifier") }
        return [number] + Array(text.utf8)
    }

    func address(_ field: Substring, _ name: String) throws -> IPv4Address? {
        if field.isEmpty { return nil }
        if field.first == "[" || field.firstIndex(of: ":") != nil {
            throw fail("an IPv4 address as \(name): IPv6 configuration is not supported yet")
        }
        guard let address = IPv4Address(parsing: field) else {
            throw fail("an IPv4 address such as 192.168.1.10 as \(name), found \(field)")
        }
        return address == .any ? nil : address
    }

    /// A dotted netmask with contiguous ones, or a prefix length 1–32.
    func netmask(_ field: Substring) throws -> Int? {
        let expected = "a <netmask> (field 4) such as 255.255.255.0 or a prefix length 1–32, found \(field)"
        if !field.isEmpty && field.count <= 2 && field.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let length = Int(field), (1...32).contains(length) else { throw fail(expected) }
            return length
        }
        guard let mask = try address(field, "<netmask> (field 4)") else { return nil }
        guard let length = mask.prefixLength else { throw fail(expected) }
        return length
    }

    func hostname(_ field: Substring) throws -> String? {
        if field.isEmpty { return nil }
        guard field.count <= 64, field.first != "-", field.first != ".",
              field.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") })
        else { throw fail("a <hostname> (field 5) of up to 64 letters, digits, - and ., found \(field)") }
        return String(field)
    }

    func interface(_ field: Substring) throws -> String? {
        if field.isEmpty { return nil }
        guard NetOptions.isInterfaceName(field) else {
            throw fail("an <iface> name of 1 to 15 characters without /, : or spaces, found \(field)")
        }
        return String(field)
    }
}
