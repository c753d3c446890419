import StatelessCore
import StatelessProtocols
import StatelessSystem

extension NetHandOff {
    /// A systemd.network(5) file, as systemd 252 (Debian 12) reads it, for the booted
    /// system's systemd-networkd: it reads /run/systemd/network/ beside /etc and /usr/lib,
    /// and the first file in name order whose [Match] fits a link configures it; the `10-`
    /// prefix sorts before distribution files (`20-wired`, `99-default`) while an admin's
    /// `0x-` file still wins. Matching by MAC survives udev renaming the link.
    ///
    /// - `KeepConfiguration=yes`: networkd neither drops the addresses and routes it finds
    ///   at start (they are "foreign" to it) nor the lease's when it lapses or networkd
    ///   stops. networkd chooses `yes` by itself only when / is a network filesystem, which
    ///   misses a root on iSCSI or on an image over NFS. (`CriticalConnection=yes` is the
    ///   name before systemd 243; 252 still reads it but warns, so it is not written.)
    /// - `SendRelease=no`: a release at shutdown would let the server give the address away
    ///   while the root is still mounted over it.
    /// - `ClientIdentifier=`: the identifier the lease was taken with, so the server
    ///   renews the same lease (see `networkdClientIdentifier`).
    /// DNS servers and the search domain are written for a lease too: they are the ones the
    /// boot used (`nameserver=` included), and networkd adds what a renewed lease says.
    public static func networkdFile(_ configuration: NetConfiguration) -> String {
        let c = configuration
        var text = "# \(origin(c)), written by stateless in the initramfs:\n"
            + "# keep this link's configuration and lease through the boot.\n"
            + "[Match]\nMACAddress=\(c.mac)\n"
        if let mtu = c.mtu { text += "\n[Link]\nMTUBytes=\(mtu)\n" }
        text += "\n[Network]\n"
        var dhcpSection = ""
        switch c.origin {
        case .manual:
            text += "Address=\(c.address)/\(c.prefixLength)\n"
            if let gateway = c.gateway { text += "Gateway=\(gateway)\n" }
        case .dhcp(_, _, let identifier):
            text += "DHCP=ipv4\n"
            dhcpSection = "\n[DHCPv4]\n"
            if let lines = networkdClientIdentifier(identifier, mac: c.mac) {
                dhcpSection += lines.map { $0 + "\n" }.joined()
            } else {
                dhcpSection += "# The client identifier \(identifier.colonHex) has no ClientIdentifier= form:\n"
                    + "# networkd sends its own, and the server may lease another address.\n"
            }
            dhcpSection += "SendRelease=no\n"
        }
        text += c.nameservers.map { "DNS=\($0)\n" }.joined()
        if let domain = c.validSearchDomain { text += "Domains=\(domain)\n" }
        text += "KeepConfiguration=yes\n" + dhcpSection
        if case .manual = c.origin {
            for route in c.routes {
                text += "\n[Route]\nDestination=\(route.destination)/\(route.prefixLength)\n"
                if route.router != .any { text += "Gateway=\(route.router)\n" }
            }
        }
        return text
    }

    /// How networkd 252 sends a given option 61: type 1 and this link's MAC is
    /// `ClientIdentifier=mac` (what our DHCP client sends by default); RFC 4361's
    /// 255 + IAID + DUID is `ClientIdentifier=duid` with the IAID (sent big-endian) and the
    /// DUID's type and bytes spelled out (networkd.conf(5): the DUID sent is the type of
    /// `DUIDType=` followed by `DUIDRawData=`), for the four types `DUIDType=` can name and
    /// the lengths sd-dhcp-client accepts for them (`dhcp_validate_duid_len`). Nil for
    /// anything else, such as the kernel's `ip=dhcp,0,text`: networkd cannot send it.
    static func networkdClientIdentifier(_ identifier: [UInt8], mac: MACAddress) -> [String]? {
        if identifier == [1] + mac.bytes { return ["ClientIdentifier=mac"] }
        guard identifier.count >= 8, identifier.first == 255 else { return nil }
        let iaid = identifier[1..<5].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let raw = identifier.dropFirst(7)
        let type: (name: String, fits: Bool)? = switch UInt16(identifier[5]) << 8 | UInt16(identifier[6]) {
        case 1: ("link-layer-time", raw.count > 6)
        case 2: ("vendor", raw.count == 12)
        case 3: ("link-layer", raw.count > 2)
        case 4: ("uuid", raw.count == 16)
        default: nil
        }
        guard let type, type.fits, raw.count <= 128 else { return nil }
        return ["ClientIdentifier=duid", "IAID=\(iaid)", "DUIDType=\(type.name)", "DUIDRawData=\(raw.colonHex)"]
    }
}
