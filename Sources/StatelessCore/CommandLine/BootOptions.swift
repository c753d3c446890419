/// Where the root filesystem comes from. One case per root kind; live media join as a
/// further case.
public enum RootSource: Equatable, Sendable, CustomStringConvertible {
    /// A block device named by path or by a tag libblkid can evaluate.
    case block(BlockDeviceReference)
    /// An NFS export, or a filesystem image file on one (found when it is mounted):
    /// `root=nfs:…`, `nfs4:…`, `nfs://…`, `root=/dev/nfs nfsroot=…`, `netroot=nfs:…`.
    case nfs(NFSRootSpec)
    /// A LUN on an iSCSI target: `netroot=iscsi:…`, `root=iscsi:…`, `iscsi://…`,
    /// `rd.iscsi.target.*`, or the firmware's table (`rd.iscsi.firmware`, `ip=ibft`).
    case iscsi(ISCSIRootSpec)
    /// A live medium: `root=live:…`, or `root=CDLABEL=…` with `rd.live.image`.
    case live(LiveRootSpec)
    /// Whatever the DHCP lease's root-path (option 17) names: `root=dhcp`, `netroot=dhcp`,
    /// `root=/dev/nfs` without `nfsroot=`, or no `root=` at all on a network boot.
    case dhcp

    public var description: String {
        switch self {
        case .block(let reference): return reference.description
        case .nfs(let spec): return spec.description
        case .iscsi(let spec): return spec.description
        case .live(let spec): return spec.description
        case .dhcp: return "dhcp"
        }
    }

    /// Whether attaching this root needs the network stage first.
    public var needsNetwork: Bool {
        switch self {
        case .block: return false
        case .live(let spec): return spec.needsNetwork
        case .nfs, .iscsi, .dhcp: return true
        }
    }
}

/// A block device as the admin named it on the command line.
public enum BlockDeviceReference: Equatable, Sendable, CustomStringConvertible {
    case path(String)
    /// A libblkid tag: UUID, LABEL, PARTUUID or PARTLABEL.
    case tag(name: String, value: String)

    public static let tagNames = ["UUID", "LABEL", "PARTUUID", "PARTLABEL"]

    public var description: String {
        switch self {
        case .path(let path): return path
        case .tag(let name, let value): return "\(name)=\(value)"
        }
    }
}

/// What to do with the writable places of the read-only root.
public enum OverlayMode: String, Equatable, Sendable, CaseIterable {
    /// Fedora's readonly-root: copies of the rwtab paths on a tmpfs, bind-mounted.
    case rwtab
    /// One overlayfs over the whole root: lower = the read-only root, upper on tmpfs.
    case overlayfs
    /// Nothing writable besides /run.
    case none
}

/// systemd's volatile modes (kernel-command-line(7)), made in the initramfs so that they
/// work for every root kind and every init: `overlay` is the overlayfs mode; `state` puts
/// a fresh tmpfs on /var (WritablePlaces.mountVolatileVar; systemd takes it as its own);
/// `yes` makes the root a tmpfs with only the image's /usr (VolatileRoot).
public enum VolatileMode: String, Equatable, Sendable {
    case overlay, state, yes

    /// nil for `no`; a bare `systemd.volatile` is `yes`, as systemd reads it.
    package static func parse(_ parameter: KernelParameter) throws -> VolatileMode? {
        switch parameter.value {
        case "overlay": return .overlay
        case "state": return .state
        case nil, "yes", "1", "true", "on": return .yes
        case "no", "0", "false", "off": return nil
        default:
            throw OptionError(option: parameter.key, value: parameter.value, expected: "yes, no, state or overlay")
        }
    }
}

/// What PID 1 does after a fatal error has been reported (dracut's `rd.emergency`).
/// `halt` (the default) keeps the error on the screen and waits for Ctrl-Alt-Del, as a
/// dracut system waits in its emergency shell; `reboot` and `poweroff` happen after
/// `stateless.emergency-delay` seconds, so the error can still be read.
public enum EmergencyAction: String, Equatable, Sendable, CaseIterable {
    case halt, reboot, poweroff
}

