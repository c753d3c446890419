/// Every option the early-boot code reads, in the order of the reference. A new option is
/// a new entry here (and in `all`); `testEveryOptionIsListed` and the dracut-install
/// scenario fail otherwise.
extension KernelOption {
    // MARK: The boot and its failures

    public static let rdShell = KernelOption(
        "rd.shell", .flag, default: "0", "after a fatal error, start /bin/sh if the image has one (mkstateless --shell)",
        stage: .cmdline, origin: .dracut, section: .boot, fallback: true)
    public static let rdEmergency = KernelOption(
        "rd.emergency", .choice(EmergencyAction.allCases.map(\.rawValue)), default: "halt",
        "after a fatal error: halt (the error stays on screen, Ctrl-Alt-Del restarts), reboot or poweroff",
        stage: .cmdline, origin: .dracut, section: .boot, fallback: true)
    public static let emergencyDelay = KernelOption(
        "stateless.emergency-delay", .seconds(0...86400), default: "15", "seconds the error stays on screen before rd.emergency=reboot|poweroff acts",
        stage: .cmdline, origin: .stateless, section: .boot, fallback: true)
    public static let quiet = KernelOption(
        "quiet", .flag, "progress lines go to /dev/kmsg only; errors always reach the console",
        stage: .cmdline, origin: .kernel, section: .boot, fallback: true)
    public static let rdBreak = KernelOption(
        "rd.break", .forms("[STAGE]"),
        "a shell before STAGE: cmdline, modules, net, root, overlay, switch-root (bare: before switch-root); dracut's hook names map to ours",
        stage: .cmdline, origin: .dracut, section: .boot)
    public static let rdTimeout = KernelOption(
        "rd.timeout", .seconds(1...86400), default: "30", "seconds to wait for the root device, not counting the time its drivers take to load (dracut's 0, forever, is refused: every wait has a bound)",
        stage: .root, origin: .dracut, section: .boot)
    public static let rdRetry = KernelOption(
        "rd.retry", .seconds(0...86400), "seconds to retry a root that failed with an error that can pass (default 5 for a disk, 60 for a network root)",
        stage: .root, origin: .dracut, section: .boot)
    public static let moduleTimeout = KernelOption(
        "stateless.module-timeout", .seconds(1...86400), default: "60", "seconds one module's initialisation may take before the boot goes on without it",
        stage: .modules, origin: .stateless, section: .boot, fallback: true)
    public static let mountTimeout = KernelOption(
        "stateless.mount-timeout", .seconds(1...86400), default: "60", "seconds one mount(2) of the root may take",
        stage: .root, origin: .stateless, section: .boot)
    public static let moduleBlacklist = KernelOption(
        "modprobe.blacklist", aliases: ["rd.driver.blacklist"], .modules, "modules never loaded for a device (repeatable; - and _ are the same)",
        stage: .modules, origin: .kernel, section: .boot, fallback: true)
    public static let driverPreload = KernelOption(
        "rd.driver.pre", .modules, "modules loaded before coldplug",
        stage: .modules, origin: .dracut, section: .boot)
    public static let initPath = KernelOption(
        "init", .forms("PATH"), "the real init, an absolute path; default /sbin/init, /etc/init, /bin/init, /bin/sh",
        stage: .switchRoot, origin: .kernel, section: .boot)

    // MARK: The root

