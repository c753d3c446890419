/// The mount(2) calls for one NFS root, with the kernel's own text options: no mount.nfs,
/// rpcbind or statd runs in the initramfs. The kernel speaks the MOUNT protocol for NFSv3
/// itself and asks the server's rpcbind for the ports; NFSv4 needs neither.
///
/// What the admin gives (`nfs:`'s options, then `rootflags=`) wins; what is missing is
/// filled in for a root:
/// - the versions to try, newest first — NFSv4.2, 4.1, 4.0, then 3 for `nfs:` without
///   `vers=` (as `mount -t nfs` negotiates); a later one is tried only when the server
///   answers that it lacks the earlier one;
/// - `hard`: a root that returns I/O errors when the server is slow breaks the system
///   in stranger ways than one that waits;
/// - `timeo`/`retrans`: shorter than the kernel's TCP default (60 s), so that a server
///   that stops answering during boot is noticed within the bound (`bootTimeo`);
/// - `nolock` for NFSv3: locking needs rpc.statd, which the initramfs does not run
///   (dracut does the same); `lock` asks for it anyway, with a warning;
/// - `addr=` and, for NFSv4, `clientaddr=` (the callback address), which mount.nfs
///   would have looked up;
/// - `rsize`/`wsize` are left to the kernel, which takes the server's maximum.
///
/// The root is always read-only: `MS_RDONLY` whatever the options say. A state store on
/// NFS (`writable`) is the one read-write mount.
public struct NFSMountPlan: Equatable, Sendable {
    public struct Attempt: Equatable, Sendable {
        /// mount(2)'s type: `nfs` or `nfs4`.
        public var type: String
        /// `3`, `4.2`, … for log lines and root.env.
        public var version: String
        public var data: String
    }

    /// `server:/path`.
    public var source: String
    public var flags: MountFlags
    public var attempts: [Attempt]
    /// Whether `lock` was asked for on NFSv3 (the caller warns).
    public var locksWithoutStatd: Bool

    /// Tenths of a second, and retransmissions before "server not responding": a dead
    /// server is reported after about 3 × 5 s rather than 3 × 60 s.
    static let bootTimeo = 50
    static let bootRetrans = 2
    static let newestFirst = ["4.2", "4.1", "4.0"]

    /// The options of `nfs:…:<options>` then `rootflags=`, as one string for the parser.
    public static func optionText(spec: NFSRootSpec, rootFlags: String?) -> String {
        (spec.options + (rootFlags.map { [$0] } ?? [])).joined(separator: ",")
    }

    /// `parsed` is `optionText` parsed (mount(8)'s parser, in the system target).
    public init(spec: NFSRootSpec, server: IPv4Address, path: String, client: IPv4Address, parsed: MountOptions, writable: Bool = false) throws {
        var words = parsed.data.split(separator: ",").map(String.init)
        func value(_ names: String...) -> String? {
            words.last { word in names.contains { word.hasPrefix($0 + "=") } }.map { String($0[$0.index(after: $0.firstIndex(of: "=")!)...]) }
        }
        func has(_ names: String...) -> Bool {
            words.contains { word in names.contains { word == $0 || word.hasPrefix($0 + "=") } }
        }
        let versions = try Self.versions(vers: value("vers", "nfsvers"), minor: value("minorversion"), spec: spec)
        words.removeAll { word in ["vers", "nfsvers", "minorversion"].contains { word.hasPrefix($0 + "=") } }
        if !has("hard", "soft", "softerr") { words.append("hard") }
        if !has("timeo") { words.append("timeo=\(Self.bootTimeo)") }
        if !has("retrans") { words.append("retrans=\(Self.bootRetrans)") }
        if !has("addr") { words.append("addr=\(server)") }
        if let port = spec.port, !has("port") { words.append("port=\(port)") }
        let hasLocking = has("lock", "nolock")
        let hasClientAddress = has("clientaddr")
        source = "\(server):\(path)"
        flags = writable ? parsed.flags.subtracting(.readOnly) : parsed.flags.union(.readOnly)
        locksWithoutStatd = words.contains("lock") && versions.contains { !$0.hasPrefix("4") }
        attempts = versions.map { version in
            let four = version.hasPrefix("4")
            var own = words
            if !four && !hasLocking { own.append("nolock") }
            if four && !hasClientAddress { own.append("clientaddr=\(client)") }
            return Attempt(type: four ? "nfs4" : "nfs", version: version, data: (["vers=\(version)"] + own).joined(separator: ","))
        }
    }

    /// The modules the first attempt needs (`fs-nfs4` and `nfsv4`, or `fs-nfs` and
    /// `nfsv3`), from the command line alone: loaded ahead while the network comes up. A
    /// version the parser would refuse gives none (the mount reports it).
    public static func firstModules(spec: NFSRootSpec, rootFlags: String?) -> [String] {
        let words = optionText(spec: spec, rootFlags: rootFlags).split(separator: ",")
        func value(_ names: String...) -> String? {
            words.last { word in names.contains { word.hasPrefix($0 + "=") } }.map { String($0.drop { $0 != "=" }.dropFirst()) }
        }
        guard let first = try? versions(vers: value("vers", "nfsvers"), minor: value("minorversion"), spec: spec).first else { return [] }
        return first.hasPrefix("4") ? ["fs-nfs4", "nfsv4"] : ["fs-nfs", "nfsv3"]
    }

    package static func versions(vers: String?, minor: String?, spec: NFSRootSpec) throws -> [String] {
        let refusal = OptionError(option: "root", value: "\(spec)", expected: "vers= of 3, 4, 4.0, 4.1 or 4.2 (minorversion= of 0, 1 or 2)")
        if let minor {
            guard ["0", "1", "2"].contains(minor), vers == nil || vers == "4" else { throw refusal }
            return ["4.\(minor)"]
        }
        switch vers {
        case nil: return spec.version == .nfs4 ? newestFirst : newestFirst + ["3"]
        case "4": return newestFirst
        case "3", "4.0", "4.1", "4.2": return [vers!]
        default: throw refusal
        }
    }
}
