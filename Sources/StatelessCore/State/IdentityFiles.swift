/// The identity-bearing files an OS image may carry: written once where the image was
/// built (debootstrap, an installer, a package's postinst), they would be shared by every
/// machine booting it. One catalog, read by the boot (what it does with each), by both
/// audits and by the machine-state docs' table.
///
/// A file counts only when the image has it as a regular file: a symlink (D-Bus's
/// machine-id linked to /etc/machine-id) or an empty machine-id carry no identity.
public struct IdentityFile: Equatable, Sendable {
    /// What the boot does with the file.
    public enum Handling: Equatable, Sendable {
        /// /etc/machine-id and D-Bus's copy: one id per machine, bound over both.
        case machineID
        /// The SSH host keys: this machine's, made by the root's ssh-keygen.
        case sshHostKeys
        /// The booted system makes its own when the file is missing: the image's copy is
        /// hidden (left out of writable copies, removed from an overlay, or its directory
        /// made writable without it).
        case regenerated
        /// Nothing in the booted system makes a new one: the boot does, per machine, kept
        /// in the state store (a tmpfs store: for this boot).
        case perMachine(PerMachine)
    }

    /// The per-machine files the boot makes.
    public enum PerMachine: String, Equatable, Sendable {
        /// systemd-random-seed's seed: fresh bytes, never marked creditable.
        case randomSeed = "random-seed"
        /// open-iscsi's initiator name: the one the iSCSI root logged in with, else one
        /// derived from the boot NIC's MAC.
        case initiatorName = "initiator-name"
        /// Debian's ssl-cert snake-oil pair: empty in the store until a unit runs the root's
        /// make-ssl-cert before the services that read it.
        case snakeoil
    }

    /// An absolute path; its last component may hold one `*` (`/var/lib/dhcp/*.leases`).
    public let pattern: String
    /// Who reads it (for the audit and the docs).
    public let readBy: String
    public let handling: Handling

    public init(_ pattern: String, readBy: String, _ handling: Handling) {
        self.pattern = pattern
        self.readBy = readBy
        self.handling = handling
    }

    /// The directory the pattern's files are in.
    public var directory: String {
        String(pattern[..<(pattern.lastIndex(of: "/") ?? pattern.startIndex)])
    }

    var namePattern: Substring { pattern[pattern.index(after: pattern.lastIndex(of: "/") ?? pattern.startIndex)...] }

    public func matches(_ path: String) -> Bool {
        guard let slash = path.lastIndex(of: "/"), path[..<slash] == directory else { return false }
        let name = path[path.index(after: slash)...]
        let parts = namePattern.split(separator: "*", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return name == namePattern }
        return name.count >= parts[0].count + parts[1].count && name.hasPrefix(parts[0]) && name.hasSuffix(parts[1])
    }

    /// What the boot does, in a few words (the audit's and the docs' column).
    public var action: String {
        switch handling {
        case .machineID: return "one id per machine bound over it (the state store's, else new for this boot)"
        case .sshHostKeys: return "hidden; this machine's keys from the state store, else ssh-keygen -A before sshd"
        case .regenerated: return "hidden; the booted system makes its own"
        case .perMachine(.randomSeed): return "replaced by fresh bytes, never credited; kept in the state store"
        case .perMachine(.initiatorName): return "replaced by this machine's name (the iSCSI root's, else from the MAC); kept in the state store"
        case .perMachine(.snakeoil): return "replaced by this machine's pair (make-ssl-cert before the services); kept in the state store"
        }
    }
}

public enum IdentityFiles {
    public static let dbusMachineID = "/var/lib/dbus/machine-id"
    public static let randomSeed = "/var/lib/systemd/random-seed"
    public static let initiatorName = "/etc/iscsi/initiatorname.iscsi"
    public static let snakeoilKey = "/etc/ssl/private/ssl-cert-snakeoil.key"
    public static let snakeoilCertificateDirectory = "/etc/ssl/certs"
    public static let snakeoilCertificate = snakeoilCertificateDirectory + "/ssl-cert-snakeoil.pem"

