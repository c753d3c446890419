import StatelessCore
import StatelessProtocols
import StatelessSystem
import SystemPackage

/// Brings the server's release into a slot: the signed manifest first; then, into the
/// inactive slot's `NAME.zck`, the zchunk header (checked against the manifest), every
/// chunk the slot already holds (a sync cut short) or the active slot has (libzck copies
/// them), and only the rest by HTTP range requests, one per run of adjacent chunks. The
/// slot's manifest is written last, after every chunk checked, and then the record flips:
/// a power cut at any point leaves the record naming the previous, complete slot.
struct ReleaseSync {
    /// Where `NAME.squashfs` and the release's files beside it are.
    var source: ReleaseSource
    var name: String
    var store: CacheStore
    var keys: TrustedKeys
    var log: Logger
    /// `root` at boot, `update` for the applet.
    var stage: String
    /// How long the server may take to send the manifest (`stateless.cache.timeout`).
    var timeoutSeconds: Int
    /// The bound on each range's retries without progress (`rd.retry`).
    var retrySeconds: Int

    /// Asks the server; a newer release goes into `slot` (never the one in use, whose
    /// release is `running`) and the record flips to it. Returns what happened and the
    /// bytes fetched; every outcome but `current` and `fetched` is one line in the log.
    func update(_ record: inout CacheRecord?, running: UInt64?, into slot: CacheRecord.Slot) -> (CacheSyncOutcome, Int64) {
        let signed: SignedRelease
        do {
            signed = try fetchManifest()
        } catch let error as ReleaseRefused {
            log.error(stage, "cache: the server's release is refused: \(error)")
            return (.refused, 0)
        } catch let missing as ReleaseMissing {
            log.error(stage, "cache: \(missing)")
            return (.failed, 0)
        } catch {
            log.warning(stage, "cache: the server did not answer within \(timeoutSeconds) s (stateless.cache.timeout=): \(error)")
            return (.offline, 0)
        }
        let manifest = signed.manifest
        switch manifest.decision(running: running, accepted: record?.version) {
        case .current:
            log.info(stage, "cache: release \(manifest.version) is current (slot \(slot.other.rawValue))")
            return (.current, 0)
        case .rollback(let from):
            log.error(stage, "cache: the server's release \(manifest.version) is older than the cached \(from): refused as a rollback (publish a higher --version)")
            return (.refused, 0)
        case .first, .newer:
            let start = Uptime.now()
            do {
                let filled = try fill(slot, with: signed, reusing: slot.other)
                let flipped = CacheRecord(active: slot, version: manifest.version, manifestSHA256: signed.sha256)
                try store.write(flipped)
                record = flipped
                let percent = Double(filled.fetchedBytes * 1000 / Int64(max(manifest.zckSize, 1))) / 10
                log.info(stage, "cache: release \(manifest.version) is in slot \(slot.rawValue) and active: \(filled.fetchedBytes) bytes fetched (\(percent) % of \(manifest.zckSize)) in \(filled.ranges) ranges, \(filled.reusedChunks) of \(filled.chunks) chunks reused, \(Uptime.now().milliseconds(since: start)) ms")
                return (.fetched, filled.fetchedBytes)
            } catch {
                log.error(stage, "cache: release \(manifest.version) not synced into slot \(slot.rawValue): \(error)")
                return (.failed, 0)
            }
        }
    }

    /// The server's manifest, checked against the trusted keys.
    func fetchManifest() throws -> SignedRelease {
        let text = try source.read(name + ".manifest", limit: 65536, seconds: timeoutSeconds, log: log)
        let signature = try source.read(name + ".manifest.sig", limit: 4096, seconds: timeoutSeconds, log: log)
        return try keys.check(manifest: text, signature: signature, origin: source.describe(name + ".manifest"))
    }

    /// What a fill fetched, for the log line and the bench.
    struct Filled {
        var fetchedBytes: Int64 = 0
        var ranges = 0
        var reusedChunks = 0
        var chunks = 0
    }

