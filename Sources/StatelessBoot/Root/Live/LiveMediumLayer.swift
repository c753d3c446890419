import StatelessCore
import StatelessProtocols
import StatelessSystem
import SystemPackage

/// The bottom layer of a live root: waits for the medium (a CD by its ISO 9660 label, a
/// USB stick's partition), mounts it read-only at /run/initramfs/live, where dracut puts
/// it and the booted system's live tools look, and hands up the image file on it:
/// `<rd.live.dir>/<rd.live.squashimg>`, else the older `rootfs.img` or `ext3fs.img`
/// there. An ISO file is loop-mounted first; the filesystem holding it goes to
/// /run/initramfs/isoscan, as dracut's iso-scan puts it.
struct LiveMediumLayer: RootLayer {
    package let spec: LiveRootSpec
    package var name: String { "live-medium" }

    static let mountPoint = "/run/initramfs/live"
    static let isoScanMountPoint = "/run/initramfs/isoscan"
    /// What dracut also takes when the squash image is absent: an ext4 image directly
    /// on the medium (Fedora 7–14's layout).
    static let plainImages = ["rootfs.img", "ext3fs.img"]

    package func attach(_ below: RootResource, _ context: AttachContext) throws -> AttachedLayer {
        let option = "root=, rd.timeout="
        var steps: [RootLayer]
        switch spec.medium {
        case .device(let reference):
            steps = [BlockDeviceLayer(reference: reference, purpose: "live medium", option: option),
                     FilesystemLayer.intermediate(at: Self.mountPoint, purpose: "live medium", mount: .liveMedium)]
        case .isoFile(let device?, let path):
            steps = [BlockDeviceLayer(reference: device, purpose: "filesystem holding \(path)", option: option),
                     FilesystemLayer.intermediate(at: Self.isoScanMountPoint, purpose: "filesystem holding \(path)", mount: .liveISOScan),
                     ISOFileStep(path: path),
                     LoopDeviceLayer(image: Self.isoScanMountPoint + path),
                     FilesystemLayer.intermediate(at: Self.mountPoint, purpose: "live ISO \(path)", mount: .liveMedium)]
        case .isoFile(nil, let path):
            // dracut's form: the ISO is a file in the initramfs.
            steps = [ISOFileStep(path: path),
                     LoopDeviceLayer(image: path),
                     FilesystemLayer.intermediate(at: Self.mountPoint, purpose: "live ISO \(path)", mount: .liveMedium)]
        case .url(let url) where LiveRootSpec.isISOPath(url.fileName):
            let fetch = LiveFetchStep(url: url, directory: Self.isoScanMountPoint, sha256: spec.sha256)
            steps = [fetch, LoopDeviceLayer(image: fetch.path),
                     FilesystemLayer.intermediate(at: Self.mountPoint, purpose: "live ISO \(url.fileName)", mount: .liveMedium)]
        case .url(let url):
            // The image itself, in RAM where a medium would be mounted.
            steps = [LiveFetchStep(url: url, directory: Self.mountPoint, sha256: spec.sha256)]
        }
        steps.reverse()
        let stack = try LayerStack.attach(next: { _, _ in steps.popLast() }) { layer, below in try layer.attach(below, context) }
        do {
            if spec.check { try check(stack.facts, context) }
            if case .file(let image) = stack.resource {
                return AttachedLayer(resource: stack.resource, facts: stack.facts + [(.liveMedium, Self.mountPoint), (.liveImage, image)], undo: stack.undo)
            }
            let image = try findImage(context)
            guard spec.copyToRAM else {
                return AttachedLayer(resource: .file(image), facts: stack.facts + [(.liveMedium, Self.mountPoint), (.liveImage, image)],
                                     undo: stack.undo)
            }
            let (copy, area) = try copyIntoRAM(image, context)
            // The medium is no longer needed: unmounted (and its loop device detached), so
            // that it can be removed, as rd.live.ram=1 promises.
            stack.undo()
            context.log.info("root", "rd.live.ram=1: the medium is released (\(Self.mountPoint) unmounted); it may be removed")
            return AttachedLayer(resource: .file(copy), facts: [(.liveMedium, ""), (.liveImage, copy), (.liveRAM, "1")],
                                 undo: { [log = context.log] in area.remove(log) })
        } catch {
            stack.undo()
            throw error
        }
    }

