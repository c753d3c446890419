import StatelessCore
import StatelessProtocols
import StatelessSystem

/// The bottom layer of an image root kept in a local cache (`stateless.cache=` with
/// `root=live:http://…/NAME.squashfs`): attaches the cache, brings a newer signed release
/// from the server into the inactive slot when the server answers within
/// `stateless.cache.timeout`, and hands up the active slot's image through dm-verity.
/// Without the server the cached release boots, said in one line with its version and
/// age. A slot that fails its checks is never booted: the other slot is tried, else the
/// boot stops with the reason (docs/cached-clients.md).
struct CacheLayer: RootLayer {
    var image: HTTPURL
    var name: String { "cache" }
    static let verityName = "stateless-root"

    /// The release's name: the image's file name without its extension.
    var release: String {
        let file = image.fileName
        return file.split(separator: ".").count > 1 ? String(file[..<file.lastIndex(of: ".")!]) : file
    }

    func attach(_ below: RootResource, _ context: AttachContext) throws -> AttachedLayer {
        let keys = TrustedKeys.load()
        guard !keys.keys.isEmpty else {
            throw BootError("attach cache", image.description, detail: "this image trusts no release key, so no release can be checked", option: "mkstateless build --trust KEY.pub")
        }
        let store = try CacheStore.attach(context.options.cache, context)
        keys.handOff(context.log)
        var record = store.record()
        // The slot that boots if nothing newer comes: attached (and so checked through
        // dm-verity) first, so that a sync never writes the slot this boot may need.
        var failures: [String] = []
        var current = bootable(in: record.map { [$0.active, $0.active.other] } ?? CacheRecord.Slot.allCases, store, keys, context, &failures)
        let sync = ReleaseSync(image: image, name: release, store: store, keys: keys, log: context.log, stage: context.stage,
                               timeoutSeconds: context.options.cache.timeoutSeconds, retrySeconds: context.options.retryBound(network: true))
        let target = current?.slot.other ?? CacheRecord.target(for: record)
        let (outcome, fetched): (CacheSyncOutcome, Int64)
        if (try? BootNetwork.current()) == nil {
            context.log.warning(context.stage, "cache: no network (no lease or address): the server is not asked")
            (outcome, fetched) = (.offline, 0)
        } else {
            (outcome, fetched) = sync.update(&record, running: current?.version, into: target)
        }
        if outcome == .fetched, let record {
            if let fresh = bootable(in: [record.active], store, keys, context, &failures) {
                current?.layer.undo()
                current = fresh
            }
        } else if let current, outcome != .current || current.slot != record?.active {
            context.log.warning(context.stage, "cache: booting the cached release \(current.version) from slot \(current.slot.rawValue), published \(Self.age(current.created))")
        }
        guard var chosen = current?.layer else {
            throw BootError("attach cache", store.device, detail: failures.isEmpty ? "no release is cached and the server gave none (sync: \(outcome))" : failures.joined(separator: "; "),
                            option: CacheStore.option + " root=")
        }
        chosen.facts = [(.cacheDevice, store.device), (.cacheMount, store.directory), (.cacheRelease, release), (.cacheSource, image.description),
                        (.cacheSync, outcome.rawValue), (.cacheFetchedBytes, String(fetched))] + chosen.facts
        return chosen
    }

    /// The first of `slots` whose release checks and attaches; each failure is one line.
    func bootable(in slots: [CacheRecord.Slot], _ store: CacheStore, _ keys: TrustedKeys, _ context: AttachContext,
                  _ failures: inout [String]) -> (slot: CacheRecord.Slot, version: UInt64, created: Int64, layer: AttachedLayer)? {
        for slot in slots {
            do {
                guard let signed = try store.release(in: slot, name: release, keys: keys) else { continue }
                return (slot, signed.manifest.version, signed.manifest.created, try attachSlot(slot, signed, store, context))
            } catch {
                context.log.error(context.stage, "cache: slot \(slot.rawValue) not booted: \(error)")
                failures.append("slot \(slot.rawValue): \(error)")
            }
        }
        return nil
    }

    /// The slot's image: the zchunk data on a read-only loop device past the header, and
    /// dm-verity over it against the root hash of the slot's signed manifest.
    func attachSlot(_ slot: CacheRecord.Slot, _ signed: SignedRelease, _ store: CacheStore, _ context: AttachContext) throws -> AttachedLayer {
        let manifest = signed.manifest
        let files = store.slot(slot, name: release)
        context.watcher.modules.load(alias: "loop", reason: "cache slot \(slot.rawValue)")
        let loop = try LoopDevice.attach(files.zck, writable: false, directIO: context.options.loopDirectIO,
                                         offset: manifest.zckHeaderSize, sizeLimit: manifest.dataSize)
        let log = context.log
        let verity = VerityDevice(name: Self.verityName + "-" + slot.rawValue, data: loop.device, hash: loop.device, superblockOffset: manifest.verityHashOffset,
                                  rootHash: manifest.verityRootHash, option: "the manifest of slot \(slot.rawValue)")
        let opened: (node: String, undo: () -> Void)
        do { opened = try verity.open(context) } catch {
            LoopDeviceLayer.detach(loop.device, log)
            throw error
        }
        context.log.info(context.stage, "cache: release \(manifest.name) \(manifest.version) from slot \(slot.rawValue) (signed by \(signed.signer)) on \(opened.node)")
        return AttachedLayer(resource: .blockDevice(opened.node),
                             facts: [(.cacheSlot, slot.rawValue), (.cacheVersion, String(manifest.version)), (.loopDevice, loop.device),
                                     (.loopFile, files.zck), (.verityDevice, opened.node), (.verityRootHash, manifest.verityRootHash)],
                             undo: { opened.undo(); LoopDeviceLayer.detach(loop.device, log) })
    }

    /// "3 days ago", from the manifest's CREATED and the clock (which may be unset at boot).
    static func age(_ created: Int64) -> String {
        let now = WallClock.seconds()
        guard now > 1_600_000_000, now >= created else { return "at \(created) s since the epoch" }
        let seconds = now - created
        if seconds < 120 { return "\(seconds) s ago" }
        if seconds < 7200 { return "\(seconds / 60) min ago" }
        if seconds < 172_800 { return "\(seconds / 3600) h ago" }
        return "\(seconds / 86400) days ago"
    }
}
