import StatelessCore
import StatelessProtocols
import StatelessSystem

extension NetHandOff {
    /// A NetworkManager keyfile (nm-settings-keyfile(5)) for the booted system's
    /// NetworkManager, which reads /run/NetworkManager/system-connections/ as in-memory
    /// profiles (where dracut's nm-initrd-generator leaves its own) and activates one whose
    /// `[ethernet] mac-address=` fits the link, whatever udev named it.
    ///
    /// A profile, not an unmanaged mark: NetworkManager then owns the link, renews the
    /// lease with the same `dhcp-client-id=` (any option 61 can be written, as hex bytes,
    /// type first), keeps the DNS servers in its own resolv.conf, and our renewal can stop
    /// once it has taken over. An unmanaged link would need our renewal for the machine's
    /// whole life and would be invisible to `nm-online` and to NetworkManager's DNS.
    /// What the profile cannot say: NetworkManager has no networkd `KeepConfiguration=`,
    /// so a lease it cannot renew before it expires is removed. Against a slow server at
    /// start, `dhcp-timeout` is infinite and `may-fail=false`: a failed activation would
    /// take the address down. IPv6 is left as the kernel has it (`method=ignore`).
    ///
    /// An admin's profile for the same link with a higher `autoconnect-priority` wins,
    /// deliberately. The uuid is fixed by the MAC address, so a rewrite keeps it.
    public static func networkManagerKeyfile(_ configuration: NetConfiguration) -> String {
        let c = configuration
        let uuid = "73746174-656c-4573-8000-" + c.mac.bytes.colonHex.filter { $0 != ":" }
        var text = "# \(origin(c)), written by stateless in the initramfs:\n"
            + "# keep this link's configuration and lease through the boot.\n"
            + "[connection]\nid=stateless-\(c.fileName)\nuuid=\(uuid)\ntype=ethernet\n"
            + "\n[ethernet]\nmac-address=\(c.mac)\n"
        if let mtu = c.mtu { text += "mtu=\(mtu)\n" }
        text += "\n[ipv4]\n"
        switch c.origin {
        case .manual:
            text += "method=manual\naddress1=\(c.address)/\(c.prefixLength)\n"
            if let gateway = c.gateway { text += "gateway=\(gateway)\n" }
            for (index, route) in c.routes.enumerated() {
                text += "route\(index + 1)=\(NetConfiguration.routeText(route))\n"
            }
        case .dhcp(_, _, let identifier):
            text += "method=auto\n"
            // RFC 2132 9.14: a type byte and at least one more.
            if identifier.count >= 2 { text += "dhcp-client-id=\(identifier.colonHex)\n" }
            text += "dhcp-timeout=2147483647\n"
        }
        if !c.nameservers.isEmpty { text += "dns=" + c.nameservers.map { "\($0);" }.joined() + "\n" }
        if let domain = c.validSearchDomain { text += "dns-search=\(domain);\n" }
        return text + "may-fail=false\n\n[ipv6]\nmethod=ignore\n"
    }
}
