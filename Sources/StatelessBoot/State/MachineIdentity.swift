import StatelessCore
import StatelessProtocols
import StatelessSystem

/// Gives the machine its own identity: an image built by debootstrap or an installer
/// carries a machine-id and SSH host keys, and every client booting it would share them.
///
/// - machine-id: with a persistent store, the store's `etc/machine-id` (made on the first
///   boot with that store) is bound over `/etc/machine-id` and D-Bus's copy. Without one,
///   an id the image carries (in either file) is replaced by a new one for this boot; an
///   image with neither is left to systemd, which makes its own (stable per VM where the
///   firmware gives a UUID).
/// - SSH host keys: the store's `etc/ssh` is bound over `/etc/ssh`. Each boot it gets the
///   image's /etc/ssh afresh except the host keys, which are this machine's: none on the
///   first boot, so a unit in /run/systemd/system runs the root's `ssh-keygen -A` before
///   sshd, and the keys land in the store.
///
/// A path the statetab lists (/etc/ssh, /etc/machine-id, or /etc) is left to it.
struct MachineIdentity {
    package let root: String
    package let persistent: Bool
    package let log: Logger
    static let keygenUnit = "stateless-ssh-keygen.service"

    package func apply(statetab: [String]) throws -> HandOffFacts<StateEnv> {
        func listed(_ path: String) -> Bool { statetab.contains { $0 == path || path.hasPrefix($0 + "/") } }
        var facts: HandOffFacts<StateEnv> = []
        if !listed("/etc/machine-id") { facts.append((.machineID, try machineID(dbusCopy: !listed(IdentityFiles.dbusMachineID)))) }
        if !listed("/etc/ssh"), let keys = try sshHostKeys() { facts.append((.sshHostKeys, keys)) }
        return facts
    }

    /// Returns where this boot's machine-id comes from (for state.env). D-Bus's copy, when
    /// the image has it as a file (debootstrap leaves one) and `dbusCopy`, gets the same
    /// id: systemd reads it when /etc/machine-id is empty, so left alone it would give
    /// every machine the image's id.
    func machineID(dbusCopy: Bool) throws -> String {
        let target = root + "/etc/machine-id"
        let stored = StateStore.directory + "/etc/machine-id"
        let image = MachineID(contents: try? Posix.readText(target))
        let dbusTarget = root + IdentityFiles.dbusMachineID
        let dbus = dbusCopy && (try? Posix.lstatIfPresent(dbusTarget))??.kind == .regular
            ? MachineID(contents: try? Posix.readText(dbusTarget)) : .missing
        var outcome: String
        switch (persistent, MachineID(contents: try? Posix.readText(stored))) {
        case (true, .id(let id)):
            log.info("overlay", "machine-id \(id) from the state store")
            outcome = "store"
        case (true, _):
            let id = try saveNewID(stored)
            log.info("overlay", "machine-id: new id \(id) saved in the state store (its first boot with this store)")
            outcome = "new-in-store"
        case (false, _):
            guard case .id(let shared) = image == .unset || image == .missing ? dbus : image else {
                log.info("overlay", "machine-id: the image has none; systemd makes one for this boot (keep it across boots with stateless.state=)")
                return "left-to-init"
            }
            // systemd in the initramfs (dracut's) has given this boot an id already, and its
            // journal is filed under it: the booted system goes on with the same.
            let initramfs = Self.initramfsMachineIDs.lazy.map { MachineID(contents: try? Posix.readText($0)) }
                .first { if case .id = $0 { true } else { false } } ?? .missing
            let id = try saveNewID(stored, reusing: initramfs)
            let whose = image == .id(shared) ? "image's" : "image's D-Bus copy's (\(IdentityFiles.dbusMachineID), which systemd reads when /etc/machine-id is empty)"
            let which = initramfs == .id(id) ? " (the initramfs systemd's)" : ""
            log.warning("overlay", "machine-id: the \(whose) \(shared) would be shared by every machine booting it; this boot uses \(id)\(which), lost at reboot (keep one per machine with stateless.state=)")
            outcome = "new-for-this-boot"
        }
        guard image != .missing || makeEmptyFile(target) else {
            log.warning("overlay", "machine-id: the read-only image has no /etc/machine-id to mount this machine's id on; systemd makes one for each boot (add an empty /etc/machine-id to the image)")
            return "left-to-init"
        }
        try Posix.mount(source: stored, target: target, type: nil, flags: [.bind])
        if dbus != .missing {
            try Posix.mount(source: stored, target: dbusTarget, type: nil, flags: [.bind])
            log.info("overlay", "machine-id: D-Bus's copy \(IdentityFiles.dbusMachineID) has the same id")
        }
        return outcome
    }

