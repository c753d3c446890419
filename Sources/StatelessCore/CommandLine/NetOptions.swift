/// The network part of the kernel command line, typed: what the net stage configures, on
/// which interface, and how long it may wait.
///
/// Every option has the name admins already write for dracut or the kernel: `ip=`
/// (IPOption), `BOOTIF=` (PXELINUX, iPXE), `rd.bootif=0`, `ifname=`, `rd.neednet`,
/// `nameserver=`, `rd.net.timeout.iflink=`, `rd.net.timeout.carrier=`,
/// `rd.net.timeout.dhcp=`, and the booted system's `net.ifnames=`. Our own names would live under `stateless.net.*`, for settings
/// neither has; none is needed so far, so there are none.
///
/// As everywhere, a wait has a bound: 0 ("forever" to some of dracut's tools) is refused.
public struct NetOptions: Equatable, Sendable {
    /// What `ip=` asks for.
    public enum IPSetting: Equatable, Sendable {
        /// `ip=off` or `ip=none`: configure nothing.
        case off
        /// One option per interface, in command-line order; with several, each names its
        /// interface (dracut).
        case configure([IPOption])
    }

    /// `ifname=<name>:<mac>`: the link with this MAC address gets this name.
    public struct Rename: Equatable, Sendable {
        public var name: String
        public var mac: MACAddress
    }

    /// Nil when no `ip=` was given.
    public var ip: IPSetting?
    /// `ip=ibft`, or `rd.iscsi.firmware=1` without `ip=`: the boot NIC and its address
    /// (or DHCP) come from the firmware's iSCSI Boot Firmware Table, read by the net stage
    /// (IBFT.networkOptions), which then sets `ip` and `bootInterface`.
    public var firmwareTable = false
    /// `BOOTIF=`: the interface the firmware booted from, chosen by MAC; it is the one
    /// DHCP runs on when `ip=` names none. Ignored with `rd.bootif=0`, as dracut does.
    public var bootInterface: MACAddress?
    public var renames: [Rename] = []
    /// `rd.neednet`: nil when not given.
    public var needNetwork: Bool?
    /// `nameserver=`, in order; they come before the ones a lease or `ip=` gives.
    public var nameservers: [IPv4Address] = []
    /// `rd.net.timeout.iflink`: seconds for a named interface (`ip=`, `BOOTIF=`,
    /// `ifname=`) to appear; dracut's default.
    public var linkTimeoutSeconds = 60
    /// `rd.net.timeout.carrier`: seconds to wait for carrier; dracut's default.
    public var carrierTimeoutSeconds = 10
    /// `rd.net.timeout.dhcp`: seconds to get a lease (dracut hands the value to
    /// dhclient's `--timeout`, which waits 60 s without it; 30 is the DHCP client's own
    /// default, Net/DHCP/DHCPClient.swift).
    public var dhcpTimeoutSeconds = 30
    /// `net.ifnames`: give links the names the booted system's udev will give them
    /// (PredictableName); `net.ifnames=0` keeps the kernel's, as it does for udev, and so
    /// does a `net.naming-scheme=` other than `v252` or `latest`.
    public var predictableNames = true

    public init() {}

    /// Whether the command line itself asks for the network (the root may need it too):
    /// `rd.neednet` decides when given, otherwise any `ip=` but `off` does.
    public var asksForNetwork: Bool {
        if let needNetwork { return needNetwork }
        if case .configure? = ip { return true }
        if firmwareTable { return true }
        return false
    }
}

extension NetOptions {
    /// Reads the network options; a known key with an unusable value throws
    /// `OptionError`.
    public init(_ line: KernelCommandLine) throws {
        self.init()
        for parameter in line.all(.interfaceName) {
            let rename = try Self.rename(parameter)
            if renames.contains(rename) { continue }
            if let other = renames.first(where: { $0.name == rename.name || $0.mac == rename.mac }) {
                throw OptionError(option: "ifname", value: parameter.value,
                                  expected: "one name per MAC address (ifname=\(other.name):\(other.mac) came first)")
            }
            renames.append(rename)
        }
        let ipValues = line.all(.ip)
        if ipValues.contains(where: { $0.value == "ibft" }) {
            guard ipValues.allSatisfy({ $0.value == "ibft" }) else {
                throw OptionError(option: "ip", value: "ibft", expected: "ibft alone, not beside other ip= options")
            }
            firmwareTable = true
        } else {
            ip = try Self.ipSetting(ipValues, renamed: Set(renames.map(\.name)))
            let firmware = try line.flag(.iscsiFirmware) ?? false
            firmwareTable = ip == nil && firmware
        }
        if let bootif = line.last(.bootInterface), try line.flag(.rdBootInterface) ?? true {
            bootInterface = try Self.bootInterface(bootif)
        }
        needNetwork = try line.flag(.needNetwork)
        nameservers = try line.all(.nameserver).map(Self.nameserver)
        linkTimeoutSeconds = try line.seconds(.linkTimeout) ?? linkTimeoutSeconds
        carrierTimeoutSeconds = try line.seconds(.carrierTimeout) ?? carrierTimeoutSeconds
        dhcpTimeoutSeconds = try line.seconds(.dhcpTimeout) ?? dhcpTimeoutSeconds
        predictableNames = try line.flag(.predictableNames) ?? predictableNames
        // Another naming scheme than the one PredictableName follows: leave the names to udev.
        if let scheme = line.last(.namingScheme)?.value, scheme != "v252", scheme != "latest" { predictableNames = false }
    }

