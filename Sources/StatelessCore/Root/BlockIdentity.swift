/// What libblkid read from one block device: the tags a `root=` can name.
public struct BlockIdentity: Equatable, Sendable {
    /// Filesystem or container type ("ext4", "crypto_LUKS"); nil when nothing was found.
    public var type: String?
    public var uuid: String?
    public var label: String?
    /// The GPT/MBR partition entry's UUID and name (PARTUUID=, PARTLABEL=).
    public var partUUID: String?
    public var partLabel: String?
    /// The partition entry's type: a GPT type UUID, or an MBR type such as `0x82`.
    public var partType: String?

    public init(type: String? = nil, uuid: String? = nil, label: String? = nil, partUUID: String? = nil, partLabel: String? = nil,
                partType: String? = nil) {
        self.type = type
        self.uuid = uuid
        self.label = label
        self.partUUID = partUUID
        self.partLabel = partLabel
        self.partType = partType
    }

    /// `ext4, UUID=…, LABEL=…` — only what is there.
    public var summary: String {
        let parts = [type, uuid.map { "UUID=\($0)" }, label.map { "LABEL=\($0)" },
                     partUUID.map { "PARTUUID=\($0)" }, partLabel.map { "PARTLABEL=\($0)" }].compactMap { $0 }
        return parts.isEmpty ? "nothing recognised" : parts.joined(separator: ", ")
    }
}

extension BlockDeviceReference {
    /// Whether a device with `identity` is the one named. UUIDs compare without regard
    /// to case, as blkid and udev write them in lower case but admins copy them from
    /// anywhere; labels compare exactly.
    public func matches(_ identity: BlockIdentity) -> Bool {
        guard case .tag(let name, let value) = self else { return false }
        switch name {
        case "UUID": return identity.uuid.map { $0.lowercased() == value.lowercased() } ?? false
        case "PARTUUID": return identity.partUUID.map { $0.lowercased() == value.lowercased() } ?? false
        case "LABEL": return identity.label == value
        case "PARTLABEL": return identity.partLabel == value
        default: return false
        }
    }
}
