import StatelessCore
import StatelessProtocols
import StatelessSystem

/// What one layer of a root hands to the layer above it.
public enum RootResource: Equatable, Sendable {
    /// The bottom of the stack: nothing attached yet.
    case nothing
    /// A block device node: a disk, a partition, later a loop, nbd or dm device.
    case blockDevice(String)
    /// A mounted tree: the root itself at /sysroot, or an intermediate mount under
    /// /run/stateless (a live medium).
    case directory(String)
    /// A filesystem image file on a mounted tree (NFS-loopback: the image on its export).
    case file(String)
}

/// One step of attaching a root. Root kinds are stacks of layers, each building on what
/// the one below handed up (ARCHITECTURE.md):
///
///     block      block device → filesystem
///     nfs        NFS mount
///     nfs-loop   NFS mount → loop device → filesystem
///     live       medium → loop → live image (squashfs) [→ loop → snapshot] → filesystem
public protocol RootLayer {
    /// For log lines and root.env's ROOT_LAYERS: "block-device", "filesystem".
    var name: String { get }
    /// Attaches on top of `below`. Waits inside are bounded and report progress.
    func attach(_ below: RootResource, _ context: AttachContext) throws -> AttachedLayer
}

/// What the layers share: the options, the device watcher (module loading and uevents
/// while waiting) and the log.
public struct AttachContext {
    public let options: BootOptions
    public let watcher: DeviceWatcher
    public let log: Logger
    /// The stage for log lines: `root`, or `overlay` for the state store's mount.
    public var stage = "root"
}

/// A layer that is attached: what it hands up, its facts for root.env, and its undo.
public struct AttachedLayer {
    public var resource: RootResource
    public var facts: HandOffFacts<RootEnv>
    /// Takes the layer down when a layer above it fails (unmount, detach), so that a
    /// retry or the emergency shell starts from a clean state. Best effort: it logs.
    public var undo: () -> Void

    public init(resource: RootResource, facts: HandOffFacts<RootEnv>, undo: @escaping () -> Void = {}) {
        self.resource = resource
        self.facts = facts
        self.undo = undo
    }
}

public enum LayerStack {
    /// What a stack attached: the top resource, the layers bottom-up, their facts, and
    /// an undo of them all (top-down), for a layer that is itself a small stack.
    public struct Attached<Layer> {
        public var resource: RootResource
        public var layers: [Layer]
        public var facts: HandOffFacts<RootEnv>
        public var undo: () -> Void
    }

    /// Attaches layers bottom-up: `next` names the layer to put on what the one below
    /// handed up, given the layers attached so far (nil: the root is complete), so a kind
    /// can branch on what it finds — an NFS path that turns out to be an image file goes
    /// on through a loop device. When one fails, the ones already attached are undone
    /// top-down and the error is passed on.
    public static func attach<Layer>(
        next: (RootResource, [Layer]) -> Layer?, _ attach: (Layer, RootResource) throws -> AttachedLayer
    ) throws -> Attached<Layer> {
        var attached: [(Layer, AttachedLayer)] = []
        var resource = RootResource.nothing
        while let layer = next(resource, attached.map(\.0)) {
            do {
                let done = try attach(layer, resource)
                attached.append((layer, done))
                resource = done.resource
            } catch {
                for (_, done) in attached.reversed() { done.undo() }
                throw error
            }
        }
        let undos = attached.reversed().map(\.1.undo)
        return Attached(resource: resource, layers: attached.map(\.0), facts: attached.flatMap(\.1.facts),
                        undo: { for undo in undos { undo() } })
    }
}
