import StatelessCore
import StatelessProtocols
import StatelessSystem

/// Attaches the root read-only at /sysroot by running the layers of its kind.
/// Intermediate mounts of layered kinds go under /run (an NFS export holding the image
/// file at /run/stateless/nfs, a live medium at /run/initramfs/live, where dracut puts
/// it), so that they move with /run into the booted system and stay visible there
/// (ARCHITECTURE.md).
public struct RootStage {
    public static let target = "/sysroot"

    package let context: AttachContext

    public init(options: BootOptions, watcher: DeviceWatcher, log: Logger) {
        context = AttachContext(options: options, watcher: watcher, log: log)
    }

    /// The layer to put on what the one below handed up, given the layers attached so
    /// far; nil once the root is mounted.
    /// `cache`: `stateless.cache=` keeps an image root on a local disk (CacheLayer);
    /// `roothash=` puts dm-verity (VerityLayer) over the image's loop device
    /// (`loopImage` its file) or the block root.
    static func nextLayer(for source: RootSource, on below: RootResource, after layers: [String] = [],
                          cache: CacheOptions = CacheOptions(), loopImage: String? = nil) -> RootLayer? {
        if case .blockDevice = below, let rootHash = cache.rootHash, cache.device == nil,
           !layers.contains(VerityLayer.layerName), !layers.contains(LiveImageLayer.name) {
            if layers.last == LoopDeviceLayer.layerName, let loopImage { return VerityLayer(tree: .beside(image: loopImage), rootHash: rootHash) }
            if case .block = source, let hash = cache.verityHash { return VerityLayer(tree: .device(hash), rootHash: rootHash) }
        }
        switch (source, below) {
        case (.live(let spec), .nothing) where cache.device != nil:
            if case .url(let url) = spec.medium { return CacheLayer(origin: .http(url)) }
            return LiveMediumLayer(spec: spec)
        case (.nfs(let spec), .nothing) where cache.device != nil: return CacheLayer(origin: .nfs(spec))
        case (.block(let reference), .nothing): return BlockDeviceLayer(reference: cache.verityData ?? reference)
        case (.nfs(let spec), .nothing): return NFSExportLayer(spec: spec, target: target)
        case (.iscsi(let spec), .nothing): return ISCSILayer(spec: spec)
        case (.live(let spec), .nothing): return LiveMediumLayer(spec: spec)
        case (_, .file(let image)): return LoopDeviceLayer(image: image)
        case (.live, .blockDevice) where !layers.contains(LiveImageLayer.name): return LiveImageLayer(target: target)
        // An ext4 live image: a snapshot unless overlayfs is asked for (dracut's rule).
        case (.live(let spec), .blockDevice) where !spec.forceOverlayfs && !layers.contains(LiveSnapshotLayer.name):
            return LiveSnapshotLayer()
        case (.live, .blockDevice): return FilesystemLayer(target: target, writable: layers.contains(LiveSnapshotLayer.name))
        case (_, .blockDevice): return FilesystemLayer(target: target)
        case (_, .directory), (.dhcp, _): return nil
        }
    }

    /// The modules the root's layers will load, as far as the command line says: queued
    /// ahead (Boot.requestRootModules) so they load while the boot waits for devices and
    /// the network. Nothing is guessed: a root without `rootfstype=` has its filesystem
    /// probed first, and `root=dhcp` names its kind only in the lease.
    static func modulesAhead(_ options: BootOptions) -> [String] {
        let filesystem = options.rootFilesystemType.map { ["fs-" + $0] } ?? []
        switch options.root {
        case .block?: return filesystem
        case .nfs(let spec)? where options.cache.device == nil:
            return NFSMountPlan.firstModules(spec: spec, rootFlags: options.rootFlags)
        case .iscsi?: return ["nbd"] + filesystem
        case .live(let spec)?:
            if case .device = spec.medium { return ["squashfs", "loop"] }
            return ["loop", "squashfs", "overlay"]
        case .nfs?, .dhcp?, nil: return []
        }
    }

