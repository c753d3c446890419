/// An IPv4 address: the four bytes in network order, as DHCP packets and netlink
/// attributes carry them.
public struct IPv4Address: Hashable, Sendable, CustomStringConvertible {
    public var bytes: (UInt8, UInt8, UInt8, UInt8)

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) { bytes = (a, b, c, d) }

    public static let any = IPv4Address(0, 0, 0, 0)
    public static let broadcast = IPv4Address(255, 255, 255, 255)

    /// From exactly four bytes (a packet field, a netlink attribute); nil otherwise.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 4 else { return nil }
        let array = Array(bytes)
        self.init(array[0], array[1], array[2], array[3])
    }

    /// Strict dotted quad: four decimal numbers 0–255, no leading zeros (which some
    /// parsers read as octal), no spaces, no shorthand such as `10.1`.
    public init?(parsing text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var values: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  part.count == 1 || part.first != "0", let value = UInt8(part)
            else { return nil }
            values.append(value)
        }
        self.init(values[0], values[1], values[2], values[3])
    }

    public var array: [UInt8] { [bytes.0, bytes.1, bytes.2, bytes.3] }

    /// The address as a number, for masks and comparisons.
    public var value: UInt32 {
        UInt32(bytes.0) << 24 | UInt32(bytes.1) << 16 | UInt32(bytes.2) << 8 | UInt32(bytes.3)
    }

    public init(value: UInt32) {
        self.init(UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                  UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value))
    }

    /// The netmask of a prefix length (0–32; larger is clamped).
    public init(prefixLength: Int) {
        let length = max(0, min(32, prefixLength))
        self.init(value: length == 0 ? 0 : UInt32.max << UInt32(32 - length))
    }

    /// The prefix length of a netmask; nil when its ones are not contiguous.
    public var prefixLength: Int? {
        let ones = value.leadingZeroBitCount == 0 ? (~value).leadingZeroBitCount : 0
        return IPv4Address(prefixLength: ones) == self ? ones : nil
    }

    public var description: String { "\(bytes.0).\(bytes.1).\(bytes.2).\(bytes.3)" }

    public static func == (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value == rhs.value }
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}
