/// mount(2)'s MS_* flags as a typed set. The values are the kernel's ABI
/// (include/uapi/linux/mount.h), written out so that plans (`NFSMountPlan`, `MountOptions`)
/// stay pure; a test of the system target checks each against the C library's constant.
public struct MountFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }

    public static let readOnly = MountFlags(rawValue: 1)
    public static let noSUID = MountFlags(rawValue: 2)
    public static let noDev = MountFlags(rawValue: 4)
    public static let noExec = MountFlags(rawValue: 8)
    public static let synchronous = MountFlags(rawValue: 16)
    public static let remount = MountFlags(rawValue: 32)
    public static let noATime = MountFlags(rawValue: 1 << 10)
    public static let noDirATime = MountFlags(rawValue: 1 << 11)
    public static let bind = MountFlags(rawValue: 1 << 12)
    public static let move = MountFlags(rawValue: 1 << 13)
    public static let recursive = MountFlags(rawValue: 1 << 14)
    public static let `private` = MountFlags(rawValue: 1 << 18)
    public static let slave = MountFlags(rawValue: 1 << 19)
    public static let shared = MountFlags(rawValue: 1 << 20)
    public static let relATime = MountFlags(rawValue: 1 << 21)
    public static let strictATime = MountFlags(rawValue: 1 << 24)
    public static let lazyTime = MountFlags(rawValue: 1 << 25)

    /// Each flag with the C name a log line gives it.
    public static let names: [(MountFlags, String)] = [
        (.readOnly, "MS_RDONLY"), (.noSUID, "MS_NOSUID"), (.noDev, "MS_NODEV"), (.noExec, "MS_NOEXEC"),
        (.synchronous, "MS_SYNCHRONOUS"), (.remount, "MS_REMOUNT"), (.noATime, "MS_NOATIME"),
        (.noDirATime, "MS_NODIRATIME"), (.bind, "MS_BIND"), (.move, "MS_MOVE"), (.recursive, "MS_REC"),
        (.relATime, "MS_RELATIME"), (.strictATime, "MS_STRICTATIME"), (.private, "MS_PRIVATE"),
        (.shared, "MS_SHARED"), (.slave, "MS_SLAVE"), (.lazyTime, "MS_LAZYTIME"),
    ]

    /// "0" for no flags, otherwise the names joined by "|", with any unknown bits in hex,
    /// so a log line says `MS_RDONLY|MS_BIND`.
    public var description: String {
        if isEmpty { return "0" }
        var rest = rawValue
        var parts: [String] = []
        for (flag, name) in Self.names where contains(flag) {
            parts.append(name)
            rest &= ~flag.rawValue
        }
        if rest != 0 { parts.append("0x" + String(rest, radix: 16)) }
        return parts.joined(separator: "|")
    }
}