    /// `ROOT_KIND` in root.env: what the command line or the lease named, and for NFS
    /// whether the export held an image file (a loop device among the layers).
    package static func kind(of source: RootSource, layers: [String]) throws -> RootKind {
        switch source {
        case .block: return .block
        case .nfs: return layers.contains(LoopDeviceLayer.layerName) || layers.contains(CacheLayer.layerName) ? .nfsLoop : .nfs
        case .iscsi: return .iscsi
        case .live: return .live
        case .dhcp:
            throw BootError("attach root", "root=dhcp", detail: "the DHCP root-path was not resolved to a root kind before the layers ran")
        }
    }

    /// Returns the facts for /run/stateless/root.env.
    public func attach() throws -> HandOffFacts<RootEnv> {
        guard var source = context.options.root else {
            throw BootError("find root", "root=", detail: "the kernel command line names no root", option: "root=")
        }
        var facts: HandOffFacts<RootEnv> = []
        if source == .dhcp {
            let (named, path) = try Self.rootFromLease(try BootNetwork.current(), line: context.options.commandLine)
            source = named
            facts.append((.pathFromDHCP, path))
            context.log.info("root", "the DHCP root-path names \(named)")
        }
        let cache = context.options.cache
        let stack = try LayerStack.attach(next: { below, layers in
            Self.nextLayer(for: source, on: below, after: layers.map(\.name), cache: cache,
                           loopImage: layers.compactMap { ($0 as? LoopDeviceLayer)?.image }.last)
        }) { layer, below in
            try layer.attach(below, context)
        }
        guard stack.resource == .directory(Self.target) else {
            throw BootError("attach root", "\(source)", detail: "the layers ended in \(stack.resource), not a tree at \(Self.target)")
        }
        let names = stack.layers.map(\.name)
        return [(.kind, try Self.kind(of: source, layers: names).rawValue), (.layers, names.joined(separator: " "))] + facts + stack.facts
    }

    /// `root=dhcp` (or no root on a network boot): the lease's root-path, read as dracut
    /// reads it: `iscsi:…` (ISCSIRootSpec), `live:…` (a live image, `rd.live.*` from
    /// `line`), else NFS with `nfs:` optional. Without a root-path, a boot file that is
    /// an http:// URL is a live image (the way iPXE-style setups hand one out).
    static func rootFromLease(_ network: BootNetwork, line: KernelCommandLine = KernelCommandLine(parsing: "")) throws -> (RootSource, String) {
        if network.rootPath == nil, let file = network.bootFile, HTTPURL.isURL(file) {
            do {
                return (.live(try LiveRootSpec.parse(file, option: "boot file (DHCP option 67)", line: line)), file)
            } catch let error as OptionError {
                throw BootError("find root", "root=dhcp", detail: "\(error)", option: "option 67 on the DHCP server")
            }
        }
        guard let path = network.rootPath else {
            throw BootError("find root", "root=dhcp", detail: "the DHCP lease of \(network.interface) (server \(network.dhcpServer?.description ?? "none")) carries no root-path (option 17)",
                            option: "root=, netroot=, or option 17 on the DHCP server")
        }
        do {
            if path.hasPrefix("iscsi:") { return (.iscsi(try ISCSIRootSpec.parse(path, option: "root-path (DHCP option 17)")), path) }
            if path.hasPrefix("live:") { return (.live(try LiveRootSpec.parse(String(path.dropFirst(5)), option: "root-path (DHCP option 17)", line: line)), path) }
            return (.nfs(try NFSRootSpec.parse(path, option: "root-path (DHCP option 17)", allowBare: true)), path)
        } catch let error as OptionError {
            throw BootError("find root", "root=dhcp", detail: "\(error)", option: "option 17 on the DHCP server")
        }
    }
}
