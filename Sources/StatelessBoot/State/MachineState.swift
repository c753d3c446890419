import StatelessCore
import StatelessProtocols
import StatelessSystem

/// The state half of the overlay stage, after the rwtab or overlayfs: attaches the state
/// store, binds the statetab's paths from it (seeding each from the image the first
/// time), gives the machine its own identity, and shows the store where the root's
/// readonly-root config wants it. Facts go to /run/stateless/state.env.
///
/// Layout: the store holds each path at the same place below it (Fedora's layout), so
/// `/run/stateless/state/var/lib/foo` is bound over `/var/lib/foo`; the identity lives at
/// `etc/machine-id` and `etc/ssh/` there.
struct MachineState {
    package let places: WritablePlaces
    package let options: StateOptions
    let sizes: TmpfsSizes
    /// The root's readonly-root, when it says READONLY=yes.
    package let config: ReadonlyRootConfig?
    package let context: AttachContext
    /// The identity files the image ships (ImageIdentity.scan, before any place was made).
    var shipped: [IdentityFiles.Finding] = []
    /// overlayfs mode's lower: the image as it is, under the writable root.
    var imageView: String?
    package var root: String { places.root }
    package var log: Logger { context.log }

    package func apply() throws -> HandOffFacts<StateEnv> {
        let source = chooseStore(config)
        let store = try StateStore(options: options, sizes: sizes, context: context).attach(source)
        let paths = readStatetabs()
        let mounted = try bindStatetab(paths)
        do { try Posix.writeFile(WriteAudit.declaredStatetab, mounted.map { $0 + "\n" }.joined()) } catch { log.warning("overlay", "\(error)") }
        var facts = store.facts + [(.directory, StateStore.directory), (.statetabMounts, mounted.joined(separator: " "))]
        let identity = ImageIdentity(root: root, imageView: imageView, copier: places.copier(), log: log)
        // The image's files as seen before the writable places (which hide some), and the
        // ones a tmpfs root brought since (/etc and /var from /usr/share/factory).
        let seen = Set(shipped.map(\.path))
        let shipped = shipped + ImageIdentity.scan(root).filter { !seen.contains($0.path) }
        if options.perMachineIdentity {
            let made = try MachineIdentity(root: root, persistent: store.persistent, log: log).apply(statetab: mounted)
            facts += made
            var outcomes: [String: String] = [:]
            for finding in shipped {
                switch finding.file.handling {
                case .machineID: outcomes[finding.path] = made.first { $0.0 == .machineID }?.1
                case .sshHostKeys: outcomes[finding.path] = made.first { $0.0 == .sshHostKeys }?.1
                case .regenerated, .perMachine: break
                }
            }
            identity.apply(shipped, statetab: mounted, outcomes: outcomes)
        } else {
            log.info("overlay", "identity: the image's machine-id, SSH host keys and \(shipped.count) other identity files kept, as stateless.identity=0 asks")
            identity.apply(shipped, statetab: [], outcomes: Dictionary(shipped.map { ($0.path, "the image's (stateless.identity=0)") }) { a, _ in a })
        }
        if let mountPoint = config?.stateMount { facts += showStore(at: mountPoint) }
        return facts
    }

    /// The command line's store, else the root's readonly-root (when it says
    /// READONLY=yes), else a tmpfs, announced.
    func chooseStore(_ config: ReadonlyRootConfig?) -> StateStoreSource {
        if let store = options.store { return store }
        if let config, config.temporaryState {
            log.info("overlay", "state store: tmpfs, as TEMPORARY_STATE=yes in \(ReadonlyRootConfig.path) says")
            return .tmpfs
        }
        if let label = config?.stateLabel {
            log.info("overlay", "state store: LABEL=\(label), from STATE_LABEL in \(ReadonlyRootConfig.path)")
            return .block(.tag(name: "LABEL", value: label))
        }
        log.info("overlay", "state store: none configured, so a tmpfs: statetab paths, machine-id and SSH host keys are lost at reboot (controlled by stateless.state=)")
        return .tmpfs
    }