    public static let root = KernelOption(
        "root", .forms("DEVICE|UUID=…|LABEL=…|PARTUUID=…|PARTLABEL=…|nfs:…|nfs4:…|nfs://…|iscsi:…|iscsi://…|live:…|dhcp|tmpfs"),
        "the root: a block device, an NFS export or image file, an iSCSI LUN, a live medium, or what DHCP names (docs/network-roots.md)",
        stage: .root, origin: .kernel, section: .root)
    public static let nfsroot = KernelOption(
        "nfsroot", .forms("[SERVER:]PATH[,OPTIONS]"), "with root=/dev/nfs only: the kernel's NFS root",
        stage: .root, origin: .kernel, section: .root)
    public static let netroot = KernelOption(
        "netroot", .forms("nfs:…|nfs4:…|iscsi:…|dhcp"), "dracut's network root, when root= is absent or dhcp; iscsi: is repeatable and may sit beside a block root=",
        stage: .root, origin: .dracut, section: .root)
    public static let rootFilesystemType = KernelOption(
        "rootfstype", .forms("TYPE"), "the root's filesystem type; default: what libblkid probes",
        stage: .root, origin: .kernel, section: .root)
    public static let rootFlags = KernelOption(
        "rootflags", .forms("OPTIONS"), "fstab-style mount options (libmount splits flags from filesystem data)",
        stage: .root, origin: .kernel, section: .root)
    public static let rootMode = KernelOption(
        "stateless.root", .choice(["ro", "rw"]), default: "ro", "rw mounts the root read-write, the only opt-out (ro and rw alone are ignored)",
        stage: .root, origin: .stateless, section: .root)
    public static let loopDirectIO = KernelOption(
        "stateless.loop-direct-io", .flag, default: "1", "0: an image root's loop device reads through the page cache instead of with direct I/O",
        stage: .root, origin: .stateless, section: .root)
    public static let mountUsr = KernelOption(
        "mount.usr", .forms("DEVICE|nfs4:…|iscsi:…"), "with root=tmpfs: the /usr filesystem, attached as a root would be; the root is a tmpfs around it",
        stage: .root, origin: .systemd, section: .root)
    public static let mountUsrType = KernelOption(
        "mount.usrfstype", .forms("TYPE"), "with mount.usr=: its filesystem type",
        stage: .root, origin: .systemd, section: .root)
    public static let mountUsrFlags = KernelOption(
        "mount.usrflags", .forms("OPTIONS"), "with mount.usr=: its mount options",
        stage: .root, origin: .systemd, section: .root)

    // MARK: Writable places and the machine's state

    public static let overlay = KernelOption(
        "stateless.overlay", .choice(OverlayMode.allCases.map(\.rawValue)), default: "rwtab",
        "the writable places: rwtab copies on tmpfs, one overlayfs over the root, or none (a live root defaults to overlayfs)",
        stage: .overlay, origin: .stateless, section: .writable)
    public static let rdOverlay = KernelOption(
        "rd.overlay", .forms("[1|tmpfs|DEVICE[:PATH]]"),
        "dracut-ng's: overlayfs over any root, changes in RAM; a device (a persistent overlay) only on a live root",
        stage: .overlay, origin: .dracut, section: .writable)
    public static let volatile = KernelOption(
        "systemd.volatile", .forms("[yes|no|state|overlay]"),
        "systemd's modes, made in the initramfs: yes (or bare) a tmpfs root with the image's /usr, state a fresh /var, overlay = stateless.overlay=overlayfs",
        stage: .overlay, origin: .systemd, section: .writable)
    public static let tmpfsSize = KernelOption(
        "stateless.tmpfs.size", aliases: ["stateless.tmpfs-size"], .forms("SIZE (512m, 2g, 25%)"),
        "size= of every tmpfs the boot makes (each area has its own default)",
        stage: .overlay, origin: .stateless, section: .writable)
    public static let tmpfsSizeWritable = KernelOption(
        "stateless.tmpfs.size.writable", .forms("SIZE"), default: "25%", "size= of the rwtab copies' tmpfs",
        stage: .overlay, origin: .stateless, section: .writable)
    public static let tmpfsSizeOverlay = KernelOption(
        "stateless.tmpfs.size.overlay", .forms("SIZE"), default: "50%", "size= of the overlayfs upper directory's tmpfs",
        stage: .overlay, origin: .stateless, section: .writable)
    public static let tmpfsSizeState = KernelOption(
        "stateless.tmpfs.size.state", .forms("SIZE"), default: "10%", "size= of a tmpfs state store",
        stage: .overlay, origin: .stateless, section: .writable)
    public static let tmpfsSizeVar = KernelOption(
        "stateless.tmpfs.size.var", .forms("SIZE"), default: "25%", "size= of /var with systemd.volatile=state",
        stage: .overlay, origin: .stateless, section: .writable)
    public static let tmpfsSizeRoot = KernelOption(
        "stateless.tmpfs.size.root", .forms("SIZE"), default: "50%", "size= of the tmpfs root of systemd.volatile=yes and root=tmpfs",
        stage: .overlay, origin: .stateless, section: .writable)
    public static let state = KernelOption(
        "stateless.state", .forms("tmpfs|LABEL=…|UUID=…|PARTUUID=…|PARTLABEL=…|/dev/…|nfs:SERVER:PATH|nfs4:…"), default: "tmpfs",
        "where the machine's state lives; an NFS path with ${mac}, ${hostname} or ${ip} is one directory per machine (docs/machine-state.md)",
        stage: .overlay, origin: .stateless, section: .writable)
    public static let stateFallback = KernelOption(
        "stateless.state.fallback", .choice(StateFallback.allCases.map(\.rawValue)), default: "tmpfs",
        "the store cannot be attached: boot on with tmpfs and a warning, or stop (the emergency fallback)",
        stage: .overlay, origin: .stateless, section: .writable)
    public static let stateTimeout = KernelOption(
        "stateless.state.timeout", .seconds(1...86400), default: "10", "seconds to wait for the store's device or server (also the scratch's and a named swap's)",
        stage: .overlay, origin: .stateless, section: .writable)
    public static let stateFormat = KernelOption(
        "stateless.state.format", .flag, default: "0", "1: a store device with no signature at all is made ext4 (label stateless-state); anything with one is never formatted",
        stage: .overlay, origin: .stateless, section: .writable)
    public static let identity = KernelOption(
        "stateless.identity", .flag, default: "1", "0: keep the image's machine-id, SSH host keys and other identity files (default: each machine has its own)",
        stage: .overlay, origin: .stateless, section: .writable)
    public static let scratch = KernelOption(
        "stateless.scratch", .forms("LABEL=…|UUID=…|PARTUUID=…|PARTLABEL=…|/dev/…"),
        "a local filesystem for the temporary areas instead of RAM, wiped at each boot (Fedora's RW_LABEL= too)",
        stage: .overlay, origin: .stateless, section: .writable)
    public static let scratchKeep = KernelOption(
        "stateless.scratch.keep", .flag, default: "0", "1: keep the overlay's upper directory on the scratch across boots",
        stage: .overlay, origin: .stateless, section: .writable)
    public static let swap = KernelOption(
        "stateless.swap", .forms("auto|LABEL=…|PARTLABEL=…|/dev/…"), "local swap activated before the switch: every swap partition (auto) or one device; never network swap",
        stage: .overlay, origin: .stateless, section: .writable)

