import StatelessCore
import StatelessProtocols
import StatelessSystem

/// `roothash=`: the device below is read through dm-verity (VerityDevice). The hash tree
/// is `NAME.verity` beside an image file `NAME.squashfs` (the layout `mkstateless publish`
/// serves, and systemd's for images), attached to a loop device of its own; or, for a
/// block root, the device `systemd.verity_root_hash=` names.
struct VerityLayer: RootLayer {
    enum HashTree {
        case beside(image: String)
        case device(BlockDeviceReference)
    }

    var tree: HashTree
    var rootHash: String
    static let layerName = "verity"
    var name: String { Self.layerName }
    static let deviceName = "stateless-root"

    /// `/srv/os.squashfs` → `/srv/os.verity`.
    static func treePath(beside image: String) -> String {
        let slash = image.lastIndex(of: "/").map { image.index(after: $0) } ?? image.startIndex
        let stem = image[slash...].lastIndex(of: ".").map { image[..<$0] } ?? image[...]
        return stem + ".verity"
    }

    func attach(_ below: RootResource, _ context: AttachContext) throws -> AttachedLayer {
        guard case .blockDevice(let data) = below else {
            throw BootError("attach dm-verity", "\(below)", detail: "expected the root's block device below", option: "roothash=")
        }
        let log = context.log
        var hash: String
        var detachHash: () -> Void = {}
        var facts: HandOffFacts<RootEnv> = []
        switch tree {
        case .beside(let image):
            let path = Self.treePath(beside: image)
            guard Posix.isRegularFile(path) else {
                throw BootError("attach dm-verity", image, detail: "roothash= is given, and there is no hash tree \(path) beside the image (mkstateless publish writes it)", option: "roothash=")
            }
            hash = try LoopDevice.attach(path, writable: false, directIO: context.options.loopDirectIO).device
            detachHash = { [hash] in LoopDeviceLayer.detach(hash, log) }
            facts.append((.verityTree, path))
        case .device(let reference):
            hash = try BlockDeviceLayer.wait(for: reference, purpose: "verity hash device", seconds: context.options.deviceTimeoutSeconds,
                                             option: "systemd.verity_root_hash=, rd.timeout=", context)
            facts.append((.verityTree, hash))
        }
        let opened: (node: String, undo: () -> Void)
        do {
            opened = try VerityDevice(name: Self.deviceName, data: data, hash: hash, rootHash: rootHash, option: "roothash=").open(context)
        } catch {
            detachHash()
            throw error
        }
        return AttachedLayer(resource: .blockDevice(opened.node), facts: facts + [(.verityDevice, opened.node), (.verityRootHash, rootHash)],
                             undo: { opened.undo(); detachHash() })
    }
}