/// Everything the early-boot stages take from the kernel command line, typed.
public struct BootOptions: Equatable, Sendable {
    public var root: RootSource?
    public var rootFilesystemType: String?
    public var rootFlags: String?
    /// `stateless.root=rw`: the only way to get a writable root. `rw` alone (a kernel
    /// default on many boot loaders) does not, because the image must never change.
    public var rootWritable = false
    public var initPath: String?
    public var initArguments: [String] = []
    public var breakPoints: Set<Stage> = []
    /// `rd.shell`: offer a shell (when the image has one) after a fatal error.
    public var shellOnFailure = false
    public var emergencyAction: EmergencyAction = .halt
    /// `stateless.emergency-delay`: seconds the error stays on screen before
    /// `rd.emergency=reboot|poweroff` acts.
    public var emergencyDelaySeconds = 15
    /// `stateless.module-timeout`: seconds one module's initialisation may take.
    public var moduleTimeoutSeconds = 60
    /// `stateless.mount-timeout`: seconds one mount(2) of the root may take.
    public var mountTimeoutSeconds = 60
    /// `rd.timeout`: seconds to wait for the root device.
    public var deviceTimeoutSeconds = 30
    /// `rd.retry`: seconds to keep retrying a root that was found but failed to attach
    /// with an error that can be transient; nil: the default of `retryBound(network:)`.
    public var retrySeconds: Int?
    /// Modules never loaded for a device alias (`modprobe.blacklist`, `rd.driver.blacklist`).
    public var moduleBlacklist: [String] = []
    /// Modules loaded before coldplug (`rd.driver.pre`).
    public var preloadModules: [String] = []
    public var overlayMode: OverlayMode = .rwtab
    /// `stateless.tmpfs.size*`: the size= of each tmpfs the boot makes.
    public var tmpfsSizes = TmpfsSizes()
    /// `systemd.volatile=`, systemd's names for what the overlay stage does.
    public var volatile: VolatileMode?
    /// `root=tmpfs mount.usr=…`: what the root stage attaches is /usr itself, and the
    /// root is a tmpfs around it (`volatile` is then `.yes`).
    public var rootIsUsr = false
    /// `stateless.loop-direct-io=0`: an image root's loop device reads through the page
    /// cache instead of with direct I/O (LoopDeviceLayer).
    public var loopDirectIO = true
    /// `stateless.iscsi.rw=1`: the iSCSI LUN is served read-write (writes, flush and trim
    /// forwarded), for a partition the booted system writes; the root itself stays
    /// read-only unless `stateless.root=rw` says otherwise.
    public var iscsiWritable = false
    /// `quiet`: progress lines go to /dev/kmsg only.
    public var quiet = false
    public var net = NetOptions()
    /// The state store and the per-machine identity (`stateless.state*`, `stateless.identity`).
    public var state = StateOptions()
    /// The local cache of an image root and the dm-verity root hash (`stateless.cache*`, `roothash=`).
    public var cache = CacheOptions()
    /// The whole command line: a root that DHCP names later (`live:http://…`) reads its
    /// options (`rd.live.*`) from it as a `root=` would.
    public var commandLine = KernelCommandLine(parsing: "")

    public init() {}

    /// A live system keeps every change in RAM: the whole root is writable (overlayfs),
    /// as with dracut, unless `stateless.overlay=` or `systemd.volatile=` says otherwise.
    public func overlayMode(rootKind: RootKind?) -> OverlayMode {
        guard rootKind == .live, commandLine.last(.overlay) == nil, volatile == nil else { return overlayMode }
        return .overlayfs
    }

    /// A disk that is there mounts at once or not at all; a server may be rebooting with
    /// the clients it serves (after a power cut, all at once), so a network root waits
    /// longer by default.
    public func retryBound(network: Bool) -> Int { retrySeconds ?? (network ? 60 : 5) }

    /// Whether the net stage runs: the root needs the network, or `ip=`/`rd.neednet`
    /// ask for it.
    public var needsNetwork: Bool {
        net.asksForNetwork || root?.needsNetwork == true || state.store?.needsNetwork == true
    }
}

/// A known option with a value we cannot use. Printed as one line naming the option.
public struct OptionError: Error, Equatable, CustomStringConvertible {
    public var option: String
    public var value: String?
    public var expected: String

    public init(option: String, value: String? = nil, expected: String) {
        (self.option, self.value, self.expected) = (option, value, expected)
    }

    public var description: String {
        "\(option)\(value.map { "=\($0)" } ?? ""): expected \(expected)"
    }
}