    // MARK: The network

    public static let ip = KernelOption(
        "ip", .forms("dhcp|on|any|off|none|ibft|IFACE:dhcp[:[MTU][:MAC]]|CLIENT:SERVER:GW:NETMASK:HOST:IFACE:AUTOCONF[:DNS0[:DNS1[:NTP0]]]"),
        "the network: DHCP on every link with carrier, or one link each (repeatable); IPv6, BOOTP and RARP are refused (docs/network.md)",
        stage: .net, origin: .kernel, section: .network)
    public static let bootInterface = KernelOption(
        "BOOTIF", .forms("01-aa-bb-cc-dd-ee-ff"), "(PXELINUX, iPXE) the link with that MAC is the one configured when ip= names none",
        stage: .net, origin: .dracut, section: .network)
    public static let rdBootInterface = KernelOption(
        "rd.bootif", .flag, default: "1", "0: ignore BOOTIF=",
        stage: .net, origin: .dracut, section: .network)
    public static let interfaceName = KernelOption(
        "ifname", .forms("NAME:MAC"), "the link with that MAC gets that name (repeatable)",
        stage: .net, origin: .dracut, section: .network)
    public static let needNetwork = KernelOption(
        "rd.neednet", .flag, "1: run the net stage even without ip= (DHCP on every link); 0 skips it",
        stage: .net, origin: .dracut, section: .network)
    public static let nameserver = KernelOption(
        "nameserver", .forms("IPV4"), "DNS servers put before the lease's or ip='s (repeatable)",
        stage: .net, origin: .dracut, section: .network)
    public static let linkTimeout = KernelOption(
        "rd.net.timeout.iflink", .seconds(1...86400), default: "60", "seconds for the links to appear",
        stage: .net, origin: .dracut, section: .network)
    public static let carrierTimeout = KernelOption(
        "rd.net.timeout.carrier", .seconds(1...86400), default: "10", "seconds for carrier",
        stage: .net, origin: .dracut, section: .network)
    public static let dhcpTimeout = KernelOption(
        "rd.net.timeout.dhcp", .seconds(1...86400), default: "30", "seconds for a lease",
        stage: .net, origin: .dracut, section: .network)
    public static let predictableNames = KernelOption(
        "net.ifnames", .flag, default: "1", "0: keep the kernel's link names (eth0), as the booted system's udev will",
        stage: .net, origin: .systemd, section: .network)
    public static let namingScheme = KernelOption(
        "net.naming-scheme", .forms("v252|latest|…"), "a scheme other than v252 or latest keeps the kernel's link names",
        stage: .net, origin: .systemd, section: .network)

    // MARK: iSCSI roots

