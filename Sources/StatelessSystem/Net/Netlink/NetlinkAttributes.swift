import CMnl
import StatelessCore
import StatelessProtocols

/// The attributes of one rtnetlink message after its family header, copied out by type
/// (libmnl walks and bounds-checks them). Later attributes of the same type win.
struct NetlinkAttributes {
    private(set) var values: [UInt16: [UInt8]] = [:]

    package init(_ message: UnsafePointer<nlmsghdr>, headerSize: Int) {
        final class Collector { var values: [UInt16: [UInt8]] = [:] }
        let collector = Collector()
        _ = mnl_attr_parse(message, UInt32(headerSize), { attribute, data in
            guard let attribute, let data else { return MNL_CB_ERROR }
            let collector = Unmanaged<Collector>.fromOpaque(data).takeUnretainedValue()
            let length = Int(mnl_attr_get_payload_len(attribute))
            let payload = mnl_attr_get_payload(attribute)
            collector.values[mnl_attr_get_type(attribute)] = payload.map {
                Array(UnsafeRawBufferPointer(start: $0, count: length))
            } ?? []
            return MNL_CB_OK
        }, Unmanaged.passUnretained(collector).toOpaque())
        values = collector.values
    }

    package func bytes(_ type: Int32) -> [UInt8]? { values[UInt16(truncatingIfNeeded: type)] }

    /// A NUL-terminated string attribute (IFLA_IFNAME).
    package func string(_ type: Int32) -> String? {
        bytes(type).map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// A host-order u32 attribute (IFLA_MTU); nil when its length is not 4.
    func u32(_ type: Int32) -> UInt32? {
        guard let bytes = bytes(type), bytes.count == 4 else { return nil }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }
}

extension UnsafePointer where Pointee == nlmsghdr {
    /// The family header right after the netlink header, when the message holds one.
    func familyHeader<T>(_ type: T.Type) -> T? {
        guard Int(pointee.nlmsg_len) >= MemoryLayout<nlmsghdr>.size + MemoryLayout<T>.size,
              let payload = mnl_nlmsg_get_payload(self)
        else { return nil }
        return payload.loadUnaligned(as: T.self)
    }
}