extension BootOptions {
    /// Parses the kernel command line. Unknown keys are ignored (they belong to the
    /// kernel, to dracut or to the booted system); a known key with an unusable value
    /// throws `OptionError`.
    public init(_ commandLine: KernelCommandLine) throws {
        self.init()
        self.commandLine = commandLine
        let line = commandLine
        rootFilesystemType = try line.last(.rootFilesystemType).map { try Self.word($0, "a filesystem type such as ext4") }
        rootFlags = try line.last(.rootFlags).map { try Self.text($0, "mount options such as noatime,errors=remount-ro") }
        if let mode = line.last(.rootMode) {
            rootWritable = try Self.choice(mode, ["ro": false, "rw": true], default: false)
        }
        if let initParam = line.last(.initPath) {
            let path = try Self.text(initParam, "an absolute path such as /sbin/init")
            guard path.hasPrefix("/") else {
                throw OptionError(option: initParam.key, value: path, expected: "an absolute path such as /sbin/init")
            }
            initPath = path
        }
        initArguments = line.initArguments
        for breakParam in line.all(.rdBreak) {
            guard let name = breakParam.value, !name.isEmpty else {
                breakPoints.insert(.switchRoot)
                continue
            }
            guard let point = Stage.breakPoint(named: name) else {
                throw OptionError(option: breakParam.key, value: name,
                                  expected: "one of \(Stage.breakPointNames.joined(separator: ", "))")
            }
            breakPoints.insert(point)
        }
        try readFallbackOptions(line)
        deviceTimeoutSeconds = try line.seconds(.rdTimeout) ?? deviceTimeoutSeconds
        retrySeconds = try line.seconds(.rdRetry)
        mountTimeoutSeconds = try line.seconds(.mountTimeout) ?? mountTimeoutSeconds
        preloadModules = try line.modules(.driverPreload)
        overlayMode = try line.choice(.overlay) ?? overlayMode
        loopDirectIO = try line.flag(.loopDirectIO) ?? loopDirectIO
        iscsiWritable = try line.flag(.iscsiWritable) ?? iscsiWritable
        tmpfsSizes = try TmpfsSizes(line)
        if line.last(.root)?.value == "tmpfs" { try usrUnderTmpfsRoot(line) }
        if let parameter = line.last(.volatile), !rootIsUsr {
            volatile = try VolatileMode.parse(parameter)
            // systemd.volatile=overlay is our overlayfs mode; stateless.overlay= says more
            // precisely and wins.
            if volatile == .overlay && line.last(.overlay) == nil { overlayMode = .overlayfs }
        }
        net = try NetOptions(line)
        state = try StateOptions(line)
        cache = try CacheOptions(line)
        // A cached client boots without the network: the net stage waits for links,
        // carrier and a lease no longer than stateless.cache.timeout, unless the
        // rd.net.timeout.* options themselves say how long.
        if cache.device != nil {
            let bound = cache.timeoutSeconds
            if line.last(.linkTimeout) == nil { net.linkTimeoutSeconds = min(net.linkTimeoutSeconds, bound) }
            if line.last(.carrierTimeout) == nil { net.carrierTimeoutSeconds = min(net.carrierTimeoutSeconds, bound) }
            if line.last(.dhcpTimeout) == nil { net.dhcpTimeoutSeconds = min(net.dhcpTimeoutSeconds, bound) }
        }
        if !rootIsUsr { root = try Self.rootSource(line, network: net) }
        if let parameter = line.last(.cache), let root, !Self.canBeCached(root) {
            throw OptionError(option: parameter.key, value: parameter.value,
                              expected: "a root fetched from a server to cache: root=live:http(s)://…/NAME.squashfs or root=nfs:SERVER:/…/NAME.squashfs (this root is \(root))")
        }
        if case .block? = root, let parameter = line.last(.rootHash), cache.verityHash == nil {
            throw OptionError(option: parameter.key, value: parameter.value,
                              expected: "systemd.verity_root_hash= beside it on a block root, naming the device that holds the hash tree")
        }
        // An ext4 live image gets a device-mapper snapshot instead (RootStage).
        if case .live(let spec)? = root {
            overlayMode = overlayMode(rootKind: .live)
            // dracut's size of the live overlay, in MiB; ours for the area wins.
            if let size = spec.overlaySizeMiB, tmpfsSizes.byArea[.overlay] == nil { tmpfsSizes.byArea[.overlay] = "\(size)m" }
        } else if let overlay = line.last(.rdOverlay), line.last(.overlay) == nil, volatile == nil {
            try overlayAnyRoot(overlay)
        }
    }

