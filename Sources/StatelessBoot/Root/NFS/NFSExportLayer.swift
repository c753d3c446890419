import StatelessCore
import StatelessProtocols
import StatelessSystem
import SystemPackage

/// The bottom layer of an NFS root: mounts the export read-only at /sysroot. When the
/// path names a file rather than a directory (the kernel answers ENOTDIR), it is an image
/// of the root (NFS-loopback): the file's directory is mounted at `exportMount` instead
/// and the file is handed up to a loop device; that mount moves with /run into the
/// booted system and stays visible there.
struct NFSExportLayer: RootLayer {
    package let spec: NFSRootSpec
    package let target: String
    package var name: String { "nfs" }

    static let exportMount = HandOff.directory + "/nfs"

    package func attach(_ below: RootResource, _ context: AttachContext) throws -> AttachedLayer {
        let network = try BootNetwork.current()
        guard let server = try Self.server(spec, network) else {
            throw BootError("find NFS server", "\(spec)", detail: "the root names no server, and the lease of \(network.interface) has no next-server or DHCP server to take it from",
                            option: "root=nfs:<server>:<path>, nfsroot=")
        }
        let path = spec.expandedPath(address: network.address, mac: network.mac, hostname: network.hostname)
        let plan = try NFSMountPlan(spec: spec, server: server, path: path, client: network.address, rootFlags: context.options.rootFlags)
        if plan.locksWithoutStatd {
            context.log.warning("root", "NFSv3 with lock asked for: no rpc.statd runs in the initramfs, so locks on the root fail until the booted system starts one")
        }
        let log = context.log
        do {
            let version = try mountRetrying(plan, at: target, context)
            warnIfOwnersAreNames(target, context.log)
            return AttachedLayer(resource: .directory(target), facts: facts(plan, version: version, at: target), undo: { [target] in
                Self.unmount(target, log)
            })
        } catch let error as BootError where error.errno == .notDirectory {
            // The path is a file: mount its directory, hand up the file.
            let (directory, file) = Self.split(path)
            context.log.info("root", "\(server):\(path) is a file, not a directory: mounting \(server):\(directory) to attach it as the root's image")
            let exportPlan = try NFSMountPlan(spec: spec, server: server, path: directory, client: network.address, rootFlags: nil)
            try Posix.makeDirectories(Self.exportMount)
            let version = try mountRetrying(exportPlan, at: Self.exportMount, context)
            let image = Self.exportMount + "/" + file
            guard Posix.isRegularFile(image) else {
                Self.unmount(Self.exportMount, log)
                throw BootError("attach NFS root", "\(server):\(path)", detail: "expected a directory or a filesystem image file, found neither (the export \(directory) has no regular file \(file))",
                                option: "root=, nfsroot=")
            }
            return AttachedLayer(resource: .file(image), facts: facts(exportPlan, version: version, at: Self.exportMount) + [(.nfsImage, image)],
                                 undo: { Self.unmount(Self.exportMount, log) })
        }
    }

    package func facts(_ plan: NFSMountPlan, version: NFSMountPlan.Attempt, at mountPoint: String) -> HandOffFacts<RootEnv> {
        [(.spec, "\(spec)"), (.nfsSource, plan.source), (.nfsVersion, version.version),
         (.nfsOptions, version.data), (.nfsMount, mountPoint)]
    }

    /// The root's own server, else the boot server or the DHCP server. Host names need a
    /// resolver, which the initramfs does not have yet.
    package static func server(_ spec: NFSRootSpec, _ network: BootNetwork) throws -> IPv4Address? {
        guard let name = spec.server else { return network.defaultServer }
        guard let address = IPv4Address(parsing: name) else {
            throw BootError("find NFS server", name, detail: "expected the server's IPv4 address: host names are not resolved in the initramfs yet",
                            option: "root=nfs:<server>:<path>, nfsroot=")
        }
        return address
    }

    /// NFSv4 sends owners as `user@domain`; without an idmapper (none runs in the
    /// initramfs, and minimal roots have none) the client shows them as nobody, and
    /// systemd then refuses paths it sees owned by nobody under a root-owned /. The
    /// server must send numbers, which kernel nfsd does for AUTH_SYS by default.
    func warnIfOwnersAreNames(_ mountPoint: String, _ log: Logger) {
        guard let status = try? Posix.statIfPresent(mountPoint), [65534, 4_294_967_294].contains(status.owner) else { return }
        log.warning("root", "the NFS root's / shows as owned by uid \(status.owner) (nobody): the server sends owners as names, which the kernel cannot map without an idmapper; make it send numeric owners (ganesha: Only_Numeric_Owners = true; kernel nfsd does for sec=sys)")
    }