    /// Returns what happened to the host keys (for state.env); nil when the image has no
    /// /etc/ssh.
    func sshHostKeys() throws -> String? {
        let target = root + "/etc/ssh"
        guard let info = try Posix.lstatIfPresent(target), info.kind == .directory else { return nil }
        let stored = StateStore.directory + "/etc/ssh"
        try Posix.makeDirectories(stored)
        // The image's configuration, fresh each boot; this machine's keys stay.
        let copier = TreeCopy(warn: { log.warning("overlay", $0) })
        var remover = RemoveTree()
        for name in try Posix.listDirectory(stored) where !Self.isHostKey(name) {
            try remover.remove(stored + "/" + name)
        }
        let imageKeys = try Posix.listDirectory(target).filter(Self.isHostKey)
        for name in try Posix.listDirectory(target) where !Self.isHostKey(name) {
            try copier.copy(target + "/" + name, to: stored + "/" + name, depth: .everything)
        }
        let ownKeys = try Posix.listDirectory(stored).filter(Self.isHostKey)
        try Posix.mount(source: stored, target: target, type: nil, flags: [.bind])
        let hidden = imageKeys.isEmpty ? "" : " (the image's \(imageKeys.count) shared key files are hidden)"
        if !ownKeys.isEmpty {
            log.info("overlay", "SSH host keys: this machine's \(ownKeys.count) key files from the \(persistent ? "state store" : "tmpfs store")\(hidden)")
            return "store"
        }
        if installKeygenUnit() {
            log.info("overlay", "SSH host keys: none for this machine yet\(hidden); \(BootUnit.directory)/\(Self.keygenUnit) runs ssh-keygen -A before sshd\(persistent ? ", into the state store" : "")")
            return "keygen-unit"
        }
        log.warning("overlay", "SSH host keys: none for this machine yet\(hidden), and the root has no systemd and ssh-keygen to make them before sshd: its init must run ssh-keygen -A")
        return "none"
    }

    /// What tells this machine apart from its twins: the firmware's UUID and serial, the
    /// NICs' MAC addresses, the mounted filesystems (the state store's UUID among them).
    static func distinctFacts() -> [UInt8] {
        var files = ["/sys/class/dmi/id/product_uuid", "/sys/class/dmi/id/product_serial", "/proc/self/mountinfo"]
        files += ((try? Posix.listDirectory("/sys/class/net")) ?? []).sorted().map { "/sys/class/net/\($0)/address" }
        return files.flatMap { (try? Posix.readFile($0, limit: 65536)) ?? [] }
    }

    static func isHostKey(_ name: String) -> Bool {
        name.hasPrefix("ssh_host_") && (name.hasSuffix("_key") || name.hasSuffix("_key.pub") || name.hasSuffix("-cert.pub"))
    }

    /// Writes the unit that makes the keys, when the root has systemd and ssh-keygen.
    func installKeygenUnit() -> Bool {
        guard let keygen = ["/usr/bin/ssh-keygen", "/bin/ssh-keygen"].first(where: { Posix.exists(root + $0) }),
              BootUnit.rootHasSystemd(root) else { return false }
        let unit = BootUnit(name: Self.keygenUnit, description: "Create this machine's SSH host keys",
                            before: ["ssh.service", "sshd.service"], condition: "ConditionPathIsReadWrite=/etc/ssh",
                            command: "\(keygen) -A")
        do {
            try unit.install()
            return true
        } catch {
            log.warning("overlay", "SSH host keys: cannot install \(Self.keygenUnit): \(error)")
            return false
        }
    }

    /// Where systemd running in the initramfs keeps the id it made for this boot (from the
    /// VM's UUID where it can): mounted from /run, or written to the initramfs's own /etc.
    /// Our own image has neither.
    static let initramfsMachineIDs = ["/run/machine-id", "/etc/machine-id"]

    /// A new machine-id (or the one `reusing` holds), written to the store (persistent or
    /// tmpfs) at `path`.
    func saveNewID(_ path: String, reusing: MachineID = .missing) throws -> String {
        var id = MachineID.random(distinct: Self.distinctFacts())
        if case .id(let given) = reusing { id = given }
        try Posix.makeParentDirectories(of: path)
        try Posix.writeFile(path, id + "\n")
        return id
    }

    /// Creates an empty file to mount on, where the root is writable (overlayfs mode);
    /// false on a read-only root.
    func makeEmptyFile(_ path: String) -> Bool {
        guard let file = try? Posix.open(path, .writeOnly, options: [.create, .exclusiveCreate], permissions: [.ownerRead, .groupRead, .otherRead])
        else { return false }
        try? file.close()
        return true
    }
}
