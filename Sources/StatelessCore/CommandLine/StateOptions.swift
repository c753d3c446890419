/// Where the machine's persistent state lives (`stateless.state=`).
public enum StateStoreSource: Equatable, Sendable, CustomStringConvertible {
    /// Lost at reboot: the default when nothing is configured.
    case tmpfs
    /// A local filesystem, by label or another tag, or a device path.
    case block(BlockDeviceReference)
    /// A directory on an NFS server, usually one per machine (`${mac}`, `${hostname}`).
    case nfs(NFSRootSpec)

    public var description: String {
        switch self {
        case .tmpfs: return "tmpfs"
        case .block(let reference): return reference.description
        case .nfs(let spec): return spec.description
        }
    }

    public var needsNetwork: Bool {
        if case .nfs = self { return true }
        return false
    }
}

/// What happens when the configured store cannot be attached.
public enum StateFallback: String, Equatable, Sendable, CaseIterable {
    /// Go on with a tmpfs store, with a warning: the machine boots, its state is lost.
    case tmpfs
    /// Stop the boot (the emergency fallback): state that must persist is not faked.
    case stop
}

/// `stateless.swap=`: which local swap to activate before the switch.
public enum SwapSelection: Equatable, Sendable {
    /// Every local partition with a swap signature.
    case auto
    case device(BlockDeviceReference)
}

/// The `stateless.state*`, `stateless.scratch*` and `stateless.swap` options
/// (docs/machine-state.md).
public struct StateOptions: Equatable, Sendable {
    /// nil: not on the command line (the root's readonly-root may still name one).
    public var store: StateStoreSource?
    public var fallback: StateFallback = .tmpfs
    /// `stateless.state.timeout`: seconds to wait for the store's device or server.
    public var timeoutSeconds = 10
    /// `stateless.state.format=1`: a store device with no signature at all is made ext4.
    public var format = false
    /// `stateless.identity=0`: leave the image's machine-id and SSH host keys alone.
    public var perMachineIdentity = true
    /// `stateless.scratch=`: a local filesystem for the temporary areas instead of RAM.
    public var scratch: BlockDeviceReference?
    /// `stateless.scratch.keep=1`: the areas are not wiped at boot (a persistent overlay).
    public var keepScratch = false
    public var swap: SwapSelection?

    public init() {}

    public init(_ line: KernelCommandLine) throws {
        if let parameter = line.last(.state) { store = try Self.store(parameter) }
        fallback = try line.choice(.stateFallback) ?? fallback
        timeoutSeconds = try line.seconds(.stateTimeout) ?? timeoutSeconds
        if let format = line.last(.stateFormat) {
            self.format = try BootOptions.boolean(format)
            // A blank device has no filesystem label or UUID to be found by.
            if self.format, case .block(.tag(let name, _))? = store, name == "LABEL" || name == "UUID" {
                throw OptionError(option: format.key, value: format.value,
                                  expected: "a store named by PARTLABEL=, PARTUUID= or /dev/… (a blank device has no filesystem \(name) to be found by)")
            }
        }
        perMachineIdentity = try line.flag(.identity) ?? perMachineIdentity
        if let parameter = line.last(.scratch) { scratch = try Self.localDevice(parameter) }
        keepScratch = try line.flag(.scratchKeep) ?? keepScratch
        if let parameter = line.last(.swap) {
            swap = parameter.value == "auto" ? .auto : .device(try Self.localDevice(parameter, also: "auto, "))
        }
    }

    /// A local block device as root= names one.
    static func localDevice(_ parameter: KernelParameter, also: String = "") throws -> BlockDeviceReference {
        guard case .block(let reference)? = try? BootOptions.rootSource(parameter) else {
            throw OptionError(option: parameter.key, value: parameter.value, expected: "\(also)LABEL=, UUID=, PARTUUID=, PARTLABEL= or /dev/…")
        }
        return reference
    }

    package static func store(_ parameter: KernelParameter) throws -> StateStoreSource {
        let expected = "tmpfs, LABEL=, UUID=, PARTUUID=, PARTLABEL=, /dev/…, or nfs:<server>:<path> (with ${mac}, ${hostname} or ${ip} for one directory per machine)"
        let value = parameter.value ?? ""
        if value == "tmpfs" { return .tmpfs }
        switch try? BootOptions.rootSource(parameter) {
        case .block(let reference)?: return .block(reference)
        case .nfs(let spec)? where spec.server != nil: return .nfs(spec)
        default: throw OptionError(option: parameter.key, value: value, expected: expected)
        }
    }
}