    /// `rd.live.check`: an ISO 9660 medium (the CD, or the ISO file) against the MD5
    /// implanted in it.
    package func check(_ facts: HandOffFacts<RootEnv>, _ context: AttachContext) throws {
        func fact(_ key: HandOffKey<RootEnv>) -> String? { facts.last { $0.0 == key }?.1 }
        guard fact(.fstype(.liveMedium)) == "iso9660", let medium = fact(.liveISO) ?? fact(.liveFetched) ?? fact(.device) else {
            context.log.warning("root", "rd.live.check: the medium is no ISO 9660 image (\(fact(.fstype(.liveMedium)) ?? "an image fetched into RAM")): nothing to check")
            return
        }
        try LiveMediumCheck(log: context.log).run(medium)
    }

    static let ramDirectory = "/run/initramfs/ram"

    /// `rd.live.ram=1`: the image, copied into a RAM area of its own (refused up front
    /// when RAM is too small), checked against `stateless.live.sha256=` when given.
    func copyIntoRAM(_ image: String, _ context: AttachContext) throws -> (String, LiveRAMArea) {
        let name = String(image.split(separator: "/").last ?? "image")
        let source = try Posix.open(image, .readOnly)
        defer { try? source.close() }
        guard let status = try Posix.statIfPresent(image) else { throw BootError("copy into RAM", image, detail: "the image is gone") }
        var sink = LiveImageSink(directory: Self.ramDirectory, fileName: name, purpose: image)
        let start = Uptime.now()
        var progress = TransferProgress(log: context.log, name: name)
        do {
            try sink.expect(total: Int64(status.size))
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            var copied: Int64 = 0
            while true {
                let count = try buffer.withUnsafeMutableBytes { buffer in
                    do { return try source.read(into: buffer) } catch let errno as Errno {
                        throw BootError("read", image, errno: errno, detail: "after \(copied) bytes copied into RAM", option: "rd.live.ram=")
                    }
                }
                if count == 0 { break }
                try buffer.withUnsafeBytes { try sink.append(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
                copied += Int64(count)
                progress.report(copied, of: Int64(status.size))
            }
            let digest = try sink.finish()
            if let expected = spec.sha256, digest != expected {
                throw BootError("verify", image, detail: "expected SHA-256 \(expected), the copy in RAM has \(digest)", option: "stateless.live.sha256=")
            }
            progress.finish(copied, since: start, what: "rd.live.ram=1: copied \(image) into RAM")
        } catch {
            sink.area?.remove(context.log)
            throw error
        }
        guard let area = sink.area else { throw BootError("copy into RAM", image, detail: "no RAM area was made") }
        return (sink.path, area)
    }

    /// The squash image, else an ext4 image in the same directory; the error lists what
    /// the directory holds.
    func findImage(_ context: AttachContext) throws -> String {
        let directory = Self.mountPoint + "/" + spec.directory
        for name in [spec.squashImage] + Self.plainImages {
            let path = directory + "/" + name
            if let status = try? Posix.statIfPresent(path), status.kind == .regular {
                context.log.info("root", "live image \(path) (\(status.size / 1_048_576) MiB)")
                return path
            }
        }
        let found: String
        if let names = try? Posix.listDirectory(directory) {
            found = names.isEmpty ? "\(spec.directory)/ is empty" : "\(spec.directory)/ holds \(names.sorted().prefix(8).joined(separator: ", "))"
        } else {
            let top = ((try? Posix.listDirectory(Self.mountPoint)) ?? []).sorted().prefix(8)
            found = "the medium has no \(spec.directory)/ (its top level: \(top.isEmpty ? "empty" : top.joined(separator: ", ")))"
        }
        throw BootError("find live image", "\(spec.description) \(spec.imagePath)",
                        detail: "expected \(spec.imagePath) (or \(Self.plainImages.joined(separator: " or ")) beside it) on the medium, found: \(found)",
                        option: "rd.live.dir=, rd.live.squashimg=")
    }
}

/// Hands up the ISO file on the filesystem mounted below, or says it is not there.
struct ISOFileStep: RootLayer {
    package let path: String
    package var name: String { "iso-file" }

    package func attach(_ below: RootResource, _ context: AttachContext) throws -> AttachedLayer {
        let directory: String
        switch below {
        case .directory(let mounted): directory = mounted
        case .nothing: directory = ""  // in the initramfs
        default: throw BootError("find live ISO", path, detail: "expected a mounted filesystem below, found \(below)")
        }
        let file = directory + path
        guard Posix.isRegularFile(file) else {
            throw BootError("find live ISO", path, detail: "\(directory.isEmpty ? "the initramfs" : "the filesystem holding it") has no regular file \(path)",
                            option: "root=")
        }
        return AttachedLayer(resource: .file(file), facts: [(.liveISO, file)])
    }
}
