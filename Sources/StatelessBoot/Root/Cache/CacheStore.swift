import StatelessCore
import StatelessProtocols
import StatelessSystem

/// The cache filesystem (`stateless.cache=`), mounted read-write at /run/stateless/cache,
/// which moves with /run into the booted system for `stateless update`. It holds two
/// slots, `a/` and `b/`, each with one release (`NAME.zck`, and `NAME.manifest` with its
/// `.sig`, written last: a slot without them is incomplete), and the `record` naming
/// the slot that boots (CacheRecord).
struct CacheStore {
    static let mountPoint = HandOff.directory + "/cache"
    static let formatLabel = "stateless-cache"
    static let option = "stateless.cache="

    var directory = Self.mountPoint
    var device = ""

    /// The files of one release in one slot.
    struct SlotFiles {
        var directory: String
        var name: String
        var zck: String { directory + "/\(name).zck" }
        var manifest: String { directory + "/\(name).manifest" }
        var signature: String { directory + "/\(name).manifest.sig" }
    }

    func slot(_ slot: CacheRecord.Slot, name: String) -> SlotFiles { SlotFiles(directory: directory + "/" + slot.rawValue, name: name) }

    var recordPath: String { directory + "/" + CacheRecord.fileName }

    func record() -> CacheRecord? {
        guard let text = try? Posix.readText(recordPath) else { return nil }
        return CacheRecord(parsing: text)
    }

    /// Replaces the record: from here on `record.active` boots.
    func write(_ record: CacheRecord) throws { try Posix.replaceFile(recordPath, record.text) }

    /// The release a complete slot holds, checked against the trusted keys; nil for a slot
    /// never filled or left incomplete.
    func release(in slot: CacheRecord.Slot, name: String, keys: TrustedKeys) throws -> SignedRelease? {
        let files = self.slot(slot, name: name)
        guard Posix.isRegularFile(files.manifest), Posix.isRegularFile(files.signature) else { return nil }
        return try keys.check(manifest: try Posix.readFile(files.manifest, limit: 65536), signature: try Posix.readFile(files.signature, limit: 4096),
                              origin: files.manifest)
    }

    /// Waits for the device, formats a blank one when `stateless.cache.format=1` says so,
    /// and mounts it read-write.
    static func attach(_ options: CacheOptions, _ context: AttachContext) throws -> CacheStore {
        guard let reference = options.device else { throw BootError("attach cache", "", detail: "no cache device named", option: option) }
        let (device, _) = try LocalFilesystem(purpose: "cache", option: option + " rd.timeout=", formatOption: "stateless.cache.format=", formatLabel: formatLabel)
            .attach(reference, waitSeconds: context.options.deviceTimeoutSeconds, format: options.format, at: mountPoint,
                    flags: [.noSUID, .noDev, .noExec], context)
        for slot in CacheRecord.Slot.allCases { try Posix.makeDirectories(mountPoint + "/" + slot.rawValue) }
        return CacheStore(device: device)
    }
}