    /// What `stateless.cache=` keeps: an image a server publishes (or a root DHCP names).
    static func canBeCached(_ root: RootSource) -> Bool {
        switch root {
        case .live(let spec): if case .url = spec.medium { return true } else { return false }
        case .nfs, .dhcp: return true
        case .block, .iscsi: return false
        }
    }

    /// dracut-ng's `rd.overlay` on a root that is not live (its NFS test boots
    /// `root=nfs4:… rd.overlay`): overlayfs over the whole root, changes in RAM — our
    /// `stateless.overlay=overlayfs`. A device (a persistent overlay) is kept for live roots.
    mutating func overlayAnyRoot(_ parameter: KernelParameter) throws {
        if try LiveRootSpec.persistentOverlay(parameter) != nil {
            throw OptionError(option: parameter.key, value: parameter.value,
                              expected: "a switch (1) or tmpfs on a root that is not live: a persistent overlay on a device is for live roots (root=live:…); this root's own state goes to stateless.state=")
        }
        if try LiveRootSpec.overlay(parameter) { overlayMode = .overlayfs }
    }

    /// systemd's `root=tmpfs` with `mount.usr=`, `mount.usrfstype=`, `mount.usrflags=`:
    /// the /usr filesystem is attached as a root would be (any root kind), read-only.
    mutating func usrUnderTmpfsRoot(_ line: KernelCommandLine) throws {
        guard let usr = line.last(.mountUsr) else {
            throw OptionError(option: "root", value: "tmpfs", expected: "mount.usr= beside it naming the /usr filesystem (systemd's root=tmpfs)")
        }
        let source = try Self.rootSource(usr)
        guard source != .dhcp else {
            throw OptionError(option: usr.key, value: usr.value, expected: "a device or a network filesystem, as root= names one")
        }
        root = source
        rootIsUsr = true
        volatile = .yes
        rootFilesystemType = try line.last(.mountUsrType).map { try Self.word($0, "a filesystem type such as ext4") }
        rootFlags = try line.last(.mountUsrFlags).map { try Self.text($0, "mount options such as noatime") }
    }

    /// The options the schema marks `fallback` (`KernelOption.all.filter(\.fallback)`):
    /// what the fallback after a fatal error and the kernel's module requests need.
    mutating func readFallbackOptions(_ line: KernelCommandLine) throws {
        shellOnFailure = try line.flag(.rdShell) ?? shellOnFailure
        emergencyAction = try line.choice(.rdEmergency) ?? emergencyAction
        emergencyDelaySeconds = try line.seconds(.emergencyDelay) ?? emergencyDelaySeconds
        quiet = try line.flag(.quiet) ?? quiet
        moduleBlacklist += try line.modules(.moduleBlacklist)
        moduleTimeoutSeconds = try line.seconds(.moduleTimeout) ?? moduleTimeoutSeconds
    }

    /// Only the fallback options, each one ignored when unusable: for a command line that
    /// failed to parse as a whole. Each is read from a line holding it alone, so one bad
    /// value leaves the others' readings alone.
    public init(fallbackFrom line: KernelCommandLine) {
        self.init()
        for option in KernelOption.all where option.fallback {
            try? readFallbackOptions(KernelCommandLine(parameters: line.all(option), initArguments: []))
        }
    }

    // MARK: Value parsers

    /// `root=`, with `netroot=` and `nfsroot=` where they apply: `netroot=` names a
    /// network root when `root=` is absent or `dhcp` (dracut), or, for iSCSI, names the
    /// LUN that holds the `root=` device (ISCSIOptions); `nfsroot=` counts only with
    /// `root=/dev/nfs` (the kernel). Without any, a network boot (`ip=`, `rd.neednet=1`,
    /// `BOOTIF=`) takes its root from the DHCP root-path, as dracut and the kernel do.
    static func rootSource(_ line: KernelCommandLine, network: NetOptions) throws -> RootSource? {
        var root: RootSource?
        if let parameter = line.last(.root), parameter.value == "/dev/nfs" {
            root = try line.last(.nfsroot).map { .nfs(try NFSRootSpec.kernel(try text($0, "[<server-ip>:]<root-dir>[,<nfs-options>]"))) } ?? .dhcp
        } else {
            root = try line.last(.root).map { try rootSource($0, line: line) }
        }
        if let iscsi = try ISCSIRootSpec.commandLine(line, root: root, network: network) { return .iscsi(iscsi) }
        if let netroot = line.last(.netroot) {
            let value = netroot.value ?? ""
            guard root == nil || root == .dhcp else {
                throw OptionError(option: "netroot", value: value, expected: "root= absent or root=dhcp: both name the root, as root=\(root!)")
            }
            root = value == "dhcp" ? .dhcp : .nfs(try NFSRootSpec.parse(value, option: "netroot"))
        }
        if root == nil, network.asksForNetwork || network.bootInterface != nil { root = .dhcp }
        return root
    }

