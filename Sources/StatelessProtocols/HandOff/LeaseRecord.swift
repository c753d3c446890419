import StatelessCore

/// A DHCP lease as the boot hands it to its keeper (`keep-lease`, a process of its own
/// that outlives switch-root) and leaves it for admins in /run/stateless/dhcp-IFACE.lease:
/// `KEY=value` lines, every value hexadecimal or decimal, so the record needs no quoting
/// and passes whole through argv. The ACK is kept whole: the keeper rebuilds the lease
/// from it exactly as the boot's client did.
package struct LeaseRecord: Equatable {
    /// The name at boot; the booted system's udev may rename the link, so the keeper
    /// follows it by `index`.
    package var interface: String
    package var index: Int32
    package var lease: DHCPLease
    package var configuration: DHCPClient.Configuration

    /// The lines of the record, in a fixed order.
    package var fields: [(String, String)] {
        [("INTERFACE", Array(interface.utf8).plainHex), ("INDEX", String(index)), ("ADDRESS", lease.address.description),
         ("SERVER", lease.serverIdentifier.description), ("LEASE_SECONDS", String(lease.leaseTime)),
         ("REQUESTED_AT_NS", String(lease.start.nanoseconds)),
         ("HARDWARE_ADDRESS", configuration.hardwareAddress.plainHex),
         ("CLIENT_ID", configuration.clientIdentifier.plainHex),
         ("HOSTNAME", Array((configuration.hostName ?? "").utf8).plainHex),
         ("ACK", lease.ack.encoded().plainHex)]
    }

    package var text: String { fields.map { "\($0.0)=\($0.1)\n" }.joined() }

    package init(interface: String, index: Int32, lease: DHCPLease, configuration: DHCPClient.Configuration) {
        self.interface = interface
        self.index = index
        self.lease = lease
        self.configuration = configuration
    }

    /// Reads the `KEY=value` words (argv or the file's lines); nil when anything the
    /// keeper needs is missing or malformed.
    package init?(_ words: some Sequence<some StringProtocol>) {
        var values: [String: String] = [:]
        for word in words {
            guard let equals = word.firstIndex(of: "=") else { continue }
            values[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        guard let name = values["INTERFACE"].flatMap([UInt8].init(plainHex:)), !name.isEmpty,
              let index = values["INDEX"].flatMap(Int32.init), index > 0,
              let mac = values["HARDWARE_ADDRESS"].flatMap([UInt8].init(plainHex:)),
              let identifier = values["CLIENT_ID"].flatMap([UInt8].init(plainHex:)),
              let hostName = values["HOSTNAME"].flatMap([UInt8].init(plainHex:)),
              let started = values["REQUESTED_AT_NS"].flatMap(UInt64.init),
              let ackBytes = values["ACK"].flatMap([UInt8].init(plainHex:)),
              let ack = try? DHCPMessage(decoding: ackBytes),
              let server = values["SERVER"].flatMap(IPv4Address.init(parsing:)),
              let lease = DHCPLease(ack: ack, server: server, start: Uptime(nanoseconds: started))
        else { return nil }
        interface = String(decoding: name, as: UTF8.self)
        self.index = index
        self.lease = lease
        configuration = DHCPClient.Configuration(hardwareAddress: mac)
        configuration.clientIdentifier = identifier
        configuration.hostName = hostName.isEmpty ? nil : String(decoding: hostName, as: UTF8.self)
    }

    package static func == (lhs: LeaseRecord, rhs: LeaseRecord) -> Bool { lhs.text == rhs.text }
}

extension Sequence<UInt8> {
    /// Two lower-case hexadecimal digits per byte, nothing between.
    var plainHex: String { colonHex.filter { $0 != ":" } }
}

extension [UInt8] {
    /// The bytes of `plainHex` text; nil for an odd length or a non-hex digit.
    init?(plainHex text: some StringProtocol) {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Self.hexValue(digits[index]), let low = Self.hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self = bytes
    }

    static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