    /// Every identity-bearing file the boot knows, in the docs' order.
    public static let catalog: [IdentityFile] = [
        IdentityFile("/etc/machine-id", readBy: "systemd, journald, networkd (DHCP client id, DUID), sd-id128 users", .machineID),
        IdentityFile(dbusMachineID, readBy: "D-Bus; systemd when /etc/machine-id is empty", .machineID),
        IdentityFile("/etc/ssh/ssh_host_*", readBy: "sshd", .sshHostKeys),
        IdentityFile(randomSeed, readBy: "systemd-random-seed (credits it when marked creditable)", .perMachine(.randomSeed)),
        IdentityFile("/var/lib/systemd/credential.secret", readBy: "systemd-creds (host key of encrypted credentials)", .regenerated),
        IdentityFile("/var/lib/dhcp/*.leases", readBy: "dhclient (ifupdown): leases, DHCPv6 DUID", .regenerated),
        IdentityFile("/var/lib/dhcpcd/duid", readBy: "dhcpcd", .regenerated),
        IdentityFile("/var/lib/dhcpcd/secret", readBy: "dhcpcd (stable private IPv6 addresses)", .regenerated),
        IdentityFile("/var/lib/dhcpcd/*.lease", readBy: "dhcpcd", .regenerated),
        IdentityFile("/etc/dhcpcd.duid", readBy: "dhcpcd before 9", .regenerated),
        IdentityFile("/etc/dhcpcd.secret", readBy: "dhcpcd before 9", .regenerated),
        IdentityFile("/var/lib/NetworkManager/secret_key", readBy: "NetworkManager (stable IPv6 addresses, MACs, DHCP ids)", .regenerated),
        IdentityFile("/var/lib/NetworkManager/*.lease", readBy: "NetworkManager's DHCP client", .regenerated),
        IdentityFile(snakeoilKey, readBy: "apache2, postfix, exim4, dovecot… (ssl-cert's default TLS key)", .perMachine(.snakeoil)),
        IdentityFile(snakeoilCertificate, readBy: "the same services (its certificate)", .perMachine(.snakeoil)),
        IdentityFile(initiatorName, readBy: "iscsid, iscsiadm (open-iscsi)", .perMachine(.initiatorName)),
    ]

    /// The catalog entry for `path`, if it names an identity-bearing file.
    public static func entry(for path: String) -> IdentityFile? {
        catalog.first { $0.matches(path) }
    }

    /// Whether a copy of the image into a writable place must leave `path` out: the
    /// booted system regenerates it, or the boot puts this machine's own there.
    /// (machine-id is bound over after the copies; a copy of it is harmless.)
    public static func isLeftOutOfCopies(_ path: String) -> Bool {
        guard let entry = entry(for: path) else { return false }
        switch entry.handling {
        case .regenerated, .perMachine, .sshHostKeys: return true
        case .machineID: return false
        }
    }

    /// One file the image ships, with what the boot does (both audits).
    public struct Finding: Equatable, Sendable {
        public var path: String
        public var file: IdentityFile
        /// What makes it shared, when not the mere presence (the machine-id's value).
        public var detail: String?
    }

    /// The identity-bearing files a root holds. `isRegularFile` answers lstat for a path
    /// in the root (a symlink is not one), `list` a directory's names, `read` a small
    /// file's text.
    public static func scan(isRegularFile: (String) -> Bool, list: (String) -> [String],
                            read: (String) -> String?) -> [Finding] {
        var findings: [Finding] = []
        for file in catalog {
            let paths = file.pattern.contains("*")
                ? list(file.directory).sorted().map { file.directory + "/" + $0 }.filter(file.matches)
                : [file.pattern]
            for path in paths where isRegularFile(path) {
                if file.handling == .machineID {
                    guard case .id(let id) = MachineID(contents: read(path)) else { continue }
                    findings.append(Finding(path: path, file: file, detail: "id \(id)"))
                } else {
                    findings.append(Finding(path: path, file: file, detail: nil))
                }
            }
        }
        return findings
    }

    /// The audit's lines: one per file, `PATH: read by …; the boot: …`.
    public static func render(_ findings: [Finding]) -> [String] {
        findings.map { finding in
            "\(finding.path)\(finding.detail.map { " (\($0))" } ?? ""): read by \(finding.file.readBy); the boot: \(finding.file.action)"
        }
    }
}
