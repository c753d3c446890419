import StatelessCore
import StatelessProtocols
import StatelessSystem
import SystemPackage

/// A tmpfs of its own, sized to one live image, for the image in RAM: fetched over HTTP,
/// or copied from the medium with `rd.live.ram=1`. Its own size limit means a wrong
/// Content-Length or a growing file can never fill /run; and before it is made, the
/// image is weighed against the RAM available, so a machine too small is told so in one
/// line instead of running out of memory halfway through the boot.
struct LiveRAMArea {
    package let directory: String

    /// What must stay free besides the image: the booted system's own needs.
    static func headroom(totalBytes: Int64) -> Int64 { max(64 << 20, totalBytes / 8) }

    /// Nil when `bytes` fit in `available` with the headroom left; else why not.
    static func shortfall(bytes: Int64, available: Int64, total: Int64) -> String? {
        let reserve = headroom(totalBytes: total)
        guard bytes + reserve > available else { return nil }
        return "the image is \(mebibytes(bytes)) MiB, the machine has \(mebibytes(available)) MiB of RAM available and keeps \(mebibytes(reserve)) MiB free for the system"
    }

    static func mebibytes(_ bytes: Int64) -> Int64 { (bytes + (1 << 20) - 1) >> 20 }

    /// /proc/meminfo's MemTotal and MemAvailable in bytes; nil when either is missing.
    package static func memory(_ meminfo: String) -> (total: Int64, available: Int64)? {
        var total: Int64?
        var available: Int64?
        for line in meminfo.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let kibibytes = Int64(fields[1]) else { continue }
            if fields[0] == "MemTotal:" { total = kibibytes * 1024 }
            if fields[0] == "MemAvailable:" { available = kibibytes * 1024 }
        }
        guard let total, let available else { return nil }
        return (total, available)
    }

    /// Checks the RAM, then mounts a tmpfs at `directory` just large enough for `bytes`.
    package static func make(at directory: String, bytes: Int64, purpose: String, option: String) throws -> LiveRAMArea {
        let text = try Posix.readText("/proc/meminfo")
        guard let memory = memory(text) else {
            throw BootError("read", "/proc/meminfo", detail: "expected MemTotal and MemAvailable lines")
        }
        if let why = shortfall(bytes: bytes, available: memory.available, total: memory.total) {
            throw BootError("put the live image into RAM", purpose, detail: "not enough RAM: \(why)", option: option)
        }
        // Whole pages, and one more MiB for the directory and rounding.
        let size = (bytes + 4095) / 4096 * 4096 + (1 << 20)
        try Posix.makeDirectories(directory)
        try Posix.mount(source: "tmpfs", target: directory, type: "tmpfs", flags: [.noSUID, .noDev],
                        data: "mode=0755,size=\(size)")
        return LiveRAMArea(directory: directory)
    }

    package func remove(_ log: Logger) {
        do { try Posix.unmount(directory, detach: true) } catch { log.warning("root", "undo: \(error)") }
    }
}

/// A download's file in a RAM area: the area is made once the size is known, and every
/// byte is hashed as it is written.
struct LiveImageSink: DownloadSink {
    package let directory: String
    package let path: String
    package let purpose: String
    package var area: LiveRAMArea?
    package var file: FileDescriptor?
    package var hash = SHA256()
    /// Room in the area beyond the image for its dm-verity hash tree, fetched after it
    /// (a tree is 1/128 of the image and some: 1/64 and a MiB is room enough).
    package var roomForTree = false

    package init(directory: String, fileName: String, purpose: String) {
        self.directory = directory
        path = directory + "/" + fileName
        self.purpose = purpose
    }

    mutating func expect(total: Int64?) throws {
        guard let total else {
            throw BootError("fetch", purpose, detail: "the server did not say the image's size", option: "root=")
        }
        if area == nil {
            area = try LiveRAMArea.make(at: directory, bytes: total + (roomForTree ? total / 64 + (1 << 20) : 0), purpose: purpose, option: "root=, rd.live.ram=, the machine's RAM")
        }
        try reset()
    }

    package mutating func reset() throws {
        try file?.close()
        file = try Posix.open(path, .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite, .groupRead, .otherRead])
        hash = SHA256()
    }

    package mutating func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard let file else { throw BootError("write", path, detail: "the file is not open") }
        do { _ = try file.writeAll(bytes) } catch let error as Errno {
            throw BootError("write", path, errno: error, detail: error == .noSpace ? "the RAM area is full: the image is larger than the server said" : nil)
        }
        hash.update(bytes)
    }

    /// Closes the file; its SHA-256.
    mutating func finish() throws -> String {
        try file?.close()
        file = nil
        return hash.hexDigest()
    }
}

/// A small file (a `.sha256`) in memory, at most `limit` bytes.
struct MemorySink: DownloadSink {
    package var bytes: [UInt8] = []
    package let limit: Int

    mutating func expect(total: Int64?) throws {
        if let total, total > Int64(limit) { throw BootError("fetch", "checksum file", detail: "\(total) bytes, expected at most \(limit)") }
    }

    package mutating func reset() throws { bytes = [] }

    package mutating func append(_ chunk: UnsafeRawBufferPointer) throws {
        guard bytes.count + chunk.count <= limit else { throw BootError("fetch", "checksum file", detail: "more than \(limit) bytes") }
        bytes += chunk
    }
}
