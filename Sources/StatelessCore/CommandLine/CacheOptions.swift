/// `stateless.cache*` and `roothash=` (docs/cached-clients.md): a local copy of a
/// network image root in two slots, and the dm-verity root hash an image root is
/// checked against.
public struct CacheOptions: Equatable, Sendable {
    /// `stateless.cache=`: the local filesystem holding the slots; nil: no cache.
    public var device: BlockDeviceReference?
    /// `stateless.cache.format=1`: a device with no signature at all is made ext4.
    public var format = false
    /// `stateless.cache.timeout=`: how long the server may take to answer (after the net
    /// stage) before the cached release boots without asking it.
    public var timeoutSeconds = 10
    /// `roothash=`: the image root's dm-verity root hash (systemd's option).
    public var rootHash: String?
    /// `systemd.verity_root_data=`, `systemd.verity_root_hash=`: a block root's data and
    /// hash-tree devices (the data defaults to `root=`).
    public var verityData: BlockDeviceReference?
    public var verityHash: BlockDeviceReference?

    public init() {}

    public init(_ line: KernelCommandLine) throws {
        if let parameter = line.last(.cache) { device = try StateOptions.localDevice(parameter) }
        timeoutSeconds = try line.seconds(.cacheTimeout) ?? timeoutSeconds
        if let parameter = line.last(.cacheFormat) {
            format = try BootOptions.boolean(parameter)
            if format, case .tag(let name, _)? = device, name == "LABEL" || name == "UUID" {
                throw OptionError(option: parameter.key, value: parameter.value,
                                  expected: "a cache named by PARTLABEL=, PARTUUID= or /dev/… (a blank device has no filesystem \(name) to be found by)")
            }
        }
        if let parameter = line.last(.rootHash) {
            let value = parameter.value ?? ""
            guard HexDigest.isSHA256(Substring(value)) else {
                throw OptionError(option: parameter.key, value: value, expected: "64 hex digits (a sha256 dm-verity root hash, as veritysetup format prints it)")
            }
            rootHash = value.lowercased()
        }
        if let parameter = line.last(.verityRootData) { verityData = try StateOptions.localDevice(parameter) }
        if let parameter = line.last(.verityRootHash) { verityHash = try StateOptions.localDevice(parameter) }
    }
}
