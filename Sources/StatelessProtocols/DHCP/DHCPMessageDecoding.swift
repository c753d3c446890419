import StatelessCore

/// What made a packet unusable as a DHCP message: the decoder's answer instead of a
/// value, printed into the client's record of what came back.
public enum DHCPDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooShort(Int)
    case tooLong(Int, limit: Int)
    case badOp(UInt8)
    case badHardwareAddressLength(UInt8)
    case badMagicCookie([UInt8])
    /// An option's length byte (or the length byte itself) runs past its field.
    case optionOverrun(DHCPOptionCode, field: DHCPOptionField, offset: Int)
    case missingEnd(DHCPOptionField)
    /// The payload does not fit the option's type; the text says how.
    case badOption(DHCPOptionCode, String)

    public var description: String {
        switch self {
        case .tooShort(let length):
            "\(length) bytes, shorter than the \(DHCPMessage.optionsOffset) of a BOOTP header and magic cookie"
        case .tooLong(let length, let limit): "\(length) bytes, over the limit of \(limit)"
        case .badOp(let op): "op \(op), expected 1 (request) or 2 (reply)"
        case .badHardwareAddressLength(let length): "hardware address length \(length), over 16"
        case .badMagicCookie(let cookie):
            "magic cookie \(cookie.map(String.init).joined(separator: ".")), expected 99.130.83.99 (a BOOTP packet, not DHCP)"
        case .optionOverrun(let code, let field, let offset):
            "\(code) at byte \(offset) of the \(field.rawValue) field runs past its end"
        case .missingEnd(let field): "no end option in the \(field.rawValue) field"
        case .badOption(let code, let detail): "\(code): \(detail)"
        }
    }
}

/// The three places options may stand, in the order they are read (RFC 2131 4.1).
public enum DHCPOptionField: String, Sendable {
    case options, file, sname
}

extension DHCPMessage {
    /// Decodes one UDP payload. Everything is checked before it is read, so hostile
    /// bytes end in a `DHCPDecodingError`, never a trap. Options overloaded into
    /// `file`/`sname` (option 52) are read after the options field, and an option that
    /// appears several times is one option with the payloads joined (RFC 3396).
    public init(decoding bytes: [UInt8], maximumSize: Int = DHCPMessage.maximumSize) throws(DHCPDecodingError) {
        guard bytes.count <= maximumSize else { throw .tooLong(bytes.count, limit: maximumSize) }
        guard bytes.count >= Self.optionsOffset else { throw .tooShort(bytes.count) }
        guard let op = Op(rawValue: bytes[0]) else { throw .badOp(bytes[0]) }
        guard bytes[2] <= 16 else { throw .badHardwareAddressLength(bytes[2]) }
        let cookie = Array(bytes[236..<240])
        guard cookie == Self.magicCookie else { throw .badMagicCookie(cookie) }

        func number(_ offset: Int, _ size: Int) -> UInt32 { DHCPOption.number(bytes[offset..<offset + size]) }
        func address(_ offset: Int) -> IPv4Address { IPv4Address(value: number(offset, 4)) }

        var found = try Self.scan(bytes[Self.optionsOffset...], .options)
        let overloadValue = try Self.overload(found)
        found.removeAll { $0.code == .overload }
        // Option 52 counts only in the options field; one inside file or sname is ignored.
        if overloadValue & 1 != 0 { found += try Self.scan(bytes[Self.fileRange], .file).filter { $0.code != .overload } }
        if overloadValue & 2 != 0 { found += try Self.scan(bytes[Self.snameRange], .sname).filter { $0.code != .overload } }

        var order: [DHCPOptionCode] = []
        var payloads: [DHCPOptionCode: [UInt8]] = [:]
        for (code, payload) in found {
            if payloads[code] == nil { order.append(code) }
            payloads[code, default: []] += payload
        }
        var options: [DHCPOption] = []
        for code in order { options.append(try DHCPOption(code: code, payload: payloads[code] ?? [])) }

        self.init(op: op, xid: number(4, 4), chaddr: Array(bytes[28..<28 + Int(bytes[2])]), htype: bytes[1], options: options)
        hops = bytes[3]
        secs = UInt16(truncatingIfNeeded: number(8, 2))
        flags = Flags(rawValue: UInt16(truncatingIfNeeded: number(10, 2)))
        ciaddr = address(12)
        yiaddr = address(16)
        siaddr = address(20)
        giaddr = address(24)
        sname = overloadValue & 2 != 0 ? [] : Array(bytes[Self.snameRange].prefix { $0 != 0 })
        file = overloadValue & 1 != 0 ? [] : Array(bytes[Self.fileRange].prefix { $0 != 0 })
    }

    /// The options of one field up to its end option, pads skipped. Each option must lie
    /// wholly inside the field (RFC 2131 4.1).
    package static func scan(_ field: ArraySlice<UInt8>, _ name: DHCPOptionField) throws(DHCPDecodingError) -> [(code: DHCPOptionCode, payload: [UInt8])] {
        var found: [(code: DHCPOptionCode, payload: [UInt8])] = []
        var index = field.startIndex
        while index < field.endIndex {
            let code = DHCPOptionCode(field[index])
            if code == .end { return found }
            if code == .pad { index += 1; continue }
            guard index + 1 < field.endIndex, index + 2 + Int(field[index + 1]) <= field.endIndex else {
                throw .optionOverrun(code, field: name, offset: index - field.startIndex)
            }
            let end = index + 2 + Int(field[index + 1])
            found.append((code, Array(field[index + 2..<end])))
            index = end
        }
        throw .missingEnd(name)
    }

    /// Option 52's value: bit 1 for file, bit 2 for sname; 0 without the option.
    static func overload(_ found: [(code: DHCPOptionCode, payload: [UInt8])]) throws(DHCPDecodingError) -> UInt8 {
        let instances = found.filter { $0.code == .overload }
        guard !instances.isEmpty else { return 0 }
        let payload = instances.flatMap(\.payload)
        guard payload.count == 1, let value = payload.first else {
            throw .badOption(.overload, "length \(payload.count), expected 1")
        }
        guard (1...3).contains(value) else { throw .badOption(.overload, "value \(value), expected 1, 2 or 3") }
        return value
    }
}