    /// `/images/os.squashfs` → (`/images`, `os.squashfs`); `/os.img` → (`/`, `os.img`).
    package static func split(_ path: String) -> (directory: String, file: String) {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        guard let slash = trimmed.lastIndex(of: "/") else { return ("/", trimmed) }
        let directory = String(trimmed[..<slash])
        return (directory.isEmpty ? "/" : directory, String(trimmed[trimmed.index(after: slash)...]))
    }

    package static func unmount(_ mountPoint: String, _ log: Logger) {
        do { try Posix.unmount(mountPoint, detach: true) } catch { log.warning("root", "undo: \(error)") }
    }

    /// Tries the plan's versions newest first, going on to the next only when the server
    /// says it lacks one; other errors that can pass (no answer, connection refused)
    /// are retried with back-off (1, 2, 4, 8 s) until `rd.retry` runs out. Each mount(2)
    /// runs under `stateless.mount-timeout`; one that outlives it is not retried, since
    /// it may still complete.
    ///
    /// The state store uses it too: `purpose` names the mount in log lines and errors,
    /// `retry` (the bound and its option) and `option` replace the root's.
    func mountRetrying(_ plan: NFSMountPlan, at mountPoint: String, _ context: AttachContext, purpose: String = "root",
                       retry: (seconds: Int, option: String)? = nil,
                       option: String = "root=, nfsroot=, rootflags=, rd.retry=") throws -> NFSMountPlan.Attempt {
        try Posix.makeDirectories(mountPoint)
        let options = context.options
        let retrySeconds = retry?.seconds ?? options.retryBound(network: true)
        let retryOption = retry?.option ?? "rd.retry"
        // The version's module too: the kernel would ask for it through a modprobe
        // process, which costs a process start. The first version's are loaded before
        // the clock starts: rd.retry bounds the time spent trying the server, not loading
        // drivers (seconds on a slow machine, which would eat the retries).
        func loadModules(_ attempt: NFSMountPlan.Attempt) {
            context.watcher.modules.loadFilesystem(attempt.type, reason: "NFS \(purpose)")
            context.watcher.modules.load(alias: "nfsv\(attempt.version.prefix(1))", reason: "NFS \(purpose)")
        }
        plan.attempts.first.map(loadModules)
        // The kernel asks for `rpc-auth-6` (RPCSEC_GSS) during every NFSv4 mount; with no
        // module for it in the image (Kerberos needs rpc.gssd, which no initramfs of ours
        // runs), the answer is no, given without starting the modprobe helper each time.
        // Only while none of our module loads runs: a driver's init may ask the kernel
        // for something the image does serve (a crypto algorithm).
        let gssAnswerKnown = !context.watcher.modules.serves("rpc-auth-6")
        func mountAnsweringGSS(_ mount: () throws -> Void) throws {
            if gssAnswerKnown && context.watcher.modules.isIdle { try ModuleRequests.answeredWithoutHelper(mount) } else { try mount() }
        }
        /// One round over the plan's versions that ended in no mount.
        struct RoundFailed: Error {
            var attempt: NFSMountPlan.Attempt
            var error: BootError
            var lacking: [String]
        }
        func failure(_ round: RoundFailed, _ spent: Retry<KernelClock>.Spent) -> BootError {
            BootError("mount NFS \(purpose)", "\(plan.source) (NFSv\(round.attempt.version))", errno: round.error.errno,
                      detail: Self.explain(round.error.errno, plan, round.attempt, tried: round.lacking) + " (\(spent.text))", option: option)
        }
        let retry = Retry(seconds: retrySeconds, clock: KernelClock())
        let start = Uptime.now()
        var rounds = 0
        do {
            return try retry.run({ round in
                rounds = round
                var lacking: [String] = []
                // An NFSv4 "no such export" or "not permitted" before an NFSv3 attempt: what
                // mount.nfs does, try v3 (a server without a v4 pseudo root, or one that
                // exports the path to v3 only); if v3 fails too, the v4 answer is the one named.
                var withoutV4: (NFSMountPlan.Attempt, BootError)?
                for attempt in plan.attempts where withoutV4 == nil || attempt.type == "nfs" {
                    loadModules(attempt)
                    do {
                        try mountAnsweringGSS {
                            try context.watcher.modules.kernelCalls.mount(source: plan.source, target: mountPoint, type: attempt.type, flags: plan.flags,
                                                                          data: attempt.data, seconds: options.mountTimeoutSeconds, stage: context.stage, log: context.log)
                        }
                    } catch let error as BootError where error.kind == .failed {
                        // mount(2)'s own answer; a call that outlived its bound (.noAnswer)
                        // is thrown at once, not retried: it may still complete.
                        if error.errno == .protocolNotSupported && attempt != plan.attempts.last {
                            lacking.append(attempt.version)
                            continue
                        }
                        if withoutV4 == nil && attempt.type == "nfs4" && [.noSuchFileOrDirectory, .notPermitted].contains(error.errno)
                            && plan.attempts.contains(where: { $0.type == "nfs" }) {
                            withoutV4 = (attempt, error)
                            continue
                        }
                        let (named, answer) = withoutV4 ?? (attempt, error)
                        throw RoundFailed(attempt: named, error: answer, lacking: lacking)
                    }
                    var fallback = lacking.isEmpty ? "" : " (the server has no NFSv\(lacking.joined(separator: ", v")))"
                    if let (v4, error) = withoutV4 {
                        fallback = " (NFSv\(v4.version) answered \(error.errno.map(errnoName) ?? "\(error)") for this path)"
                    }
                    context.log.info(context.stage, "mounted \(plan.source) on \(mountPoint) with NFSv\(attempt.version)\(fallback): \(attempt.data)")
                    return attempt
                }
                fatalError("every NFS attempt ends in a mount, a fallback to the next version or a failure")
            }, judge: { error in
                guard let round = error as? RoundFailed, let errno = round.error.errno, Self.isTransient(errno) else { return .final }
                return .again
            }, willRetry: { error, wait, _ in
                guard let round = error as? RoundFailed else { return }
                context.log.warning(context.stage, "\(plan.source): \(round.error.errno.map { "\($0) (\(errnoName($0)))" } ?? "\(round.error)"): \(Self.explain(round.error.errno, plan, round.attempt, tried: round.lacking)); retrying in \(Backoff.text(wait)) (\(retryOption)=\(retrySeconds))")
            }, gaveUp: { error, spent in
                (error as? RoundFailed).map { failure($0, spent) } ?? error
            })
        } catch let round as RoundFailed {
            throw failure(round, .init(attempts: rounds, milliseconds: Uptime.now().milliseconds(since: start)))
        }
    }