    /// The root's /etc/sysconfig/readonly-root, when it turns Fedora's read-only root on.
    static func readReadonlyRoot(_ root: String, _ log: Logger) -> ReadonlyRootConfig? {
        guard let text = try? Posix.readText(root + ReadonlyRootConfig.path) else { return nil }
        let (config, warnings) = ReadonlyRootConfig.parse(text)
        warnings.forEach { log.warning("overlay", "readonly-root: " + $0) }
        guard config.readonly else { return nil }
        if let mount = config.rwMount {
            log.info("overlay", "readonly-root: RW_MOUNT=\(mount) not used: the rwtab copies live at \(WritablePlaces.writableDirectory)")
        }
        return config
    }

    func readStatetabs() -> [String] {
        var paths: [String] = []
        for file in places.tableFiles("statetab") {
            guard let text = try? Posix.readText(file) else {
                log.warning("overlay", "statetab: cannot read \(file); skipped")
                continue
            }
            let parsed = Statetab.parse(text, source: file)
            parsed.warnings.forEach { log.warning("overlay", "statetab: " + $0) }
            paths += parsed.paths
        }
        return Statetab.plan(paths)
    }

    /// Returns the paths bound from the store. A path inside one already bound is in
    /// that copy already.
    func bindStatetab(_ paths: [String]) throws -> [String] {
        let copier = places.copier()
        var mounted: [String] = []
        var seeded = 0
        for path in paths where !mounted.contains(where: { path.hasPrefix($0 + "/") }) && places.isPlain(path, table: "statetab") {
            let image = root + path
            let stored = StateStore.directory + path
            let inImage = try Posix.lstatIfPresent(image)
            var inStore = try Posix.lstatIfPresent(stored)
            if inStore == nil {
                guard inImage != nil else {
                    log.info("overlay", "statetab: skipped \(path): in neither the image nor the state store")
                    continue
                }
                try Posix.makeParentDirectories(of: stored)
                try copier.copy(image, to: stored, depth: .everything)
                inStore = try Posix.lstatIfPresent(stored)
                seeded += 1
            }
            guard let inImage, let inStore, inImage.kind == inStore.kind else {
                log.warning("overlay", "statetab: skipped \(path): the image has \(Self.kind(inImage)) there, the state store \(Self.kind(inStore)); a bind mount needs the same kind")
                continue
            }
            try Posix.mount(source: stored, target: image, type: nil, flags: [.bind])
            mounted.append(path)
        }
        if !paths.isEmpty {
            log.info("overlay", "statetab: \(mounted.count) paths from the state store (\(seeded) seeded from the image this boot)")
        }
        return mounted
    }

    package static func kind(_ info: FileStatus?) -> String {
        switch info?.kind {
        case nil: return "nothing"
        case .directory?: return "a directory"
        case .regular?: return "a file"
        case .symlink?: return "a symlink"
        default: return "a special file"
        }
    }

    /// Fedora's STATE_MOUNT: the booted system also finds the store there, when the
    /// image has that directory.
    func showStore(at mountPoint: String) -> HandOffFacts<StateEnv> {
        guard places.isPlain(mountPoint, table: "readonly-root STATE_MOUNT"),
              let info = try? Posix.statIfPresent(root + mountPoint), info.kind == .directory
        else {
            log.info("overlay", "readonly-root: STATE_MOUNT=\(mountPoint) is not a directory in the image; the store is at \(StateStore.directory) only")
            return []
        }
        do {
            try Posix.mount(source: StateStore.directory, target: root + mountPoint, type: nil, flags: [.bind])
            return [(.mount, mountPoint)]
        } catch {
            log.warning("overlay", "readonly-root: STATE_MOUNT=\(mountPoint): \(error)")
            return []
        }
    }
}