    public static let iscsiWritable = KernelOption(
        "stateless.iscsi.rw", .flag, default: "0", "1: the LUN is served read-write (writes, flush, trim); the root itself stays read-only",
        stage: .root, origin: .stateless, section: .iscsi)
    public static let iscsiFirmware = KernelOption(
        "rd.iscsi.firmware", .flag, default: "0", "1: target, LUN, CHAP, initiator and NIC from the iSCSI Boot Firmware Table (as ip=ibft with no root)",
        stage: .root, origin: .dracut, section: .iscsi)
    public static let iscsiInitiator = KernelOption(
        "rd.iscsi.initiator", .forms("IQN"), "this client's iSCSI name; default: one derived from the machine",
        stage: .root, origin: .dracut, section: .iscsi)
    public static let iscsiTargetName = KernelOption(
        "rd.iscsi.target.name", .forms("IQN"), "the target, when no root= or netroot= names it",
        stage: .root, origin: .dracut, section: .iscsi)
    public static let iscsiTargetIP = KernelOption(
        "rd.iscsi.target.ip", .forms("IPV4"), "with rd.iscsi.target.name=: the portal's address",
        stage: .root, origin: .dracut, section: .iscsi)
    public static let iscsiTargetPort = KernelOption(
        "rd.iscsi.target.port", .forms("PORT"), default: "3260", "with rd.iscsi.target.name=: the portal's port",
        stage: .root, origin: .dracut, section: .iscsi)
    public static let iscsiTargetLUN = KernelOption(
        "rd.iscsi.target.lun", .forms("LUN"), "with rd.iscsi.target.name=: the LUN; default: the first disk",
        stage: .root, origin: .dracut, section: .iscsi)
    public static let iscsiUsername = KernelOption(
        "rd.iscsi.username", .forms("NAME"), "CHAP user, when the root names no credentials (with rd.iscsi.password=)",
        stage: .root, origin: .dracut, section: .iscsi)
    public static let iscsiPassword = KernelOption(
        "rd.iscsi.password", .forms("SECRET"), "CHAP secret (with rd.iscsi.username=)",
        stage: .root, origin: .dracut, section: .iscsi)
    public static let iscsiInUsername = KernelOption(
        "rd.iscsi.in.username", .forms("NAME"), "mutual CHAP: the target's user (with rd.iscsi.in.password=)",
        stage: .root, origin: .dracut, section: .iscsi)
    public static let iscsiInPassword = KernelOption(
        "rd.iscsi.in.password", .forms("SECRET"), "mutual CHAP: the target's secret (with rd.iscsi.in.username=)",
        stage: .root, origin: .dracut, section: .iscsi)

    // MARK: Live media

    public static let liveImage = KernelOption(
        "rd.live.image", .flag, "root=CDLABEL=… (or another device) is a live medium, as root=live:…; beside an NFS root= it is ignored",
        stage: .root, origin: .dracut, section: .live)
    public static let liveDirectory = KernelOption(
        "rd.live.dir", .forms("DIR"), default: "LiveOS", "the image's directory on the medium",
        stage: .root, origin: .dracut, section: .live)
    public static let liveSquashImage = KernelOption(
        "rd.live.squashimg", .forms("FILE"), default: "squashfs.img", "the image's file name there (else rootfs.img or ext3fs.img)",
        stage: .root, origin: .dracut, section: .live)
    public static let liveRAM = KernelOption(
        "rd.live.ram", .flag, default: "0", "1: copy the image into RAM first; the medium is then unmounted",
        stage: .root, origin: .dracut, section: .live)
    public static let liveOverlayfs = KernelOption(
        "rd.live.overlay.overlayfs", .flag, default: "0", "1: overlayfs even over an ext4 image (instead of the device-mapper snapshot)",
        stage: .root, origin: .dracut, section: .live)
    public static let liveOverlay = KernelOption(
        "rd.live.overlay", .forms("DEVICE[:PATH]"), "a persistent overlay: the changes on that filesystem, dracut's layout (docs/live-media.md)",
        stage: .root, origin: .dracut, section: .live)
    public static let liveOverlaySize = KernelOption(
        "rd.live.overlay.size", .forms("MIB"), "MiB of RAM for the changes (stateless.tmpfs.size.overlay= wins); default 50% of RAM",
        stage: .root, origin: .dracut, section: .live)
    public static let liveCheck = KernelOption(
        "rd.live.check", .flag, default: "0", "verify the medium against the MD5 isomd5sum implanted, as checkisomd5 does",
        stage: .root, origin: .dracut, section: .live)
    public static let liveSHA256 = KernelOption(
        "stateless.live.sha256", .forms("HEX"), "the SHA-256 a fetched image (or a rd.live.ram=1 copy) must have; else <url>.sha256 when the server has one",
        stage: .root, origin: .stateless, section: .live)
    public static let isoScan = KernelOption(
        "iso-scan/filename", .forms("PATH"), "dracut's scan of every filesystem for an ISO: refused with its reason (use root=live:DEVICE:PATH.iso)",
        stage: .root, origin: .dracut, section: .live)

