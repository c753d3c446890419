import CMnl
import Glibc
import StatelessCore
import StatelessProtocols

/// An IPv4 address on a link, with its prefix.
public struct LinkAddress: Equatable, Sendable {
    public var linkIndex: Int32
    public var address: IPv4Address
    public var prefixLength: Int

    public init(linkIndex: Int32, address: IPv4Address, prefixLength: Int) {
        (self.linkIndex, self.address, self.prefixLength) = (linkIndex, address, prefixLength)
    }
}

/// An IPv4 route; a nil gateway is a route to a directly connected network.
public struct Route: Equatable, Sendable {
    public var destination: IPv4Address
    public var prefixLength: Int
    public var gateway: IPv4Address?
    public var linkIndex: Int32
    public var metric: UInt32?

    public init(destination: IPv4Address, prefixLength: Int, gateway: IPv4Address?, linkIndex: Int32, metric: UInt32? = nil) {
        self.destination = destination
        self.prefixLength = prefixLength
        self.gateway = gateway
        self.linkIndex = linkIndex
        self.metric = metric
    }

    public static func defaultRoute(via gateway: IPv4Address, linkIndex: Int32) -> Route {
        Route(destination: .any, prefixLength: 0, gateway: gateway, linkIndex: linkIndex)
    }
}

extension NetlinkSocket {
    /// Adds (or replaces) an address; the broadcast address is derived from the prefix.
    public func addAddress(_ address: IPv4Address, prefixLength: Int, to link: NetworkLink) throws {
        let broadcast = IPv4Address(value: address.value | ~IPv4Address(prefixLength: prefixLength).value)
        try request("add \(address)/\(prefixLength) to \(link.name)", type: UInt16(RTM_NEWADDR),
                    flags: Int32(NLM_F_CREATE | NLM_F_REPLACE)) { header in
            let info = header.putExtraHeader(ifaddrmsg.self)
            info.pointee.ifa_family = UInt8(AF_INET)
            info.pointee.ifa_prefixlen = UInt8(truncatingIfNeeded: max(0, min(32, prefixLength)))
            info.pointee.ifa_index = UInt32(bitPattern: link.index)
            try header.put(Int32(IFA_LOCAL), bytes: address.array)
            try header.put(Int32(IFA_ADDRESS), bytes: address.array)
            if prefixLength < 31 { try header.put(Int32(IFA_BROADCAST), bytes: broadcast.array) }
        }
    }

    public func removeAddress(_ address: LinkAddress, from link: NetworkLink) throws {
        try request("remove \(address.address)/\(address.prefixLength) from \(link.name)", type: UInt16(RTM_DELADDR), flags: 0) { header in
            let info = header.putExtraHeader(ifaddrmsg.self)
            info.pointee.ifa_family = UInt8(AF_INET)
            info.pointee.ifa_prefixlen = UInt8(truncatingIfNeeded: address.prefixLength)
            info.pointee.ifa_index = UInt32(bitPattern: link.index)
            try header.put(Int32(IFA_LOCAL), bytes: address.address.array)
        }
    }

    /// The IPv4 addresses of every link (RTM_GETADDR dump).
    public func addresses() throws -> [LinkAddress] {
        var found: [LinkAddress] = []
        try request("list addresses", type: UInt16(RTM_GETADDR), flags: 0, dump: true, build: { header in
            header.putExtraHeader(ifaddrmsg.self).pointee.ifa_family = UInt8(AF_INET)
        }, each: { message in
            guard message.pointee.nlmsg_type == UInt16(RTM_NEWADDR), let info = message.familyHeader(ifaddrmsg.self),
                  info.ifa_family == UInt8(AF_INET)
            else { return }
            let attributes = NetlinkAttributes(message, headerSize: MemoryLayout<ifaddrmsg>.size)
            guard let bytes = attributes.bytes(Int32(IFA_LOCAL)) ?? attributes.bytes(Int32(IFA_ADDRESS)),
                  let address = IPv4Address(bytes: bytes)
            else { return }
            found.append(LinkAddress(linkIndex: Int32(bitPattern: info.ifa_index), address: address, prefixLength: Int(info.ifa_prefixlen)))
        })
        return found
    }

    /// Adds (or replaces) a route in the main table, marked as set up at boot.
    public func addRoute(_ route: Route) throws {
        let via = route.gateway.map { " via \($0)" } ?? ""
        try request("add route \(route.destination)/\(route.prefixLength)\(via) (link \(route.linkIndex))", type: UInt16(RTM_NEWROUTE),
                    flags: Int32(NLM_F_CREATE | NLM_F_REPLACE)) { header in
            let info = header.putExtraHeader(rtmsg.self)
            info.pointee.rtm_family = UInt8(AF_INET)
            info.pointee.rtm_dst_len = UInt8(truncatingIfNeeded: max(0, min(32, route.prefixLength)))
            info.pointee.rtm_table = UInt8(RT_TABLE_MAIN.rawValue)
            info.pointee.rtm_protocol = UInt8(RTPROT_BOOT)
            info.pointee.rtm_scope = UInt8(route.gateway == nil ? RT_SCOPE_LINK.rawValue : RT_SCOPE_UNIVERSE.rawValue)
            info.pointee.rtm_type = UInt8(RTN_UNICAST)
            if route.prefixLength > 0 { try header.put(Int32(RTA_DST.rawValue), bytes: route.destination.array) }
            if let gateway = route.gateway { try header.put(Int32(RTA_GATEWAY.rawValue), bytes: gateway.array) }
            try header.put(Int32(RTA_OIF.rawValue), u32: UInt32(bitPattern: route.linkIndex))
            if let metric = route.metric { try header.put(Int32(RTA_PRIORITY.rawValue), u32: metric) }
        }
    }

    /// The IPv4 routes of the main table (RTM_GETROUTE dump).
    public func routes() throws -> [Route] {
        var found: [Route] = []
        try request("list routes", type: UInt16(RTM_GETROUTE), flags: 0, dump: true, build: { header in
            header.putExtraHeader(rtmsg.self).pointee.rtm_family = UInt8(AF_INET)
        }, each: { message in
            guard message.pointee.nlmsg_type == UInt16(RTM_NEWROUTE), let info = message.familyHeader(rtmsg.self),
                  info.rtm_family == UInt8(AF_INET), info.rtm_table == UInt8(RT_TABLE_MAIN.rawValue)
            else { return }
            let attributes = NetlinkAttributes(message, headerSize: MemoryLayout<rtmsg>.size)
            let destination = attributes.bytes(Int32(RTA_DST.rawValue)).flatMap { IPv4Address(bytes: $0) } ?? .any
            let gateway = attributes.bytes(Int32(RTA_GATEWAY.rawValue)).flatMap { IPv4Address(bytes: $0) }
            let link = attributes.u32(Int32(RTA_OIF.rawValue)).map { Int32(bitPattern: $0) } ?? 0
            found.append(Route(destination: destination, prefixLength: Int(info.rtm_dst_len), gateway: gateway,
                               linkIndex: link, metric: attributes.u32(Int32(RTA_PRIORITY.rawValue))))
        })
        return found
    }
}
