import StatelessCore
import StatelessProtocols
import StatelessSystem

/// Makes the few writable places of a read-only root (the image never changes at run time), in one of
/// three modes chosen by `stateless.overlay=`. Layout under /run, which the booted system
/// keeps:
///
///     /run/stateless/writable/      tmpfs: the rwtab copies, e.g. writable/var/log
///     /run/stateless/overlay/upper  tmpfs: overlayfs mode's upper and work dirs
///     /run/stateless/lower/         overlayfs mode: the read-only root itself
public struct WritablePlaces {
    public static let writableDirectory = "/run/stateless/writable"
    public static let overlayDirectory = "/run/stateless/overlay"
    public static let lowerDirectory = "/run/stateless/lower"
    /// Used when neither the root nor the initramfs brings an rwtab.
    public static let defaultRwtab = "/etc/stateless/rwtab.default"

    package let root: String
    package let log: Logger
    /// Makes sure the kernel knows a filesystem type (loads `fs-TYPE`).
    package let loadFilesystem: (String) -> Void
    /// A local scratch filesystem (LocalStorage) holding the areas instead of tmpfs, and
    /// whether the overlay's upper directory is kept there across boots.
    package var scratch: (directory: String, keepOverlay: Bool)?
    /// overlayfs mode's upper and work directories on a persistent filesystem (a live
    /// USB stick's overlay, LivePersistentOverlay) instead of the overlay area.
    package var persistentOverlay: (upper: String, work: String)?
    /// Paths (of the root) an rwtab or statetab copy leaves out: the image's identity
    /// files, when each machine gets its own (`stateless.identity=`).
    package var leftOutOfCopies: (String) -> Bool = { _ in false }

    public init(root: String, log: Logger, loadFilesystem: @escaping (String) -> Void) {
        self.root = root
        self.log = log
        self.loadFilesystem = loadFilesystem
    }

    /// Applies `mode` and returns the facts for /run/stateless/overlay.env. With
    /// `fstabRoot` (a read-only root), the root's fstab is rewritten (see `Fstab`).
    /// `systemd.volatile=state`: a tmpfs on /var first, which then holds every rwtab path
    /// below /var.
    /// `volatile` `.yes` replaces the mode by a tmpfs root (VolatileRoot).
    public func apply(_ mode: OverlayMode, sizes: TmpfsSizes, volatile: VolatileMode?, rootIsUsr: Bool,
                      fstabRoot: Fstab.RootEntry?) throws -> HandOffFacts<OverlayEnv> {
        var facts: HandOffFacts<OverlayEnv> = []
        if volatile == .state { facts += try mountVolatileVar(sizes) }
        switch volatile == .yes ? nil : mode {
        case nil:
            facts += try applyVolatileRoot(sizes, rootIsUsr: rootIsUsr)
        case .none?:
            facts += [(.mode, "none")]
        case .rwtab?:
            facts += try applyRwtab(sizes, skippingVar: volatile == .state)
        case .overlayfs?:
            facts += try applyOverlayfs(sizes)
            // What the image declares, for `stateless audit` (the overlay covers it all).
            recordDeclared(Rwtab.plan(readRwtabs(quiet: true)).map(\.entry))
        }
        if let fstabRoot { facts.append((.fstab, try protectRootInFstab(fstabRoot) ?? "")) }
        return facts
    }

    public static let fstabCopy = "/run/stateless/fstab"

    /// Bind-mounts the rewritten fstab over the root's; returns the copy's path, or nil
    /// when the root's fstab does not mount `/` (or is not a plain file).
    func protectRootInFstab(_ entry: Fstab.RootEntry) throws -> String? {
        let original = root + "/etc/fstab"
        guard let info = try Posix.lstatIfPresent(original) else { return nil }
        guard case .plain = Rwtab.placement(of: "/etc/fstab", readLink: { try? Posix.readLink(root + $0) }),
              info.kind == .regular
        else {
            log.warning("overlay", "/etc/fstab is not a plain file; if it lists /, systemd may remount the root read-write")
            return nil
        }
        guard let rewritten = Fstab.protectingRoot(try Posix.readText(original), entry) else { return nil }
        try Posix.writeFile(Self.fstabCopy, rewritten)
        try Posix.mount(source: Self.fstabCopy, target: original, type: nil, flags: [.bind])
        log.info("overlay", "/etc/fstab mounts /: a copy that keeps it read-only is bound over it (\(Self.fstabCopy))")
        return Self.fstabCopy
    }

