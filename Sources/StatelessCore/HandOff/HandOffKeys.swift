// The keys of each hand-off file (stateless-handoff(7) says what each means).

extension HandOffKey where File == RootEnv {
    public static let kind = Self("ROOT_KIND")
    public static let layers = Self("ROOT_LAYERS")
    public static let spec = Self("ROOT_SPEC")
    public static let device = Self("ROOT_DEVICE")
    public static let pathFromDHCP = Self("ROOT_PATH_DHCP")
    public static let loopDevice = Self("ROOT_LOOP_DEVICE")
    public static let loopFile = Self("ROOT_LOOP_FILE")
    public static let loopDirectIO = Self("ROOT_LOOP_DIRECT_IO")
    public static let nfsSource = Self("ROOT_NFS_SOURCE")
    public static let nfsVersion = Self("ROOT_NFS_VERSION")
    public static let nfsOptions = Self("ROOT_NFS_OPTIONS")
    public static let nfsMount = Self("ROOT_NFS_MOUNT")
    public static let nfsImage = Self("ROOT_NFS_IMAGE")
    public static let liveMedium = Self("LIVE_MEDIUM")
    public static let liveImage = Self("LIVE_IMAGE")
    public static let liveISO = Self("LIVE_ISO")
    public static let liveRAM = Self("LIVE_RAM")
    public static let liveURL = Self("LIVE_URL")
    public static let liveFetched = Self("LIVE_FETCHED")
    public static let liveFetchedBytes = Self("LIVE_FETCHED_BYTES")
    public static let liveSHA256 = Self("LIVE_SHA256")
    public static let liveLayout = Self("LIVE_LAYOUT")
    public static let liveSnapshot = Self("LIVE_SNAPSHOT")
    public static let liveSnapshotBase = Self("LIVE_SNAPSHOT_BASE")
    public static let liveCOWDevice = Self("LIVE_COW_DEVICE")
    public static let liveCOWFile = Self("LIVE_COW_FILE")
    public static let liveCOWBytes = Self("LIVE_COW_BYTES")
    public static let verityDevice = Self("ROOT_VERITY_DEVICE")
    public static let verityRootHash = Self("ROOT_VERITY_ROOT_HASH")
    public static let verityTree = Self("ROOT_VERITY_TREE")
    /// The cache (stateless.cache=): its device and mount, the slot booted, its release.
    public static let cacheDevice = Self("CACHE_DEVICE")
    public static let cacheMount = Self("CACHE_MOUNT")
    public static let cacheSlot = Self("CACHE_SLOT")
    public static let cacheRelease = Self("CACHE_RELEASE")
    public static let cacheVersion = Self("CACHE_VERSION")
    public static let cacheSource = Self("CACHE_SOURCE")
    /// What this boot's sync did: `fetched`, `current`, `offline`, `refused`.
    public static let cacheSync = Self("CACHE_SYNC")
    public static let cacheFetchedBytes = Self("CACHE_FETCHED_BYTES")

    /// A mounted filesystem's facts: `ROOT_FSTYPE`, `LIVE_MEDIUM_FLAGS`, … (`Mount`).
    public static func fstype(_ mount: Mount) -> Self { Self(mount.rawValue + "_FSTYPE") }
    public static func flags(_ mount: Mount) -> Self { Self(mount.rawValue + "_FLAGS") }
    public static func options(_ mount: Mount) -> Self { Self(mount.rawValue + "_OPTIONS") }

    /// The filesystems the root stage mounts, each with its own facts.
    public enum Mount: String, Sendable {
        case root = "ROOT"
        case liveMedium = "LIVE_MEDIUM"
        case liveISOScan = "LIVE_ISOSCAN"
        case liveSquash = "LIVE_SQUASH"
    }

    /// The iSCSI bridge's facts, in root.env too.
    public static func iscsi(_ key: HandOffKey<ISCSIEnv>) -> Self { Self(key.rawValue) }
}