    /// `line`: the whole command line, for the options a live root reads beside `root=`.
    static func rootSource(_ parameter: KernelParameter, line: KernelCommandLine = KernelCommandLine(parameters: [])) throws -> RootSource {
        let value = parameter.value ?? ""
        if value.hasPrefix("live:") {
            return .live(try LiveRootSpec.parse(String(value.dropFirst(5)), option: parameter.key, line: line))
        }
        let legacyNFS = (value.first?.isNumber == true && NFSRootSpec.serverColon(in: Substring(value)) != nil)
            || (value.first == "/" && !value.hasPrefix("/dev"))
        let nfs = value.hasPrefix("nfs:") || value.hasPrefix("nfs4:") || value.hasPrefix("nfs://") || legacyNFS
        // dracut's `rd.live.image` beside an NFS root (its NFS test): the export is the root,
        // a directory; `rd.overlay` beside it asks for the overlay (`overlayAnyRoot`).
        if try line.flag(.liveImage) ?? false, !nfs {
            return .live(try LiveRootSpec.parse(value, option: parameter.key, line: line))
        }
        let expected = "/dev/…, /dev/disk/by-{uuid,label,partuuid,partlabel}/…, UUID=, LABEL=, PARTUUID=, PARTLABEL=, /dev/nfs, nfs:…, nfs4:…, nfs://…, iscsi:…, iscsi://…, live:… or dhcp"
        if value == "dhcp" { return .dhcp }
        if value.hasPrefix("iscsi:") { return .iscsi(try ISCSIRootSpec.parse(value, option: "root")) }
        if nfs {
            // dracut's legacy forms, `<server-ip>:<path>[:<options>]` and `/<path>` (the
            // server from DHCP), are `nfs:` roots.
            return .nfs(try NFSRootSpec.parse(value, option: parameter.key, allowBare: legacyNFS))
        }
        if value.hasPrefix("/dev/disk/") {
            return .block(try diskLink(value, option: parameter.key))
        }
        if value.hasPrefix("/dev/") && value.count > 5 {
            return .block(.path(value))
        }
        if value.hasPrefix("block:/dev/") {
            return .block(.path(String(value.dropFirst("block:".count))))
        }
        // dracut's bare `root=nfs` or `root=nfs4`: the whole root from the DHCP root-path.
        if value == "nfs" || value == "nfs4" { return .dhcp }
        if let equals = value.firstIndex(of: "=") {
            let name = String(value[..<equals])
            // `root=LABEL="my root"` keeps its quotes through the kernel's splitting
            // (they are not at the start of the value); the admin meant the label inside.
            let tagValue = KernelCommandLine.stripQuotes(String(value[value.index(after: equals)...]))
            if BlockDeviceReference.tagNames.contains(name) {
                guard !tagValue.isEmpty else {
                    throw OptionError(option: parameter.key, value: value, expected: "a value after \(name)=")
                }
                return .block(.tag(name: name, value: tagValue))
            }
        }
        throw OptionError(option: parameter.key, value: value, expected: expected)
    }

    /// The links udev makes under /dev/disk. No udev runs in this initramfs, so the ones
    /// that name a tag libblkid can read are turned into that tag; udev's `\xHH` escapes
    /// (a space is `\x20`) are decoded. by-id and by-path need udev's device database.
    static func diskLink(_ path: String, option: String) throws -> BlockDeviceReference {
        let links = ["by-uuid": "UUID", "by-label": "LABEL", "by-partuuid": "PARTUUID", "by-partlabel": "PARTLABEL"]
        let parts = path.dropFirst("/dev/disk/".count).split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let tag = links[String(parts[0])], !parts[1].isEmpty, !parts[1].contains("/"),
              let value = decodeUdevEscapes(parts[1])
        else {
            throw OptionError(option: option, value: path,
                              expected: "/dev/disk/by-uuid/, by-label/, by-partuuid/ or by-partlabel/ and a name (by-id and by-path need udev, which this initramfs does not run)")
        }
        return .tag(name: tag, value: value)
    }

