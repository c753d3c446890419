import StatelessCore
import StatelessProtocols
import StatelessSystem

/// The bottom layer of an image root kept in a local cache (`stateless.cache=` with
/// `root=live:http://…/NAME.squashfs` or `root=nfs:SERVER:/…/NAME.squashfs`): attaches the
/// cache, brings a newer signed release from the server into the inactive slot when the
/// server answers within `stateless.cache.timeout`, and hands up the active slot's image
/// through dm-verity.
/// Without the server the cached release boots, said in one line with its version and
/// age. A slot that fails its checks is never booted: the other slot is tried, else the
/// boot stops with the reason (docs/cached-clients.md).
struct CacheLayer: RootLayer {
    /// Where `NAME.squashfs` and its release files are.
    enum Origin {
        case http(HTTPURL)
        /// The export's directory is mounted read-only for the sync, then unmounted: a
        /// cached client does not hang on a server that goes away later.
        case nfs(NFSRootSpec)
    }

    var origin: Origin
    static let layerName = "cache"
    var name: String { Self.layerName }
    static let verityName = "stateless-root"
    static let exportMount = HandOff.directory + "/release"

    var location: String {
        switch origin {
        case .http(let url): return url.description
        case .nfs(let spec): return spec.description
        }
    }

    /// The release's name: the image's file name without its extension.
    var release: String {
        let file: String
        switch origin {
        case .http(let url): file = url.fileName
        case .nfs(let spec): file = NFSExportLayer.split(spec.path).file
        }
        return file.split(separator: ".").count > 1 ? String(file[..<file.lastIndex(of: ".")!]) : file
    }

    func attach(_ below: RootResource, _ context: AttachContext) throws -> AttachedLayer {
        let keys = TrustedKeys.load()
        guard !keys.keys.isEmpty else {
            throw BootError("attach cache", location, detail: "this image trusts no release key, so no release can be checked", option: "mkstateless build --trust KEY.pub")
        }
        let store = try CacheStore.attach(context.options.cache, context)
        keys.handOff(context.log)
        var record = store.record()
        // The slot that boots if nothing newer comes: attached (and so checked through
        // dm-verity) first, so that a sync never writes the slot this boot may need.
        var failures: [String] = []
        var current = bootable(in: record.map { [$0.active, $0.active.other] } ?? CacheRecord.Slot.allCases, store, keys, context, &failures)
        let target = current?.slot.other ?? CacheRecord.target(for: record)
        let (outcome, fetched) = withSource(context) { source in
            ReleaseSync(source: source, name: release, store: store, keys: keys, log: context.log, stage: context.stage,
                        timeoutSeconds: context.options.cache.timeoutSeconds, retrySeconds: context.options.retryBound(network: true))
                .update(&record, running: current?.version, into: target)
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
        chosen.facts = [(.cacheDevice, store.device), (.cacheMount, store.directory), (.cacheRelease, release), (.cacheSource, location),
                        (.cacheSync, outcome.rawValue), (.cacheFetchedBytes, String(fetched))] + chosen.facts
        return chosen
    }

    /// Runs `sync` with the release's source: the server, or the NFS export mounted for
    /// it (unmounted after). No network, or an export that does not mount within
    /// `stateless.cache.timeout`: offline, without asking.
    func withSource(_ context: AttachContext, _ sync: (ReleaseSource) -> (CacheSyncOutcome, Int64)) -> (CacheSyncOutcome, Int64) {
        guard let network = try? BootNetwork.current() else {
            context.log.warning(context.stage, "cache: no network (no lease or address): the server is not asked")
            return (.offline, 0)
        }
        switch origin {
        case .http(let url):
            return sync(HTTPReleaseSource(image: url))
        case .nfs(let spec):
            let timeout = context.options.cache.timeoutSeconds
            do {
                guard let server = try NFSExportLayer.server(spec, network) else {
                    throw BootError("find NFS server", "\(spec)", detail: "the root names no server, and the lease has none", option: "root=")
                }
                let path = spec.expandedPath(address: network.address, mac: network.mac, hostname: network.hostname)
                let directory = NFSExportLayer.split(path).directory
                let plan = try NFSMountPlan(spec: spec, server: server, path: directory, client: network.address, rootFlags: nil)
                _ = try NFSExportLayer(spec: spec, target: Self.exportMount)
                    .mountRetrying(plan, at: Self.exportMount, context, purpose: "cache source", retry: (timeout, "stateless.cache.timeout"))
            } catch {
                context.log.warning(context.stage, "cache: the server did not answer within \(timeout) s (stateless.cache.timeout=): \(error)")
                return (.offline, 0)
            }
            defer { NFSExportLayer.unmount(Self.exportMount, context.log) }
            return sync(DirectoryReleaseSource(location: location, directory: Self.exportMount))
        }
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
