/// What one layer of a root hands to the layer above it.
public enum RootResource: Equatable, Sendable {
    /// The bottom of the stack: nothing attached yet.
    case nothing
    /// A block device node: a disk, a partition, later a loop, nbd or dm device.
    case blockDevice(String)
    /// A mounted tree: the root itself at /sysroot, or an intermediate mount under
    /// /run/stateless (an NFS export holding an image file, a live medium).
    case directory(String)
}

/// One step of attaching a root. Root kinds are stacks of layers, each building on what
/// the one below handed up (ARCHITECTURE.md):
///
///     block      block device → filesystem
///     nfs-loop   network → NFS mount → loop device → filesystem     (next issues)
///     live       medium → squashfs → device-mapper snapshot → filesystem
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
}

/// A layer that is attached: what it hands up, its facts for root.env, and its undo.
public struct AttachedLayer {
    public var resource: RootResource
    public var facts: [(String, String)]
    /// Takes the layer down when a layer above it fails (unmount, detach), so that a
    /// retry or the emergency shell starts from a clean state. Best effort: it logs.
    public var undo: () -> Void

    public init(resource: RootResource, facts: [(String, String)], undo: @escaping () -> Void = {}) {
        self.resource = resource
        self.facts = facts
        self.undo = undo
    }
}

public enum LayerStack {
    /// Attaches the steps bottom-up, each on what the one below handed up. When one
    /// fails, the ones already attached are undone top-down and the error is passed on.
    public static func attach(_ steps: [(RootResource) throws -> AttachedLayer]) throws -> (RootResource, [(String, String)]) {
        var attached: [AttachedLayer] = []
        var resource = RootResource.nothing
        for step in steps {
            do {
                let layer = try step(resource)
                attached.append(layer)
                resource = layer.resource
            } catch {
                for done in attached.reversed() { done.undo() }
                throw error
            }
        }
        return (resource, attached.flatMap(\.facts))
    }
}
