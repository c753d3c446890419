import CMnl
import Glibc
import StatelessCore
import StatelessProtocols

extension NetlinkSocket {
    /// Every link the kernel has (RTM_GETLINK dump).
    public func links() throws -> [NetworkLink] {
        var links: [NetworkLink] = []
        try request("list network links", type: UInt16(RTM_GETLINK), flags: 0, dump: true, build: { header in
            header.putExtraHeader(ifinfomsg.self).pointee.ifi_family = UInt8(AF_UNSPEC)
        }, each: { message in
            guard message.pointee.nlmsg_type == UInt16(RTM_NEWLINK), let info = message.familyHeader(ifinfomsg.self) else { return }
            let attributes = NetlinkAttributes(message, headerSize: MemoryLayout<ifinfomsg>.size)
            links.append(NetworkLink(index: info.ifi_index, name: attributes.string(Int32(IFLA_IFNAME)) ?? "",
                                     mac: attributes.bytes(Int32(IFLA_ADDRESS)) ?? [], flags: info.ifi_flags,
                                     mtu: attributes.u32(Int32(IFLA_MTU)) ?? 0))
        })
        return links
    }

    /// Brings a link up or down (IFF_UP through RTM_NEWLINK).
    public func setLink(_ link: NetworkLink, up: Bool) throws {
        try changeLink("set \(link.name) \(up ? "up" : "down")", link) { info, _ in
            info.pointee.ifi_change = UInt32(IFF_UP)
            info.pointee.ifi_flags = up ? UInt32(IFF_UP) : 0
        }
    }

    public func setMTU(_ link: NetworkLink, _ mtu: UInt32) throws {
        try changeLink("set the MTU of \(link.name) to \(mtu)", link) { _, header in
            try header.put(Int32(IFLA_MTU), u32: mtu)
        }
    }

    /// Sets the hardware address (dracut's `ip=…:<macaddr>`); most drivers want the link down.
    public func setMAC(_ link: NetworkLink, _ mac: MACAddress) throws {
        try changeLink("set the MAC address of \(link.name) to \(mac)", link) { _, header in
            try header.put(Int32(IFLA_ADDRESS), bytes: mac.bytes)
        }
    }

    /// Renames a link (`ifname=`). Do it while the link is down: kernels before 6.x
    /// refuse to rename a running link (EBUSY).
    public func rename(_ link: NetworkLink, to name: String) throws {
        try changeLink("rename \(link.name) to \(name)", link) { _, header in
            try header.put(Int32(IFLA_IFNAME), string: name)
        }
    }

    private func changeLink(
        _ what: String, _ link: NetworkLink,
        _ fill: (UnsafeMutablePointer<ifinfomsg>, UnsafeMutablePointer<nlmsghdr>) throws -> Void
    ) throws {
        try request(what, type: UInt16(RTM_NEWLINK), flags: 0) { header in
            let info = header.putExtraHeader(ifinfomsg.self)
            info.pointee.ifi_family = UInt8(AF_UNSPEC)
            info.pointee.ifi_index = link.index
            try fill(info, header)
        }
    }
}
