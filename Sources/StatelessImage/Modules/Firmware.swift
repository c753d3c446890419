import Foundation

/// The firmware files an image's modules declare (`firmware=` in `.modinfo`), found on
/// the build host.
///
/// A driver asks for its firmware when it probes its device, and in the early boot the
/// kernel looks in the initramfs's /lib/firmware: a tg3 or bnx2x NIC without its file has
/// no network until the real root is up, which for a network root is never. Firmware
/// comes in packages of its own (Debian's non-free-firmware), so a build host may lack
/// some; those are skipped and counted, not fatal: a machine without that device never
/// asks, and many drivers need the file for only some generations of their hardware.
public struct FirmwareFiles: Equatable, Sendable {
    public struct File: Equatable, Sendable {
        /// Relative to the image root: `lib/firmware/tigon/tg3.bin`.
        public var imagePath: String
        public var hostPath: String
    }

    public var found: [File]
    /// `NAME (MODULE)` for each declared file that is not on the host, sorted.
    public var missing: [String]

    /// The kernel's lookup order (drivers/base/firmware_loader/main.c): each compression
    /// suffix in turn, and for each the directories below. A compressed file only loads on
    /// a kernel built with that decompressor (Debian's 6.1 has xz, not zstd) — as on the
    /// installed system the file comes from.
    static let suffixes = ["", ".zst", ".xz"]
    static func subdirectories(kernelVersion: String) -> [String] {
        ["updates/\(kernelVersion)/", "updates/", "\(kernelVersion)/", ""]
    }

    /// Where to look: the target system's firmware, then the build host's (an extracted
    /// kernel package has none of its own).
    /// One directory reached by two paths (a sysroot of `/`, a usr-merged /lib) is
    /// searched once.
    public static func searchRoots(sysroot: String) -> [String] {
        let own = URL(fileURLWithPath: sysroot).appendingPathComponent("lib/firmware").path
        var seen = Set<String>()
        return [own, "/lib/firmware"].filter { seen.insert(URL(fileURLWithPath: $0).resolvingSymlinksInPath().path).inserted }
    }

    /// Finds each requested file (`module` asks for `name`, a path relative to
    /// /lib/firmware). A name that is absolute or climbs with `..` cannot be a file under
    /// /lib/firmware and is reported missing without looking.
    public static func locate(_ requests: [(module: String, name: String)], roots: [String], kernelVersion: String,
                              isFile: (String) -> Bool) -> FirmwareFiles {
        var modulesByName: [String: [String]] = [:]
        for request in requests { modulesByName[request.name, default: []].append(request.module) }
        var found: [File] = [], missing: [String] = []
        for (name, modules) in modulesByName.sorted(by: { $0.key < $1.key }) {
            let components = name.split(separator: "/", omittingEmptySubsequences: false)
            let safe = !name.hasPrefix("/") && !components.contains { $0.isEmpty || $0 == "." || $0 == ".." }
            let candidates = safe ? roots.flatMap { root in
                suffixes.flatMap { suffix in
                    subdirectories(kernelVersion: kernelVersion).map { (root + "/" + $0 + name + suffix, "lib/firmware/" + $0 + name + suffix) }
                }
            } : []
            if let hit = candidates.first(where: { isFile($0.0) }) {
                found.append(File(imagePath: hit.1, hostPath: hit.0))
            } else {
                missing.append("\(name) (\(Set(modules).sorted().joined(separator: ", ")))")
            }
        }
        return FirmwareFiles(found: found, missing: missing)
    }
}
