/// A network interface as rtnetlink reports it.
public struct NetworkLink: Equatable, Sendable {
    public var index: Int32
    public var name: String
    /// The hardware address (6 bytes for Ethernet; empty for some virtual links).
    public var mac: [UInt8]
    public var flags: UInt32
    public var mtu: UInt32

    package init(index: Int32, name: String, mac: [UInt8], flags: UInt32, mtu: UInt32) {
        self.index = index
        self.name = name
        self.mac = mac
        self.flags = flags
        self.mtu = mtu
    }

    /// IFF_UP, IFF_LOOPBACK and IFF_LOWER_UP (the carrier) of linux/if.h: the kernel's
    /// ABI, written out so the type stays pure (a system test compares them with C's).
    package static let up: UInt32 = 0x1, loopback: UInt32 = 0x8, lowerUp: UInt32 = 0x1_0000

    public var isUp: Bool { flags & Self.up != 0 }
    public var hasCarrier: Bool { flags & Self.lowerUp != 0 }
    public var isLoopback: Bool { flags & Self.loopback != 0 }

    /// `aa:bb:cc:dd:ee:ff`, lower case, as udev, dracut and `ip link` print it.
    public var macText: String {
        mac.map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined(separator: ":")
    }
}
