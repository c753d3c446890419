import StatelessCore
import StatelessProtocols
import StatelessSystem

/// Which Debian package owns a path: dpkg's file lists (/var/lib/dpkg/info/PKG.list, one
/// path per line), read from the image.
public struct DpkgOwners: Sendable {
    var owners: [String: [String]] = [:]

    public static let infoDirectory = "/var/lib/dpkg/info"

    /// `lists`: (file name, contents) of each `*.list`; `libc6:amd64.list` is `libc6`.
    public init(lists: [(name: String, text: String)]) {
        for (name, text) in lists where name.hasSuffix(".list") {
            let package = String(name.dropLast(".list".count).prefix { $0 != ":" })
            for line in text.split(separator: "\n") where line.hasPrefix("/") && line != "/." {
                owners[String(line), default: []].append(package)
            }
        }
    }

    /// Reads the image's database; nil when the image has none (not a Debian root).
    public static func read(image: String) -> DpkgOwners? {
        let directory = image + infoDirectory
        guard let names = try? Posix.listDirectory(directory) else { return nil }
        let lists = names.filter { $0.hasSuffix(".list") }.compactMap { name in
            (try? Posix.readText(directory + "/" + name)).map { (name, $0) }
        }
        return lists.isEmpty ? nil : DpkgOwners(lists: lists)
    }

    /// The one package owning `path` or, failing that, its nearest listed ancestor; nil
    /// when none is listed or the first listed one is shared (/var/lib belongs to many).
    public func owner(of path: String) -> String? {
        var current = path
        while current != "/" && !current.isEmpty {
            if let packages = owners[current] { return Set(packages).count == 1 ? packages[0] : nil }
            current = String(current[..<(current.lastIndex(of: "/") ?? current.startIndex)])
        }
        return nil
    }
}
