/// Attaches the root read-only at /sysroot by running the layers of its kind.
/// Intermediate mounts of layered kinds (an NFS export holding the image file, a live
/// medium) go under /run/stateless/layers/, so that they move with /run into the booted
/// system and stay visible there (ARCHITECTURE.md).
public struct RootStage {
    public static let target = "/sysroot"

    let context: AttachContext

    public init(options: BootOptions, watcher: DeviceWatcher, log: Logger) {
        context = AttachContext(options: options, watcher: watcher, log: log)
    }

    /// The layers, bottom-up, for one root source.
    static func layers(for source: RootSource) -> (kind: String, layers: [RootLayer]) {
        switch source {
        case .block(let reference):
            return ("block", [BlockDeviceLayer(reference: reference), FilesystemLayer(target: target)])
        }
    }

    /// Returns the facts for /run/stateless/root.env.
    public func attach() throws -> [(String, String)] {
        guard let source = context.options.root else {
            throw BootError("find root", "root=", detail: "the kernel command line names no root", option: "root=")
        }
        let (kind, layers) = Self.layers(for: source)
        let (_, facts) = try LayerStack.attach(layers.map { layer in { try layer.attach($0, context) } })
        return [("ROOT_KIND", kind), ("ROOT_LAYERS", layers.map(\.name).joined(separator: " "))] + facts
    }
}
