import StatelessCore
import StatelessProtocols
import StatelessSystem

/// systemd's `systemd.volatile=yes` and `root=tmpfs mount.usr=`, built in the initramfs so
/// they work for every root kind and every init: the root is an empty tmpfs, the image's
/// /usr is bound in read-only, and the image itself stays visible at
/// /run/stateless/lower. As systemd documents, the image must carry enough in /usr to
/// boot: the merged-/usr links (/bin → usr/bin, …) are made here, and /etc and /var are
/// filled from /usr/share/factory/ when the image has them (the factory-reset layout).
/// That copy is done before the init starts, not left to systemd-tmpfiles, because the
/// init reads /etc first (its enabled units, the users its services run as).
extension WritablePlaces {
    static let volatileRootStaging = HandOff.directory + "/volatile-root"
    /// The links a merged-/usr root has at its top.
    static let usrLinks = ["bin", "sbin", "lib", "lib32", "lib64", "libx32"]

    /// `rootIsUsr`: what is mounted at the root is /usr itself (`root=tmpfs mount.usr=`).
    func applyVolatileRoot(_ sizes: TmpfsSizes, rootIsUsr: Bool) throws -> HandOffFacts<OverlayEnv> {
        let usr = rootIsUsr ? root : root + "/usr"
        guard (try Posix.statIfPresent(usr + "/lib")).map({ $0.kind == .directory }) ?? false else {
            throw BootError("make a tmpfs root", usr, detail: "expected the image's /usr with lib/ in it, found none",
                            option: rootIsUsr ? "mount.usr=" : "systemd.volatile=")
        }
        let staging = Self.volatileRootStaging
        try Posix.makeDirectories(staging)
        try Posix.mount(source: "tmpfs", target: staging, type: "tmpfs", flags: [.noSUID, .noDev], data: sizes.options(.root))
        try Posix.makeDirectory(staging + "/usr")
        try Posix.mount(source: usr, target: staging + "/usr", type: nil, flags: [.bind])
        try Posix.mount(source: "none", target: staging + "/usr", type: nil, flags: [.remount, .bind, .readOnly])
        try makeUsrLinks(in: staging, usr: usr, rootIsUsr: rootIsUsr)
        var filled: [String] = []
        for directory in ["etc", "var"] {
            let factory = usr + "/share/factory/" + directory
            if (try Posix.statIfPresent(factory)).map({ $0.kind == .directory }) ?? false {
                try TreeCopy(warn: { log.warning("overlay", $0) }).copy(factory, to: staging + "/" + directory, depth: .everything)
                filled.append(directory)
            } else {
                try Posix.makeDirectory(staging + "/" + directory)
            }
        }
        // Mount points switch-root moves the API filesystems onto, and the usual modes.
        for (name, mode) in [("proc", 0o555), ("sys", 0o555), ("dev", 0o755), ("run", 0o755), ("tmp", 0o1777), ("root", 0o700)] {
            try Posix.makeDirectory(staging + "/" + name, mode: UInt32(mode))
            try? Posix.changeMode(staging + "/" + name, UInt32(mode))
        }
        try? Posix.changeMode(staging, 0o755)
        try Posix.makeDirectories(Self.lowerDirectory)
        try Posix.move(root, to: Self.lowerDirectory)
        try Posix.move(staging, to: root)
        try? Posix.removeDirectory(staging)
        let from = filled.isEmpty ? "empty /etc and /var (the image has no /usr/share/factory/etc or var)"
            : "/\(filled.joined(separator: " and /")) from /usr/share/factory"
        log.info("overlay", "tmpfs root (\(sizes.options(.root))) with the image's /usr read-only and \(from); the image stays at \(Self.lowerDirectory)")
        return [(.mode, "tmpfs-root"), (.volatile, "yes"), (.lowerDirectory, Self.lowerDirectory),
                (.usrSource, rootIsUsr ? "mount.usr" : "the root's /usr"), (.factory, filled.joined(separator: " "))]
    }

    /// /bin → usr/bin and its siblings: a merged-/usr image's own links, or, for a
    /// /usr filesystem alone, a link for each directory /usr has. A root whose /bin is a
    /// real directory cannot boot from /usr alone; that is said, not hidden.
    func makeUsrLinks(in staging: String, usr: String, rootIsUsr: Bool) throws {
        for name in Self.usrLinks {
            let target: String
            if rootIsUsr {
                guard (try? Posix.statIfPresent(usr + "/" + name)) ?? nil != nil else { continue }
                target = "usr/" + name
            } else if let link = try? Posix.readLink(root + "/" + name) {
                target = link
            } else {
                if Posix.exists(root + "/" + name) {
                    log.warning("overlay", "tmpfs root: the image's /\(name) is a directory, not a link into /usr: what is in it is missing (systemd.volatile=yes needs a merged-/usr image)")
                }
                continue
            }
            try Posix.symlink(target, at: staging + "/" + name)
        }
    }
}