    /// Fills `slot` (never the one in use) with `release`, taking chunks from the
    /// `reusing` slot's file where it has them.
    func fill(_ slot: CacheRecord.Slot, with release: SignedRelease, reusing: CacheRecord.Slot) throws -> Filled {
        let manifest = release.manifest
        let files = store.slot(slot, name: name)
        // Incomplete from here on: a power cut leaves no manifest in this slot.
        for path in [files.manifest, files.signature] where Posix.exists(path) { try Posix.removeFile(path) }
        try Posix.syncDirectory(of: files.manifest)
        try makeRoom(for: manifest, in: files, slot: slot)
        try Posix.truncate(files.zck, to: manifest.zckSize)
        var filled = Filled()
        // The same release's header already there: a sync of it was cut short, and its
        // chunks are worth checking. Otherwise nothing in the file can be of use.
        let resuming = try headerDigest(files.zck, manifest) == manifest.zckHeaderSHA256
        if !resuming {
            try fetch(0...Int64(manifest.zckHeaderSize) - 1, into: files.zck, counting: &filled)
            guard try headerDigest(files.zck, manifest) == manifest.zckHeaderSHA256 else {
                throw BootError("verify release", source.describe(name + ".zck"),
                                detail: "the zchunk header does not have the manifest's SHA-256 \(manifest.zckHeaderSHA256) (a file changed under the manifest?)", option: "mkstateless publish")
            }
        }
        let target = try ZchunkFile(files.zck, writable: true)
        if resuming { try target.checkChunks() }
        let resumed = target.chunks.filter(\.valid).count
        if let older = try? ZchunkFile(store.slot(reusing, name: name).zck, writable: false) {
            try target.copyChunks(from: older)
            try syncFile(files.zck)
        }
        let chunks = target.chunks
        filled.chunks = chunks.count
        filled.reusedChunks = chunks.filter(\.valid).count
        let missing = chunks.filter { !$0.valid }.map { (start: $0.start, length: $0.length) }
        let ranges = ChunkRanges.merge(missing)
        log.info(stage, "cache: release \(manifest.version) into slot \(slot.rawValue): \(filled.reusedChunks) of \(chunks.count) chunks here already (\(resumed) from an earlier sync), \(missing.reduce(0) { $0 + $1.length }) bytes in \(ranges.count) ranges to fetch")
        // Synced after each range: a power cut keeps what came, and the next sync resumes.
        for range in ranges {
            try fetch(range, into: files.zck, counting: &filled)
            try syncFile(files.zck)
        }
        filled.ranges = ranges.count

        let check = try ZchunkFile(files.zck, writable: false)
        guard try check.checkChunks(), check.dataDigest == manifest.dataSHA256 else {
            let bad = check.chunks.filter { !$0.valid }.count
            throw BootError("verify release", files.zck, detail: "\(bad) chunks do not match the zchunk header after the sync (data SHA-256 \(check.dataDigest), the manifest says \(manifest.dataSHA256))",
                            option: "stateless.cache=")
        }
        // The slot is complete only once its manifest is there, written last and synced.
        try Posix.replaceFile(files.signature, String(decoding: release.signature, as: UTF8.self))
        try Posix.replaceFile(files.manifest, String(decoding: release.text, as: UTF8.self))
        return filled
    }

    private func syncFile(_ path: String) throws {
        let descriptor = try Posix.open(path, .readOnly)
        try descriptor.closeAfter { try Posix.sync(descriptor, path: path) }
    }

    /// Two slots must fit: the inactive one's old file makes room as it is overwritten.
    private func makeRoom(for manifest: ReleaseManifest, in files: CacheStore.SlotFiles, slot: CacheRecord.Slot) throws {
        let old = (try? Posix.statIfPresent(files.zck))??.size ?? 0
        let available = try Posix.availableBytes(store.directory) + UInt64(old)
        let total = UInt64(try Posix.filesystemBytes(store.directory))
        guard available >= manifest.zckSize else {
            let why = total < manifest.zckSize ? "too small for even one release of this size" : "too small for two slots of this release"
            throw BootError("sync cache", store.device, detail: "release \(manifest.version) needs \(manifest.zckSize) bytes in slot \(slot.rawValue), the cache has \(available) free: \(why)",
                            option: CacheStore.option)
        }
        if total < 2 * manifest.zckSize {
            log.warning(stage, "cache: \(store.device) (\(total) bytes) holds one release of \(manifest.zckSize) bytes, not two: the next release will not fit (a cache needs twice the release's size)")
        }
    }

    private func headerDigest(_ path: String, _ manifest: ReleaseManifest) throws -> String {
        var digest = SHA256()
        try Posix.readBytes(path, at: 0, count: Int(manifest.zckHeaderSize)).withUnsafeBytes { digest.update($0) }
        return digest.hexDigest()
    }

    /// One range of `NAME.zck` into the same bytes of the slot's file.
    private func fetch(_ range: ClosedRange<Int64>, into path: String, counting filled: inout Filled) throws {
        let descriptor = try Posix.open(path, .readWrite)
        defer { try? descriptor.close() }
        try source.copy(name + ".zck", range: range, into: descriptor, path: path, retrySeconds: retrySeconds, log: log)
        filled.fetchedBytes += Int64(range.count)
    }
}
