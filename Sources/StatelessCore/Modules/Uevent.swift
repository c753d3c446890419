/// A kernel uevent as it arrives on the NETLINK_KOBJECT_UEVENT socket:
/// `ACTION@DEVPATH\0KEY=VALUE\0KEY=VALUE\0…`.
public struct Uevent: Equatable, Sendable {
    public var action: String
    public var devpath: String
    public var properties: [String: String]

    public var subsystem: String? { properties["SUBSYSTEM"] }
    public var modalias: String? { properties["MODALIAS"] }
    /// The node name under /dev, for block and char devices.
    public var devname: String? { properties["DEVNAME"] }

    public init(action: String, devpath: String, properties: [String: String]) {
        self.action = action
        self.devpath = devpath
        self.properties = properties
    }

    /// Decodes one datagram. Returns nil for anything that is not a kernel uevent
    /// (udev's own "libudev" messages, empty or truncated datagrams): a malformed message
    /// must never stop the boot.
    public init?(bytes: some Collection<UInt8>) {
        let fields = bytes.split(separator: 0, omittingEmptySubsequences: true)
        guard let header = fields.first.map({ String(decoding: $0, as: UTF8.self) }),
              let at = header.firstIndex(of: "@")
        else { return nil }
        let action = String(header[..<at])
        let devpath = String(header[header.index(after: at)...])
        // Kernel actions are lowercase words: add, remove, change, move, bind, …
        guard !action.isEmpty, action.allSatisfy({ $0 >= "a" && $0 <= "z" }), devpath.hasPrefix("/") else { return nil }
        var properties: [String: String] = [:]
        for field in fields.dropFirst() {
            let text = String(decoding: field, as: UTF8.self)
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { continue }
            properties[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        if let declared = properties["ACTION"], declared != action { return nil }
        self.init(action: action, devpath: devpath, properties: properties)
    }
}
