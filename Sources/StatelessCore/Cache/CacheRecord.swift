/// The cache's record (`record` at the top of the cache filesystem): which slot boots.
/// It only ever names a slot whose release was complete and checked when it was written,
/// and it is replaced whole (written beside, synced, renamed), so a power cut at any point
/// leaves either the old record or the new one, each naming a bootable slot.
public struct CacheRecord: Equatable, Sendable {
    /// The two places a release is kept in: `a/` and `b/` on the cache filesystem.
    public enum Slot: String, CaseIterable, Sendable {
        case a, b
        public var other: Slot { self == .a ? .b : .a }
    }

    public var active: Slot
    /// The active slot's release version: a manifest below it is a rollback.
    public var version: UInt64
    /// The SHA-256 of the active slot's manifest as it was accepted.
    public var manifestSHA256: String

    public init(active: Slot, version: UInt64, manifestSHA256: String) {
        self.active = active
        self.version = version
        self.manifestSHA256 = manifestSHA256
    }

    public static let fileName = "record"

    public var text: String {
        HandOff.format([("ACTIVE", active.rawValue), ("VERSION", String(version)), ("MANIFEST_SHA256", manifestSHA256)])
    }

    /// nil for a record that is not one (a cache never written, or damaged by hand): the
    /// cache then has no active slot, and the boot says so.
    public init?(parsing text: String) {
        let facts = HandOff.parse(text)
        guard let slot = facts["ACTIVE"].flatMap(Slot.init(rawValue:)), let version = facts["VERSION"].flatMap(UInt64.init),
              let digest = facts["MANIFEST_SHA256"], HexDigest.isSHA256(Substring(digest))
        else { return nil }
        self.init(active: slot, version: version, manifestSHA256: digest)
    }

    /// Where a release goes: the slot that is not active (the first one on a blank cache).
    public static func target(for record: CacheRecord?) -> Slot { record?.active.other ?? .a }
}

/// What a boot's (or `stateless update`'s) talk with the server came to: `CACHE_SYNC` in
/// root.env.
public enum CacheSyncOutcome: String, Sendable {
    /// A newer release was fetched into the other slot, which is now active.
    case fetched
    /// The server's release is the one that boots.
    case current
    /// No network, or no answer within `stateless.cache.timeout`.
    case offline
    /// The server's release is not trusted (signature, format) or is a rollback.
    case refused
    /// The sync failed (a damaged transfer, a full cache): the slot that was there boots.
    case failed
}
