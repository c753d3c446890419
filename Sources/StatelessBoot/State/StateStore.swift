import StatelessCore
import StatelessProtocols
import StatelessSystem
import SystemPackage

/// Attaches the machine's state store read-write at /run/stateless/state, which moves
/// with /run into the booted system. A store that cannot be attached is never left half
/// mounted: each attempt undoes itself, then `stateless.state.fallback=` decides between
/// a tmpfs store (with a warning) and stopping the boot.
struct StateStore {
    package static let directory = HandOff.directory + "/state"
    /// Where an NFS store's parent is mounted for a moment to create this machine's directory.
    static let parentMount = HandOff.directory + "/state-parent"

    package struct Attached {
        package var persistent: Bool
        package var facts: HandOffFacts<StateEnv>
    }

    package let options: StateOptions
    /// The size= of a tmpfs store.
    let sizes: TmpfsSizes
    package let context: AttachContext
    package var log: Logger { context.log }

    package func attach(_ source: StateStoreSource) throws -> Attached {
        do {
            switch source {
            case .tmpfs: return try mountTmpfs()
            case .block(let reference): return try mountBlock(reference)
            case .nfs(let spec): return try mountNFS(spec)
            }
        } catch let error where options.fallback == .tmpfs && source != .tmpfs {
            log.warning("overlay", "state store \(source) not attached: \(error)")
            log.warning("overlay", "state store: falling back to tmpfs: this machine's state (statetab paths, machine-id, SSH host keys) is lost at reboot (controlled by stateless.state.fallback=)")
            var attached = try mountTmpfs()
            attached.facts += [(.fallback, "tmpfs"), (.wanted, source.description)]
            return attached
        }
    }

    func mountTmpfs() throws -> Attached {
        try Posix.makeDirectories(Self.directory)
        try Posix.mount(source: "tmpfs", target: Self.directory, type: "tmpfs", flags: [.noSUID, .noDev],
                        data: sizes.options(.state))
        return Attached(persistent: false, facts: [(.store, "tmpfs"), (.persistent, "no")])
    }

    /// A local filesystem (LocalFilesystem): formatted only when blank and asked to.
    func mountBlock(_ reference: BlockDeviceReference) throws -> Attached {
        let (device, type) = try LocalFilesystem(purpose: "state store", option: "stateless.state=, stateless.state.timeout=",
                                                 formatOption: "stateless.state.format=", formatLabel: Self.formatLabel)
            .attach(reference, waitSeconds: options.timeoutSeconds, format: options.format, at: Self.directory, flags: [.noSUID, .noDev], context)
        return Attached(persistent: true, facts: [(.store, reference.description), (.persistent, "yes"),
                                                  (.device, device), (.fstype, type)])
    }

    static let formatLabel = "stateless-state"

    /// A directory on an NFS server, read-write. `${mac}`, `${hostname}` and `${ip}` make
    /// it one per machine; on a machine's first boot its directory does not exist yet, so
    /// the parent is mounted for a moment to create it (mode 0700).
    func mountNFS(_ spec: NFSRootSpec) throws -> Attached {
        let network = try BootNetwork.current()
        guard let server = try NFSExportLayer.server(spec, network) else {
            throw BootError("mount state store", "\(spec)", detail: "no server named", option: "stateless.state=")
        }
        let path = spec.expandedPath(address: network.address, mac: network.mac, hostname: network.hostname)
        let layer = NFSExportLayer(spec: spec, target: Self.directory)
        func mount(_ path: String, at mountPoint: String) throws -> NFSMountPlan {
            let plan = try NFSMountPlan(spec: spec, server: server, path: path, client: network.address, rootFlags: nil, writable: true)
            _ = try layer.mountRetrying(plan, at: mountPoint, context, purpose: "state store",
                                        retry: (options.timeoutSeconds, "stateless.state.timeout"),
                                        option: "stateless.state=, stateless.state.timeout=")
            return plan
        }
        let plan: NFSMountPlan
        do {
            plan = try mount(path, at: Self.directory)
        } catch let error as BootError where error.errno == .noSuchFileOrDirectory && path.split(separator: "/").count > 1 {
            let (parent, name) = NFSExportLayer.split(path)
            _ = try mount(parent, at: Self.parentMount)
            do {
                try Posix.makeDirectory(Self.parentMount + "/" + name, mode: 0o700)
                try Posix.unmount(Self.parentMount)
            } catch {
                NFSExportLayer.unmount(Self.parentMount, log)
                throw error
            }
            try? Posix.removeDirectory(Self.parentMount)
            log.info("overlay", "state store: created \(server):\(path), this machine's first boot with it")
            plan = try mount(path, at: Self.directory)
        }
        return Attached(persistent: true, facts: [(.store, spec.description), (.persistent, "yes"),
                                                  (.nfsSource, plan.source)])
    }
}
