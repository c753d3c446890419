/// An Ethernet hardware address: the six bytes that name an interface on the command line
/// (`BOOTIF=`, `ifname=`, dracut's `ip=…:<macaddr>`) and in the hand-off files, which
/// match the interface by it because its name may change after switch-root.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    /// Always six bytes.
    public let bytes: [UInt8]

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 6 else { return nil }
        self.bytes = Array(bytes)
    }

    /// Six two-digit hexadecimal bytes in either case, separated by `:` (udev, dracut,
    /// iPXE's `${mac}`) or by `-` (PXELINUX's `BOOTIF=`, iPXE's `${mac:hexhyp}`).
    public init?(parsing text: some StringProtocol) {
        let separator: Character = text.firstIndex(of: "-") == nil ? ":" : "-"
        let parts = text.split(separator: separator, omittingEmptySubsequences: false)
        var bytes: [UInt8] = []
        for part in parts {
            guard part.count == 2, part.allSatisfy({ $0.isASCII && $0.isHexDigit }), let byte = UInt8(part, radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.init(bytes: bytes)
    }

    /// `aa:bb:cc:dd:ee:ff`, lower case, as udev, systemd and NetworkManager write it.
    public var description: String { bytes.colonHex }
}

extension Sequence<UInt8> {
    /// Two lower-case hexadecimal digits per byte, separated by `:` (MAC addresses, DHCP
    /// client identifiers in NetworkManager's and networkd's files).
    package var colonHex: String {
        map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: ":")
    }
}
