import StatelessCore
import StatelessProtocols
import StatelessSystem

/// Hides or replaces the identity-bearing files the image ships (IdentityFiles) beyond
/// machine-id and the SSH host keys (MachineIdentity), once the writable places and the
/// state store are there:
///
/// - regenerated (NetworkManager's secret_key, DHCP leases and DUIDs, systemd's
///   credential.secret): the rwtab and statetab copies left them out already; an overlay
///   shows the image's copy, so it is removed; a read-only directory is made writable
///   without it (a copy on /run, bound over), so the booted system can make its own.
/// - per machine (random-seed, open-iscsi's initiator name, ssl-cert's snake-oil pair):
///   this machine's file in the state store is bound over the image's.
///
/// Each outcome goes to /run/stateless/identity for `stateless audit`.
struct ImageIdentity {
    package let root: String
    /// The image as it is (overlayfs mode's lower): a copy there tells the image's file
    /// from this machine's own in a kept overlay.
    package let imageView: String?
    /// Copies from the image without its identity files (WritablePlaces.copier).
    let copier: TreeCopy
    package let log: Logger
    static let record = HandOff.directory + "/identity"
    /// Writable copies of read-only directories that held a regenerated file.
    static let directories = HandOff.directory + "/identity-dirs"
    static let snakeoilUnit = "stateless-snakeoil.service"
    /// Debian's services whose default configuration reads the snake-oil pair.
    static let snakeoilReaders = ["apache2.service", "nginx.service", "lighttpd.service", "postfix.service", "exim4.service",
                                 "dovecot.service", "slapd.service", "stunnel4.service", "courier-imap.service"]

    /// The identity files in `root` as the image has them (before any place is made).
    static func scan(_ root: String) -> [IdentityFiles.Finding] {
        IdentityFiles.scan(
            isRegularFile: { (try? Posix.lstatIfPresent(root + $0))??.kind == .regular },
            list: { (try? Posix.listDirectory(root + $0)) ?? [] },
            read: { try? Posix.readText(root + $0) })
    }

    /// Handles each finding not under a statetab path (the store's copy there is this
    /// machine's) and records what was done.
    func apply(_ findings: [IdentityFiles.Finding], statetab: [String], outcomes: [String: String]) {
        var lines: [String] = []
        for finding in findings {
            let path = finding.path
            var outcome: String
            if let given = outcomes[path] {
                outcome = given
            } else if let listed = statetab.first(where: { path == $0 || path.hasPrefix($0 + "/") }) {
                outcome = "left to the statetab's \(listed) (this machine's copy in the state store)"
            } else {
                do {
                    switch finding.file.handling {
                    case .regenerated: outcome = try hide(path, finding.file)
                    case .perMachine(let kind): outcome = try replace(path, kind)
                    case .machineID, .sshHostKeys: continue
                    }
                } catch {
                    outcome = "not handled: \(error)"
                    log.warning("overlay", "identity: \(path) (read by \(finding.file.readBy)) may be shared with every machine booting this image: \(error) (controlled by stateless.identity=)")
                }
            }
            lines.append("\(path)\t\(finding.file.readBy)\t\(outcome)")
        }
        do { try Posix.writeFile(Self.record, lines.map { $0 + "\n" }.joined()) } catch { log.warning("overlay", "\(error)") }
    }

    /// Makes sure the booted system does not see the image's copy of `path`.
    func hide(_ path: String, _ file: IdentityFile) throws -> String {
        let target = root + path
        guard Posix.exists(target) else { return "left out of the writable copy" }
        let directory = file.directory
        if Posix.isOnReadOnlyMount(root + directory) == false {
            if let imageView, let image = try? Posix.readFile(imageView + path), (try? Posix.readFile(target)) != image {
                return "this machine's own (kept in the overlay)"
            }
            try Posix.removeFile(target)
            log.info("overlay", "identity: \(path) (read by \(file.readBy)) removed from the writable root: the booted system makes this machine's own")
            return "removed from the writable root"
        }
        // The directory with its owner and mode, the identity files left out (`copier`).
        let copy = Self.directories + directory
        try Posix.makeParentDirectories(of: copy)
        try copier.copy(root + directory, to: copy, depth: .everything)
        try Posix.mount(source: copy, target: root + directory, type: nil, flags: [.bind])
        log.info("overlay", "identity: \(directory) made writable (\(copy)) without the image's \(path) (read by \(file.readBy)): the booted system makes this machine's own")
        return "hidden: \(directory) made writable without it"
    }

