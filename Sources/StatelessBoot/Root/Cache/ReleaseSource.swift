import StatelessCore
import StatelessProtocols
import StatelessSystem
import SystemPackage

/// Where a cache's releases come from: an HTTP(S) server (range requests), or a directory,
/// the NFS export holding `NAME.squashfs` mounted for the sync. Both give the release's
/// small files whole and any byte range of `NAME.zck`.
protocol ReleaseSource {
    /// `NAME.squashfs` as the command line names it: CACHE_SOURCE, and log lines.
    var location: String { get }
    /// The file beside the image, for log lines.
    func describe(_ fileName: String) -> String
    /// A small file whole (the manifest, its signature), the wait bounded by `seconds`.
    func read(_ fileName: String, limit: Int, seconds: Int, log: Logger) throws -> [UInt8]
    /// Bytes `range` of `fileName` into the open file `path` at the same offsets.
    func copy(_ fileName: String, range: ClosedRange<Int64>, into descriptor: FileDescriptor, path: String,
              retrySeconds: Int, log: Logger) throws
}

/// The server answered, and has no such file: no release by that name there (a typo in
/// `root=`, a release not published yet). Not "offline": said as what it is.
struct ReleaseMissing: Error, CustomStringConvertible {
    var file: String
    var description: String { "\(file) is not there: no release by that name (mkstateless publish --name, and root=)" }
}

/// Range requests to a static HTTP server (HTTPDownload: bounded retries, resume).
struct HTTPReleaseSource: ReleaseSource {
    var image: HTTPURL
    var location: String { image.description }

    func describe(_ fileName: String) -> String { image.sibling(fileName).description }

    func read(_ fileName: String, limit: Int, seconds: Int, log: Logger) throws -> [UInt8] {
        var download = HTTPDownload(url: image.sibling(fileName), retrySeconds: seconds, log: log)
        download.announce = false
        download.stallMilliseconds = min(download.stallMilliseconds, seconds * 1000)
        var sink = MemorySink(limit: limit)
        guard try download.run(into: &sink) else { throw ReleaseMissing(file: download.url.description) }
        return sink.bytes
    }

    func copy(_ fileName: String, range: ClosedRange<Int64>, into descriptor: FileDescriptor, path: String,
              retrySeconds: Int, log: Logger) throws {
        var download = HTTPDownload(url: image.sibling(fileName), retrySeconds: retrySeconds, log: log)
        download.announce = false
        download.part = range
        var sink = FileRangeSink(descriptor: descriptor, path: path, offset: UInt64(range.lowerBound))
        guard try download.run(into: &sink) else {
            throw BootError("fetch", download.url.description, detail: "the server has no such file (404) in the middle of a sync", option: "root=")
        }
    }
}

/// The release's directory on a mounted NFS export.
struct DirectoryReleaseSource: ReleaseSource {
    /// What the command line named (`10.0.3.1:/srv/os/os.squashfs`).
    var location: String
    var directory: String

    func describe(_ fileName: String) -> String { directory + "/" + fileName }

    func read(_ fileName: String, limit: Int, seconds: Int, log: Logger) throws -> [UInt8] {
        guard Posix.isRegularFile(describe(fileName)) else { throw ReleaseMissing(file: "\(location): \(fileName)") }
        return try Posix.readFile(describe(fileName), limit: limit)
    }

    func copy(_ fileName: String, range: ClosedRange<Int64>, into descriptor: FileDescriptor, path: String,
              retrySeconds: Int, log: Logger) throws {
        let source = describe(fileName)
        var offset = UInt64(range.lowerBound)
        let end = UInt64(range.upperBound) + 1
        while offset < end {
            let bytes = try Posix.readBytes(source, at: offset, count: Int(min(end - offset, 1 << 20)))
            guard !bytes.isEmpty else {
                throw BootError("read", source, detail: "the file ends at byte \(offset), the release's header says it goes to \(end)", option: "root=")
            }
            try bytes.withUnsafeBytes { try Posix.write($0, to: descriptor, at: offset, path: path) }
            offset += UInt64(bytes.count)
        }
    }
}

/// Writes a fetched range at its own offset of a slot's file.
struct FileRangeSink: DownloadSink {
    let descriptor: FileDescriptor
    let path: String
    let offset: UInt64
    var written: UInt64 = 0

    mutating func expect(total: Int64?) throws {}
    mutating func reset() throws { written = 0 }
    mutating func append(_ bytes: UnsafeRawBufferPointer) throws {
        try Posix.write(bytes, to: descriptor, at: offset + written, path: path)
        written += UInt64(bytes.count)
    }
}