    package static func isTransient(_ errno: Errno) -> Bool {
        [.connectionRefused, .timedOut, .noRouteToHost, .networkUnreachable, .hostIsDown, .connectionReset,
         .resourceTemporarilyUnavailable, .resourceBusy, .ioError].contains(errno)
    }

    /// What an errno from an NFS mount means, in the admin's terms.
    package static func explain(_ errno: Errno?, _ plan: NFSMountPlan, _ attempt: NFSMountPlan.Attempt, tried lacking: [String]) -> String {
        let server = plan.source.prefix { $0 != ":" }
        let path = plan.source.dropFirst(server.count + 1)
        switch errno {
        case .noSuchFileOrDirectory?:
            return "the server \(server) exports no \(path)" + (attempt.type == "nfs4" ? " to this client (NFSv4 paths are inside the server's pseudo root; an export this client may not use looks the same)" : "")
        case .permissionDenied?, .notPermitted?:
            return "the server \(server) refused this client access to \(path): check the export's client list and security flavour"
        case .connectionRefused?:
            let port = attempt.data.split(separator: ",").last { $0.hasPrefix("port=") }?.dropFirst(5) ?? "2049"
            return "nothing accepts NFS connections on \(server)" + (attempt.type == "nfs" ? " (NFSv3 also needs rpcbind, port 111)" : " (port \(port))") + ": is the NFS server running?"
        case .timedOut?, .noRouteToHost?, .networkUnreachable?, .hostIsDown?:
            return "the server \(server) did not answer"
        case .ioError?:
            // What a hard mount's setup returns once timeo × (retrans + 1) has passed.
            return "the server \(server) did not answer within the mount's timeo and retrans, or failed the request"
        case .protocolNotSupported?:
            return "the server speaks none of NFSv\((lacking + [attempt.version]).joined(separator: ", v"))"
        case .invalidArgument?:
            return "the kernel refused the mount options \(attempt.data)"
        case .operationNotSupportedByDevice?:
            return "the kernel has no NFS client: the nfs modules are missing from the image or failed to load"
        default:
            return "the kernel gave this error for the mount"
        }
    }
}