    /// All `ip=` together. The same value twice (an image's cmdline.d and the boot loader)
    /// counts once; `off` stands alone; several need one interface each, once each. dracut
    /// sets a `<macaddr>` on the interface, so not on one that `ifname=` names by its MAC.
    static func ipSetting(_ parameters: [KernelParameter], renamed: Set<String>) throws -> IPSetting? {
        var values: [String] = []
        for parameter in parameters {
            guard let value = parameter.value else {
                throw OptionError(option: "ip", value: nil, expected: IPOption.forms)
            }
            if !values.contains(value) { values.append(value) }
        }
        guard !values.isEmpty else { return nil }
        var options: [IPOption] = []
        for value in values {
            guard let option = try IPOption.parse(value) else {
                guard values.count == 1 else {
                    throw OptionError(option: "ip", value: value, expected: "off alone, not beside other ip= options")
                }
                return .off
            }
            if values.count > 1 {
                guard let name = option.interface else {
                    throw OptionError(option: "ip", value: value, expected: "an <iface> in each ip= when several are given")
                }
                if options.contains(where: { $0.interface == name }) {
                    throw OptionError(option: "ip", value: value, expected: "one ip= per interface; \(name) has two")
                }
            }
            if option.macAddress != nil, let name = option.interface, renamed.contains(name) {
                throw OptionError(option: "ip", value: value, expected: "no <macaddr> for \(name), which ifname= names by its MAC address")
            }
            options.append(option)
        }
        return .configure(options)
    }

    /// PXELINUX's `01-aa-bb-cc-dd-ee-ff` (ARP hardware type 1, Ethernet, then the MAC
    /// address), or the address alone with `-` or `:`. Lower-cased, as dracut's
    /// `fix_bootif` does.
    package static func bootInterface(_ parameter: KernelParameter) throws -> MACAddress {
        let value = parameter.value ?? ""
        let withoutType = value.hasPrefix("01-") && value.count == 20 ? value.dropFirst(3) : Substring(value)
        guard let mac = MACAddress(parsing: withoutType) else {
            throw OptionError(option: "BOOTIF", value: parameter.value,
                              expected: "an Ethernet MAC address such as 01-52-54-00-12-34-56 or 52:54:00:12:34:56")
        }
        return mac
    }

    /// `ifname=<name>:<mac>`, the MAC in dracut's six colon-separated bytes (or with `-`).
    package static func rename(_ parameter: KernelParameter) throws -> Rename {
        let value = parameter.value ?? ""
        let parts = value.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, isInterfaceName(parts[0]), let mac = MACAddress(parsing: parts[1]) else {
            throw OptionError(option: "ifname", value: parameter.value,
                              expected: "<name>:<mac> such as bootnet:52:54:00:12:34:56 (a name of 1 to 15 characters without /, : or spaces)")
        }
        return Rename(name: String(parts[0]), mac: mac)
    }

    package static func nameserver(_ parameter: KernelParameter) throws -> IPv4Address {
        let value = parameter.value ?? ""
        if value.first == "[" || value.firstIndex(of: ":") != nil {
            throw OptionError(option: "nameserver", value: value, expected: "an IPv4 address: IPv6 is not supported yet")
        }
        guard let address = IPv4Address(parsing: value), address != .any else {
            throw OptionError(option: "nameserver", value: parameter.value, expected: "an IPv4 address such as 192.168.1.1")
        }
        return address
    }

    /// The kernel's `dev_valid_name`: 1–15 bytes, not `.` or `..`, no `/`, `:` or white
    /// space; printable ASCII only besides, since the name ends up in file names.
    static func isInterfaceName(_ name: Substring) -> Bool {
        (1...15).contains(name.utf8.count) && name != "." && name != ".."
            && name.allSatisfy { $0.isASCII && $0 != "/" && $0 != ":" && $0 > " " && $0 != "\u{7f}" }
    }
}