extension HandOffKey where File == ISCSIEnv {
    public static let target = Self("ISCSI_TARGET")
    public static let lun = Self("ISCSI_LUN")
    public static let device = Self("ISCSI_DEVICE")
    public static let portal = Self("ISCSI_PORTAL")
    public static let state = Self("ISCSI_STATE")
    public static let portals = Self("ISCSI_PORTALS")
    public static let initiator = Self("ISCSI_INITIATOR")
    public static let size = Self("ISCSI_SIZE")
    public static let blockSize = Self("ISCSI_BLOCK_SIZE")
    public static let writable = Self("ISCSI_WRITABLE")
    public static let reconnects = Self("ISCSI_RECONNECTS")
    public static let bridgePID = Self("ISCSI_BRIDGE_PID")
    /// The bridge's refusal, in its answer only.
    public static let error = Self("ERROR")
    public static let option = Self("OPTION")
}

extension HandOffKey where File == OverlayEnv {
    public static let mode = Self("OVERLAY_MODE")
    public static let writableDirectory = Self("WRITABLE_DIR")
    public static let rwtabMounts = Self("RWTAB_MOUNTS")
    public static let fstab = Self("FSTAB")
    public static let lowerDirectory = Self("LOWER_DIR")
    public static let upperDirectory = Self("UPPER_DIR")
    public static let workDirectory = Self("WORK_DIR")
    public static let volatile = Self("VOLATILE")
    public static let volatileVarOptions = Self("VOLATILE_VAR_OPTIONS")
    public static let usrSource = Self("USR_SOURCE")
    public static let factory = Self("FACTORY")
    public static let scratch = Self("SCRATCH")
    public static let swap = Self("SWAP")
    /// A live root's persistent overlay (`rd.live.overlay=`).
    public static let liveOverlay = Self("LIVE_OVERLAY")
}

extension HandOffKey where File == NetEnv {
    public static let interface = Self("NET_INTERFACE")
    public static let interfaces = Self("NET_INTERFACES")
    public static let mac = Self("NET_MAC")
    public static let method = Self("NET_METHOD")
    public static let address = Self("NET_ADDRESS")
    public static let prefix = Self("NET_PREFIX")
    public static let netmask = Self("NET_NETMASK")
    public static let gateway = Self("NET_GATEWAY")
    public static let routes = Self("NET_ROUTES")
    public static let dns = Self("NET_DNS")
    public static let domain = Self("NET_DOMAIN")
    public static let hostname = Self("NET_HOSTNAME")
    public static let mtu = Self("NET_MTU")
    public static let dhcpServer = Self("NET_DHCP_SERVER")
    public static let leaseSeconds = Self("NET_LEASE_SECONDS")
    public static let clientID = Self("NET_CLIENT_ID")
    public static let bootServer = Self("NET_BOOT_SERVER")
    public static let rootPath = Self("NET_ROOT_PATH")
    public static let bootFile = Self("NET_BOOT_FILE")
}

extension HandOffKey where File == StateEnv {
    public static let store = Self("STATE_STORE")
    public static let wanted = Self("STATE_WANTED")
    public static let persistent = Self("STATE_PERSISTENT")
    public static let fallback = Self("STATE_FALLBACK")
    public static let device = Self("STATE_DEVICE")
    public static let fstype = Self("STATE_FSTYPE")
    public static let directory = Self("STATE_DIR")
    public static let mount = Self("STATE_MOUNT")
    public static let nfsSource = Self("STATE_NFS_SOURCE")
    public static let statetabMounts = Self("STATETAB_MOUNTS")
    public static let machineID = Self("MACHINE_ID")
    public static let sshHostKeys = Self("SSH_HOST_KEYS")
}

extension HandOffKey where File == SwitchRootEnv {
    public static let initPath = Self("INIT")
    public static let initramfsRemoved = Self("INITRAMFS_REMOVED")
    public static let initramfsLeft = Self("INITRAMFS_LEFT")
}

/// The root stage's request to the iSCSI bridge (over a socket pair, never a file).
public enum ISCSIBridgeRequestMessage: HandOffFile { public static let name = "iscsi-bridge-request" }

extension HandOffKey where File == ISCSIBridgeRequestMessage {
    public static let portals = Self("PORTALS")
    public static let initiator = Self("INITIATOR")
    public static let writable = Self("WRITABLE")
    public static let retrySeconds = Self("RETRY_SECONDS")
    public static let target = Self("TARGET")
    public static let lun = Self("LUN")
    public static let chapUser = Self("CHAP_USER")
    public static let chapPassword = Self("CHAP_PASSWORD")
    public static let chapTargetUser = Self("CHAP_TARGET_USER")
    public static let chapTargetPassword = Self("CHAP_TARGET_PASSWORD")
}