    /// Binds this machine's file from the state store over the image's `path`.
    func replace(_ path: String, _ kind: IdentityFile.PerMachine) throws -> String {
        let stored = StateStore.directory + path
        let target = root + path
        var made = false
        if !Posix.exists(stored) || kind == .initiatorName {
            try Posix.makeParentDirectories(of: stored)
            switch kind {
            case .randomSeed:
                var generator = SystemRandomNumberGenerator()
                try Posix.writeFile(stored, (0..<512).map { _ in UInt8.random(in: 0...255, using: &generator) }, mode: [.ownerReadWrite])
                made = true
            case .initiatorName:
                let (name, origin) = initiatorName(stored)
                made = origin != .store
                try Posix.writeFile(stored, "InitiatorName=\(name)\n")
                log.info("overlay", "identity: \(path): InitiatorName=\(name) (\(origin.rawValue))")
            case .snakeoil:
                try Posix.writeFile(stored, "", mode: path == IdentityFiles.snakeoilKey ? [.ownerReadWrite] : [.ownerReadWrite, .groupRead, .otherRead])
                made = true
            }
        }
        if !Posix.exists(target) {
            // Left out of an rwtab copy: a mount point in the copy.
            try Posix.writeFile(target, "")
        }
        try Posix.mount(source: stored, target: target, type: nil, flags: [.bind])
        switch (kind, path) {
        case (.snakeoil, IdentityFiles.snakeoilKey):
            // Empty until made: on each boot without a store, on a store's first.
            guard ((try? Posix.readFile(stored, limit: 1)) ?? []).isEmpty else { return "this machine's pair from the state store" }
            return installSnakeoilUnit()
        case (.snakeoil, _): return "this machine's (see \(IdentityFiles.snakeoilKey))"
        default: return made ? "made for this machine in the state store" : "this machine's from the state store"
        }
    }

    enum InitiatorOrigin: String {
        case iscsiRoot = "the iSCSI root's"
        case store = "state store"
        case mac = "from the boot NIC's MAC"
        case random = "random: no boot NIC"
    }

    /// The name the iSCSI root logged in with (a target's ACL names it), else the store's,
    /// else one derived from the boot NIC's MAC (stable per machine without a store), else
    /// a random one.
    func initiatorName(_ stored: String) -> (String, InitiatorOrigin) {
        if let name = HandOff.read(RootEnv.self)?.nonEmpty(.iscsi(.initiator)) { return (name, .iscsiRoot) }
        if let text = try? Posix.readText(stored), let name = InitiatorName.parse(text) { return (name, .store) }
        if let network = try? BootNetwork.current() { return (InitiatorName.derived(from: network.mac), .mac) }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<6).map { _ in UInt8.random(in: 0...255, using: &generator) }
        guard let random = MACAddress(bytes: bytes) else { preconditionFailure("six bytes are a MAC address") }
        return (InitiatorName.derived(from: random), .random)
    }

    /// The unit that makes the snake-oil pair before the services that read it.
    /// make-ssl-cert ends by linking the certificate's hash name in /etc/ssl/certs, which
    /// is read-only: the unit sees a tmpfs there holding only the certificate's file (this
    /// machine's, from the store), so the pair lands in the store and the link nowhere.
    func installSnakeoilUnit() -> String {
        let tool = "/usr/sbin/make-ssl-cert"
        guard Posix.exists(root + tool), BootUnit.rootHasSystemd(root) else {
            log.warning("overlay", "identity: \(IdentityFiles.snakeoilKey): the image's pair is hidden and the root has no \(tool) or no systemd to make this machine's; services reading it fail until one is made")
            return "hidden; no make-ssl-cert in the root"
        }
        let certificate = IdentityFiles.snakeoilCertificate
        let unit = BootUnit(name: Self.snakeoilUnit, description: "Create this machine's ssl-cert snake-oil key pair",
                            before: Self.snakeoilReaders, condition: "ConditionFileNotEmpty=!\(IdentityFiles.snakeoilKey)",
                            command: "\(tool) generate-default-snakeoil --force-overwrite",
                            service: ["TemporaryFileSystem=\(IdentityFiles.snakeoilCertificateDirectory)",
                                      "BindPaths=\(StateStore.directory + certificate):\(certificate)"])
        do {
            try unit.install()
        } catch {
            log.warning("overlay", "identity: cannot install \(Self.snakeoilUnit): \(error)")
            return "hidden; \(Self.snakeoilUnit) not installed"
        }
        log.info("overlay", "identity: \(IdentityFiles.snakeoilKey): the image's pair is hidden; \(BootUnit.directory)/\(Self.snakeoilUnit) runs make-ssl-cert before the services")
        return "made for this machine by \(Self.snakeoilUnit)"
    }
}