    /// systemd.volatile=state: /var starts afresh on every boot, as a tmpfs holding the
    /// image's directory tree without its files (rwtab's `dirs`). systemd's own volatile
    /// /var starts empty and leaves the rest to systemd-tmpfiles, but Debian's packages
    /// make their /var directories when installed, not through tmpfiles: with an empty
    /// /var the stock Debian root logged rsyslog's missing /var/spool/rsyslog as an error.
    /// systemd's var.mount then finds /var mounted and leaves it.
    package func mountVolatileVar(_ sizes: TmpfsSizes) throws -> HandOffFacts<OverlayEnv> {
        let target = root + "/var"
        guard isPlain("/var", table: "systemd.volatile=state"),
              let info = try Posix.statIfPresent(target), info.kind == .directory else {
            throw BootError("make /var volatile", "/var", detail: "expected a directory in the image, found none (or a symlink)", option: "systemd.volatile=")
        }
        let staging = Self.volatileVarStaging
        try Posix.makeDirectories(staging)
        try Posix.mount(source: "tmpfs", target: staging, type: "tmpfs", flags: [.noSUID, .noDev], data: sizes.options(.var))
        try TreeCopy(warn: { log.warning("overlay", $0) }).copy(target, to: staging, depth: .directoriesOnly)
        try Posix.move(staging, to: target)
        try? Posix.removeDirectory(staging)
        log.info("overlay", "systemd.volatile=state: /var is a tmpfs with the image's directories and no files (\(sizes.options(.var)))")
        return [(.volatile, "state"), (.volatileVarOptions, sizes.options(.var))]
    }

    static let volatileVarStaging = "/run/stateless/volatile-var"

    /// An area's own tmpfs, limited in size; or, with a scratch filesystem, its directory
    /// there, bound in place and wiped first (the overlay's may be kept).
    func mountArea(_ directory: String, _ area: TmpfsArea, _ sizes: TmpfsSizes) throws {
        try Posix.makeDirectories(directory)
        guard let scratch else {
            try Posix.mount(source: "tmpfs", target: directory, type: "tmpfs", flags: [.noSUID, .noDev], data: sizes.options(area))
            return
        }
        let backing = scratch.directory + "/" + area.rawValue
        try Posix.makeDirectory(backing)
        if !(area == .overlay && scratch.keepOverlay) {
            var remover = RemoveTree()
            try remover.removeContents(of: backing)
        }
        try Posix.mount(source: backing, target: directory, type: nil, flags: [.bind])
    }

    // MARK: rwtab

    func applyRwtab(_ sizes: TmpfsSizes, skippingVar: Bool) throws -> HandOffFacts<OverlayEnv> {
        try mountArea(Self.writableDirectory, .writable, sizes)
        var entries = readRwtabs()
        if skippingVar {
            let below = entries.filter { $0.path == "/var" || $0.path.hasPrefix("/var/") }
            if !below.isEmpty { log.info("overlay", "rwtab: \(below.count) paths below /var left to its tmpfs (systemd.volatile=state)") }
            entries.removeAll { $0.path == "/var" || $0.path.hasPrefix("/var/") }
        }
        let steps = Rwtab.plan(entries)
        let copier = copier()
        // Every copy is made before the first bind mount: a nested entry copied after its
        // parent was mounted would read the tmpfs copy instead of the image.
        var binds: [String] = []
        var copied: [RwtabEntry] = []
        for step in steps {
            let path = step.entry.path
            guard isPlain(path) else { continue }
            guard Posix.exists(root + path) else {
                log.info("overlay", "rwtab: skipped \(path): not in the root image")
                continue
            }
            let copy = Self.writableDirectory + path
            try Posix.makeParentDirectories(of: copy)
            if !step.bindMount && step.entry.kind == .empty {
                var remover = RemoveTree()  // nested `empty` inside a copied tree: empty it
                try remover.removeContents(of: copy)
            }
            let depth: TreeCopy.Depth = switch step.entry.kind {
            case .empty: .entryOnly
            case .dirs: .directoriesOnly
            case .files: .everything
            }
            try copier.copy(root + path, to: copy, depth: depth)
            copied.append(step.entry)
            if step.bindMount { binds.append(path) }
        }
        for path in binds {
            try Posix.mount(source: Self.writableDirectory + path, target: root + path, type: nil, flags: [.bind])
        }
        recordDeclared(copied)
        log.info("overlay", "rwtab: \(binds.count) writable paths on \(Self.writableDirectory) (\(scratch == nil ? "tmpfs, " + sizes.options(.writable) : "scratch"))")
        return [(.mode, "rwtab"), (.writableDirectory, Self.writableDirectory),
                (.rwtabMounts, binds.joined(separator: " "))]
    }

