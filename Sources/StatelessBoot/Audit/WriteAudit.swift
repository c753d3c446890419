import StatelessAudit
import StatelessCore
import StatelessProtocols
import StatelessSystem

/// `stateless audit` on the booted system: what was written since the boot, inside and
/// outside the declared writable places, from the boot's own records:
///
/// - overlayfs mode: every entry of the upper directory (a whiteout is a deletion, an
///   opaque directory a replaced one) compared with the lower (the image);
/// - rwtab mode: the tmpfs copies (/run/stateless/writable) compared with the image, seen
///   through a non-recursive bind of / (which shows the root without the mounts on it);
/// - both: the statetab paths in the state store compared with the image.
///
/// The declared places are what the boot wrote to /run/stateless/rwtab and statetab.
public struct WriteAudit {
    static let imageView = HandOff.directory + "/audit-image"
    public static let declaredRwtab = HandOff.directory + "/rwtab"
    public static let declaredStatetab = HandOff.directory + "/statetab"

    public init() {}

    public func run() throws -> AuditReport {
        guard let overlay = HandOff.read(OverlayEnv.self), let mode = overlay[.mode] else {
            throw BootError("audit", HandOff.path(OverlayEnv.self), detail: "no record of the boot's writable places: was this system booted by stateless?")
        }
        let rwtab = Rwtab.plan(Self.readDeclared(Self.declaredRwtab) { Rwtab.parse($0, source: $1).entries })
        let statetab = Self.readDeclared(Self.declaredStatetab) { Statetab.parse($0, source: $1).paths }
        let image: String
        if mode == "overlayfs", let lower = overlay[.lowerDirectory] {
            image = lower
        } else {
            try Posix.makeDirectories(Self.imageView)
            try Posix.mount(source: "/", target: Self.imageView, type: nil, flags: [.bind])
            image = Self.imageView
        }
        defer { if image == Self.imageView { try? Posix.unmount(Self.imageView, detach: true); try? Posix.removeDirectory(Self.imageView) } }
        var collector = Collector(image: image, packages: DpkgOwners.read(image: image))
        if mode == "overlayfs", let upper = overlay[.upperDirectory] {
            try collector.walkUpper(upper, "", declared: { path in Self.place(of: path, rwtab, statetab) })
        }
        if mode == "rwtab" {
            for step in rwtab where step.bindMount {
                let place = "rwtab: \(step.entry.kind.rawValue) \(step.entry.path)"
                try collector.compare(copy: WritablePlaces.writableDirectory + step.entry.path, step.entry.path, place: place,
                                      deletions: step.entry.kind == .files)
            }
        }
        for path in statetab {
            try collector.compare(copy: StateStore.directory + path, path, place: "statetab: \(path)", deletions: true)
        }
        // The boot itself replaced or hid the identity files: not the system's writes.
        let identity = ((try? Posix.readText(ImageIdentity.record)) ?? "").split(separator: "\n").compactMap(AuditReport.IdentityRecord.init(line:))
        return AuditReport(mode: mode, entries: collector.entries.filter { IdentityFiles.entry(for: $0.path) == nil }, identity: identity)
    }

    static func readDeclared<T>(_ file: String, _ parse: (String, String) -> [T]) -> [T] {
        (try? Posix.readText(file)).map { parse($0, file) } ?? []
    }

    /// The declared place a path lies in, for the report.
    package static func place(of path: String, _ rwtab: [RwtabStep], _ statetab: [String]) -> String? {
        func covers(_ place: String) -> Bool { path == place || path.hasPrefix(place + "/") }
        if let step = rwtab.first(where: { covers($0.entry.path) }) { return "rwtab: \(step.entry.kind.rawValue) \(step.entry.path)" }
        return statetab.first(where: covers).map { "statetab: \($0)" }
    }

    package struct Collector {
        package let image: String
        let packages: DpkgOwners?
        package var entries: [AuditEntry] = []

        package mutating func add(_ change: AuditEntry.Change, _ path: String, _ info: FileStatus, place: String?) {
            let anchor = self.anchor(path)
            entries.append(AuditEntry(change: change, kind: Self.kind(info), path: path, anchor: anchor,
                                      package: packages?.owner(of: anchor), inside: place))
        }

        /// The path, or its nearest ancestor the image has.
        func anchor(_ path: String) -> String {
            var current = path
            while current != "/" && (try? Posix.lstatIfPresent(image + current)) ?? nil == nil {
                let parent = String(current[..<(current.lastIndex(of: "/") ?? current.startIndex)])
                current = parent.isEmpty ? "/" : parent
            }
            return current
        }

        /// overlayfs: an upper directory's entries. A directory the image also has is only
        /// a container unless marked opaque; a new directory is reported once, not with
        /// everything below it.
        mutating func walkUpper(_ upper: String, _ relative: String, declared: (String) -> String?) throws {
            for name in try Posix.listDirectory(upper + relative).sorted() {
                let path = relative + "/" + name
                guard let info = try Posix.lstatIfPresent(upper + path) else { continue }
                let inImage = try Posix.lstatIfPresent(image + path)
                if info.kind == .characterDevice && info.deviceNumber == 0 {
                    add(.deleted, path, inImage ?? info, place: declared(path))
                } else if info.kind == .directory, inImage.map({ $0.kind == .directory }) ?? false {
                    if Self.isOpaque(upper + path) {
                        add(.modified, path, info, place: declared(path))
                    } else {
                        try walkUpper(upper, path, declared: declared)
                    }
                } else {
                    add(inImage == nil ? .new : .modified, path, info, place: declared(path))
                }
            }
        }

        /// rwtab and statetab: a copy against the image's tree at the same path.
        package mutating func compare(copy: String, _ path: String, place: String, deletions: Bool) throws {
            guard let info = try Posix.lstatIfPresent(copy) else { return }
            let original = try Posix.lstatIfPresent(image + path)
            guard let original else {
                add(.new, path, info, place: place)
                return
            }
            let bothDirectories = info.kind == .directory && original.kind == .directory
            guard bothDirectories else {
                if Self.differs(info, original, copy, image + path) { add(.modified, path, info, place: place) }
                return
            }
            let names = try Posix.listDirectory(copy).sorted()
            for name in names { try compare(copy: copy + "/" + name, path + "/" + name, place: place, deletions: deletions) }
            if deletions {
                for name in try Posix.listDirectory(image + path).sorted() where !names.contains(name) {
                    if let gone = try Posix.lstatIfPresent(image + path + "/" + name) { add(.deleted, path + "/" + name, gone, place: place) }
                }
            }
        }

        /// Contents or metadata changed: size, mode, owner, mtime, or a symlink's target.
        package static func differs(_ a: FileStatus, _ b: FileStatus, _ pathA: String, _ pathB: String) -> Bool {
            if (a.kind, a.permissions, a.owner, a.group, a.size) != (b.kind, b.permissions, b.owner, b.group, b.size) { return true }
            if a.kind == .symlink { return (try? Posix.readLink(pathA)) != (try? Posix.readLink(pathB)) }
            return a.modified != b.modified
        }

        static func isOpaque(_ path: String) -> Bool {
            ["trusted.overlay.opaque", "user.overlay.opaque"].contains { name in
                Posix.extendedAttribute(name, of: path, limit: 2)?.first == UInt8(ascii: "y")
            }
        }

        package static func kind(_ info: FileStatus) -> AuditEntry.Kind {
            switch info.kind {
            case .regular: return .file
            case .directory: return .directory
            case .symlink: return .symlink
            default: return .other
            }
        }
    }
}
