/// A mount(2) call's flags and data, from an fstab-style option string (parsed by the
/// system target's `MountOptions(parsing:)`, with libmount).
public struct MountOptions: Equatable, Sendable {
    public var flags: MountFlags
    /// Options only the filesystem understands, passed as mount(2)'s data.
    public var data: String

    public init(flags: MountFlags, data: String) {
        self.flags = flags
        self.data = data
    }
}