    /// The whole schema, in the reference's order.
    // MARK: Cached clients
    public static let cache = KernelOption(
        "stateless.cache", .forms("LABEL=…|UUID=…|PARTUUID=…|PARTLABEL=…|/dev/…"),
        "a local filesystem keeping the image root in two slots, synced from the server's signed release at boot; boots with the server gone (docs/cached-clients.md)",
        stage: .root, origin: .stateless, section: .cache)
    public static let cacheFormat = KernelOption(
        "stateless.cache.format", .flag, default: "0", "1: a cache device with no signature at all is made ext4 (label stateless-cache); anything with one is never formatted",
        stage: .root, origin: .stateless, section: .cache)
    public static let cacheTimeout = KernelOption(
        "stateless.cache.timeout", .seconds(1...600), default: "10", "seconds the server may take to answer after the net stage before the cached release boots without it; also the net stage's bound for links, carrier and a lease (unless rd.net.timeout.* are given)",
        stage: .root, origin: .stateless, section: .cache)
    public static let rootHash = KernelOption(
        "roothash", .forms("HEX"), "the root's dm-verity root hash: an image root (NFS-loopback, live) is read through dm-verity with the tree NAME.verity beside NAME.squashfs; a block root with systemd.verity_root_hash=",
        stage: .root, origin: .systemd, section: .cache)
    public static let verityRootData = KernelOption(
        "systemd.verity_root_data", .forms("LABEL=…|UUID=…|PARTUUID=…|PARTLABEL=…|/dev/…"), "with roothash=: the block root's data device (default: root=)",
        stage: .root, origin: .systemd, section: .cache)
    public static let verityRootHash = KernelOption(
        "systemd.verity_root_hash", .forms("LABEL=…|UUID=…|PARTUUID=…|PARTLABEL=…|/dev/…"), "with roothash=: the device holding the block root's hash tree (veritysetup format's, superblock first)",
        stage: .root, origin: .systemd, section: .cache)

    public static let all: [KernelOption] = [
        rdShell, rdEmergency, emergencyDelay, quiet, rdBreak, rdTimeout, rdRetry, moduleTimeout, mountTimeout,
        moduleBlacklist, driverPreload, initPath,
        root, nfsroot, netroot, rootFilesystemType, rootFlags, rootMode, loopDirectIO, mountUsr, mountUsrType, mountUsrFlags,
        overlay, rdOverlay, volatile, tmpfsSize, tmpfsSizeWritable, tmpfsSizeOverlay, tmpfsSizeState, tmpfsSizeVar,
        tmpfsSizeRoot, state, stateFallback, stateTimeout, stateFormat, identity, scratch, scratchKeep, swap,
        ip, bootInterface, rdBootInterface, interfaceName, needNetwork, nameserver, linkTimeout, carrierTimeout,
        dhcpTimeout, predictableNames, namingScheme,
        iscsiWritable, iscsiFirmware, iscsiInitiator, iscsiTargetName, iscsiTargetIP, iscsiTargetPort, iscsiTargetLUN,
        iscsiUsername, iscsiPassword, iscsiInUsername, iscsiInPassword,
        liveImage, liveDirectory, liveSquashImage, liveRAM, liveOverlayfs, liveOverlay, liveOverlaySize, liveCheck,
        liveSHA256, isoScan,
        cache, cacheFormat, cacheTimeout, rootHash, verityRootData, verityRootHash,
    ]

    /// One line per option, tab-separated: key, aliases (comma-separated), form, default,
    /// stage, origin, section, `fallback` or empty, doc. What `stateless cmdline --options`
    /// prints and man/render reads.
    public static var table: String {
        all.map { option in
            [option.key, option.aliases.joined(separator: ","), option.form, option.defaultValue, option.stage.rawValue,
             option.origin.rawValue, option.section.rawValue, option.fallback ? "fallback" : "", option.doc].joined(separator: "\t") + "\n"
        }.joined()
    }
}