    /// `\x20` → " ". Nil when an escape is malformed or the result is not UTF-8.
    static func decodeUdevEscapes(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var input = Array(text.utf8)[...]
        while let byte = input.popFirst() {
            guard byte == UInt8(ascii: "\\") else { bytes.append(byte); continue }
            let digits = input.dropFirst().prefix(2)
            guard input.first == UInt8(ascii: "x"), digits.count == 2,
                  digits.allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
                  let value = UInt8(String(decoding: digits, as: UTF8.self), radix: 16)
            else { return nil }
            bytes.append(value)
            input = input.dropFirst(3)
        }
        let decoded = String(decoding: bytes, as: UTF8.self)
        return decoded.utf8.elementsEqual(bytes) && !decoded.isEmpty && !bytes.contains(0) ? decoded : nil
    }

    /// One of an enumeration's words, e.g. `rd.emergency=poweroff`.
    static func keyword<T: RawRepresentable & CaseIterable>(_ parameter: KernelParameter) throws -> T
    where T.RawValue == String {
        let word = parameter.value ?? ""
        guard let value = T(rawValue: word) else {
            let words = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw OptionError(option: parameter.key, value: word, expected: "one of \(words)")
        }
        return value
    }

    package static func text(_ parameter: KernelParameter, _ expected: String) throws -> String {
        guard let value = parameter.value, !value.isEmpty else {
            throw OptionError(option: parameter.key, value: parameter.value, expected: expected)
        }
        return value
    }

    /// A value without white space or separators, such as a filesystem type.
    package static func word(_ parameter: KernelParameter, _ expected: String) throws -> String {
        let value = try text(parameter, expected)
        guard value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else {
            throw OptionError(option: parameter.key, value: value, expected: expected)
        }
        return value
    }

    /// dracut's booleans: a bare flag or 1/yes/true/on mean yes; 0/no/false/off mean no.
    static func boolean(_ parameter: KernelParameter) throws -> Bool {
        guard let value = parameter.value else { return true }
        switch value {
        case "1", "yes", "true", "on", "": return true
        case "0", "no", "false", "off": return false
        default: throw OptionError(option: parameter.key, value: value, expected: "0 or 1")
        }
    }

    static func choice<T>(_ parameter: KernelParameter, _ table: [String: T], default: T) throws -> T {
        guard let value = parameter.value else { return `default` }
        guard let result = table[value] else {
            throw OptionError(option: parameter.key, value: value, expected: table.keys.sorted().joined(separator: " or "))
        }
        return result
    }

    /// Whole seconds in `range` (the option's, from the schema). dracut reads
    /// `rd.timeout=0` as "forever"; every wait here has a bound, so a wait's range starts
    /// at 1 (0 only where it means "no retries").
    static func seconds(_ parameter: KernelParameter, range: ClosedRange<Int>) throws -> Int {
        let expected = "whole seconds from \(range.lowerBound) to \(range.upperBound)"
        guard let value = parameter.value, !value.isEmpty, value.count <= 9,
              value.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(value), range.contains(number)
        else {
            throw OptionError(option: parameter.key, value: parameter.value, expected: expected)
        }
        return number
    }

    /// Comma-separated module names; '-' and '_' are the same to the kernel, so names are
    /// normalised to '_'.
    static func moduleList(_ parameter: KernelParameter) throws -> [String] {
        let expected = "comma-separated module names"
        let value = try text(parameter, expected)
        return try value.split(separator: ",", omittingEmptySubsequences: true).map { name in
            guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                throw OptionError(option: parameter.key, value: value, expected: expected)
            }
            return ModuleName.normalized(String(name))
        }
    }
}

/// Kernel module names: the kernel treats '-' and '_' alike.
public enum ModuleName {
    public static func normalized(_ name: String) -> String {
        String(name.map { $0 == "-" ? "_" : $0 })
    }
}