    /// Copies from the image, without what `leftOutOfCopies` names.
    func copier() -> TreeCopy {
        var copier = TreeCopy(warn: { log.warning("overlay", $0) })
        copier.leaveOut = { [root, leftOutOfCopies] in $0.hasPrefix(root + "/") && leftOutOfCopies(String($0.dropFirst(root.count))) }
        return copier
    }

    /// Whether `path` can be copied and bind-mounted; a path with a symlink on the way is
    /// logged and left alone (see `RwtabPlacement`), one that escapes the root is refused.
    /// The statetab's paths are checked the same way (`table`).
    func isPlain(_ path: String, table: String = "rwtab") -> Bool {
        switch Rwtab.placement(of: path, readLink: { try? Posix.readLink(root + $0) }) {
        case .plain:
            return true
        case .symlink(let target):
            log.info("overlay", "\(table): \(path) is a symlink to \(target); left as it is (the link already says where the data lives)")
        case .belowSymlink(let directory, let target):
            log.info("overlay", "\(table): \(path) is below the symlink \(directory) → \(target); left as it is")
        case .escapes(let link, let target):
            log.warning("overlay", "\(table): refused \(path): the symlink \(link) → \(target) loops or leads outside the root")
        }
        return false
    }

    /// The root's /etc/rwtab and /etc/rwtab.d/*, then the initramfs's /run/initramfs/rwtab
    /// (Fedora's order); the image's default only when none of them exists.
    /// `quiet`: no log lines (overlayfs mode only records them for the audit).
    func readRwtabs(quiet: Bool = false) -> [RwtabEntry] {
        var present = tableFiles("rwtab") + ["/run/initramfs/rwtab"].filter(Posix.isRegularFile)
        if present.isEmpty {
            if !quiet { log.info("overlay", "rwtab: the root has none; using the image's \(Self.defaultRwtab)") }
            present = [Self.defaultRwtab]
        }
        var entries: [RwtabEntry] = []
        for file in present {
            guard let text = try? Posix.readText(file) else {
                if !quiet { log.warning("overlay", "rwtab: cannot read \(file); skipped") }
                continue
            }
            let parsed = Rwtab.parse(text, source: file)
            if !quiet { parsed.warnings.forEach { log.warning("overlay", "rwtab: " + $0) } }
            entries += parsed.entries
        }
        return entries
    }

    /// /run/stateless/rwtab: the places this boot made writable (or, in overlayfs mode,
    /// the ones the image declares), in rwtab syntax, for admins and `stateless audit`.
    func recordDeclared(_ entries: [RwtabEntry]) {
        let text = entries.map { "\($0.kind.rawValue) \($0.path)\n" }.joined()
        do { try Posix.writeFile(WriteAudit.declaredRwtab, text) } catch { log.warning("overlay", "\(error)") }
    }

    /// The root's /etc/NAME and /etc/NAME.d/* that are regular files, without editor and
    /// package-manager leftovers.
    func tableFiles(_ name: String) -> [String] {
        var files = [root + "/etc/" + name]
        let directory = root + "/etc/" + name + ".d"
        for entry in ((try? Posix.listDirectory(directory)) ?? []).sorted() where !Rwtab.isIgnoredFileName(entry) {
            files.append(directory + "/" + entry)
        }
        return files.filter(Posix.isRegularFile)
    }


    // MARK: overlayfs

    func applyOverlayfs(_ sizes: TmpfsSizes) throws -> HandOffFacts<OverlayEnv> {
        loadFilesystem("overlay")
        var upper = Self.overlayDirectory + "/upper"
        var work = Self.overlayDirectory + "/work"
        if let persistentOverlay {
            (upper, work) = persistentOverlay
        } else {
            try mountArea(Self.overlayDirectory, .overlay, sizes)
            try Posix.makeDirectory(upper)
            try Posix.makeDirectory(work)
        }
        try Posix.makeDirectories(Self.lowerDirectory)
        try Posix.move(root, to: Self.lowerDirectory)
        do {
            try Posix.mount(source: "overlay", target: root, type: "overlay",
                            data: "lowerdir=\(Self.lowerDirectory),upperdir=\(upper),workdir=\(work)")
        } catch {
            // Put the read-only root back where the next stage expects it.
            try? Posix.move(Self.lowerDirectory, to: root)
            throw error
        }
        log.info("overlay", "overlayfs on \(root): lower \(Self.lowerDirectory) (read-only), upper \(upper) (\(persistentOverlay != nil ? "persistent" : scratch == nil ? "tmpfs, " + sizes.options(.overlay) : "scratch"))")
        return [(.mode, "overlayfs"), (.lowerDirectory, Self.lowerDirectory),
                (.upperDirectory, upper), (.workDirectory, work)]
    }
}
