import StatelessCore
import StatelessProtocols
import StatelessSystem

/// Fetches a live image (or an ISO holding one) over HTTP into a RAM area of its own and
/// hands up the file. The checksum, when there is one, is verified before anything
/// mounts the file: `stateless.live.sha256=`, else a `<url>.sha256` beside the image
/// (sha256sum's output: the first word counts). No checksum at all is allowed, and said.
struct LiveFetchStep: RootLayer {
    package let url: HTTPURL
    /// Where the RAM area goes: /run/initramfs/live for an image (the booted system finds
    /// it where a medium would be), /run/initramfs/isoscan for an ISO.
    package let directory: String
    package let sha256: String?
    package var name: String { "http-fetch" }

    package var path: String { directory + "/" + url.fileName }

    package func attach(_ below: RootResource, _ context: AttachContext) throws -> AttachedLayer {
        let retry = context.options.retryBound(network: true)
        var download = HTTPDownload(url: url, retrySeconds: retry, log: context.log)
        var sink = LiveImageSink(directory: directory, fileName: url.fileName, purpose: url.description)
        let verity = context.options.cache.rootHash != nil
        sink.roomForTree = verity
        let found: Bool
        do {
            found = try download.run(into: &sink)
        } catch {
            sink.area?.remove(context.log)
            throw error
        }
        guard found else {
            sink.area?.remove(context.log)
            throw BootError("fetch", url.description, detail: "the server has no such file (404)", option: "root=")
        }
        let digest = try sink.finish()
        let undo: () -> Void = { [area = sink.area, log = context.log] in area?.remove(log) }
        let expected: String?
        do { expected = try sha256 ?? published(context, retry: retry) } catch { undo(); throw error }
        var facts: HandOffFacts<RootEnv> = [(.liveURL, download.url.description), (.liveFetched, path), (.liveFetchedBytes, String(download.stored))]
        if let expected {
            guard digest == expected.lowercased() else {
                undo()
                throw BootError("verify", url.description, detail: "expected SHA-256 \(expected.lowercased()), the \(download.stored) bytes fetched have \(digest)",
                                option: sha256 == nil ? "\(url.appending(".sha256")) on the server" : "stateless.live.sha256=")
            }
            // A checksum from the same server guards against a damaged transfer, not
            // against the server: only one the command line gives verifies the image.
            if sha256 == nil {
                context.log.info("root", "\(url.fileName): SHA-256 checked against \(url.fileName).sha256 from the same server (\(digest)); stateless.live.sha256= verifies it")
            } else {
                context.log.info("root", "\(url.fileName): SHA-256 verified (\(digest), stateless.live.sha256=)")
            }
            facts.append((.liveSHA256, digest))
        } else {
            context.log.warning("root", "\(url.fileName): no checksum to verify it against (stateless.live.sha256= or \(url.fileName).sha256 beside it); using it unverified")
        }
        if verity {
            do { try fetchTree(context, retry: retry) } catch { undo(); throw error }
        }
        return AttachedLayer(resource: .file(path), facts: facts, undo: undo)
    }

    /// `roothash=`: the image's hash tree `NAME.verity`, beside it in the same RAM area
    /// (VerityLayer finds it there and checks it against the root hash).
    func fetchTree(_ context: AttachContext, retry: Int) throws {
        let path = VerityLayer.treePath(beside: self.path)
        let treeURL = url.sibling(String(path.split(separator: "/").last ?? ""))
        var download = HTTPDownload(url: treeURL, retrySeconds: retry, log: context.log)
        download.announce = false
        // Written straight into the RAM area, which was sized with room for it.
        let file = try Posix.open(path, .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite, .groupRead, .otherRead])
        defer { try? file.close() }
        var sink = FileRangeSink(descriptor: file, path: path, offset: 0)
        guard try download.run(into: &sink) else {
            throw BootError("fetch", treeURL.description, detail: "roothash= is given, and the server has no hash tree beside the image (404; mkstateless publish writes it)", option: "roothash=")
        }
        context.log.info("root", "\(treeURL.fileName): the hash tree, \(download.stored) bytes, beside the image for dm-verity (roothash=)")
    }

    /// The first word of `<url>.sha256`, or nil when the server has none.
    func published(_ context: AttachContext, retry: Int) throws -> String? {
        let checksumURL = url.appending(".sha256")
        var download = HTTPDownload(url: checksumURL, retrySeconds: retry, log: context.log)
        download.announce = false
        var sink = MemorySink(limit: 4096)
        guard try download.run(into: &sink) else { return nil }
        guard let word = String(decoding: sink.bytes, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "*" }).first,
              HexDigest.isSHA256(word)
        else {
            throw BootError("read", checksumURL.description, detail: "expected 64 hex digits first (sha256sum's output), found \"\(String(decoding: sink.bytes.prefix(40), as: UTF8.self))\"",
                            option: "stateless.live.sha256=")
        }
        return String(word)
    }
}
