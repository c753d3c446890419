/// The modules of `mkstateless build --hostonly`: what the running machine uses, as
/// dracut's host-only mode chooses them, for an image that boots this machine only.
///
/// The machine's device modaliases resolve against the *target* kernel's indexes (the
/// kernel the image is for may not be the one running), and loaded modules count only if
/// the target tree has them. Both are then kept only where the filter profile admits
/// them: a desktop's modaliases also name its sound, graphics, wireless and camera
/// drivers (amdgpu alone is megabytes, with tens of megabytes of firmware), which the
/// early boot never needs, and loading them there would only slow it. The root
/// filesystem's module and `bootBasics` are added whatever the filter says.
public struct HostOnlySelection: Equatable, Sendable {
    /// Modules that serve one of the machine's devices, kept by the filter.
    public var devices: [String]
    /// Loaded modules no device accounts for (dm_crypt, a crypto driver …), kept by the filter.
    public var loaded: [String]
    /// The module behind the root filesystem's type; empty if it is built in.
    public var rootFilesystem: [String]
    /// `bootBasics` the target tree has as modules.
    public var basics: [String]
    /// Modules the machine uses that the filter left out, for the build report.
    public var leftOut: [String]

    /// Every chosen module: the roots of the dependency closure.
    public var modules: [String] { Array(Set(devices + loaded + rootFilesystem + basics)).sorted() }

    /// What the boot itself can need on any machine, in use on the host or not: overlay
    /// for `stateless.overlay=overlayfs`, loop and squashfs for a root that is an image
    /// file. Together about 0.1 MB compressed.
    public static let bootBasics = ["overlay", "loop", "squashfs"]

    /// - Parameter resolve: the modules serving an alias in the target kernel (libkmod).
    public static func choose(system: RunningSystem, filter: ModuleProfile, catalog: ModuleCatalog,
                              resolve: (String) throws -> [String]) throws -> HostOnlySelection {
        let inTree = { (name: String) in catalog.path(ofModule: name) != nil }
        var fromDevices = Set<String>()
        for alias in system.modaliases {
            fromDevices.formUnion(try resolve(alias).filter(inTree))
        }
        let fromLoaded = Set(system.loadedModules.filter(inTree)).subtracting(fromDevices)
        let admitted = { (name: String) in catalog.path(ofModule: name).map(filter.admits) ?? false }
        let rootFilesystem = try system.rootFilesystemType.map { try resolve("fs-" + $0).filter(inTree) } ?? []
        return HostOnlySelection(
            devices: fromDevices.filter(admitted).sorted(),
            loaded: fromLoaded.filter(admitted).sorted(),
            rootFilesystem: Array(Set(rootFilesystem)).sorted(),
            basics: bootBasics.filter(inTree).sorted(),
            leftOut: fromDevices.union(fromLoaded).filter { !admitted($0) }.sorted())
    }
}
