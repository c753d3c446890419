/// Resolves a path as the new root will see it after the switch, while we still look at
/// it from the initramfs. An absolute symlink such as /sbin/init → /lib/systemd/systemd
/// must be followed inside the new root, not in the initramfs.
public enum PathInRoot {
    /// The host-side path (root + resolved path) of `path` inside `root`, following up to
    /// 40 symlinks as the kernel does; nil for a loop or a dangling link.
    /// - Parameter readLink: the link's target, or nil when the path is not a symlink.
    public static func resolve(_ path: String, root: String, readLink: (String) -> String?) -> String? {
        var pending = path.split(separator: "/").map(String.init)
        var resolved: [String] = []
        var hops = 0
        while !pending.isEmpty {
            let component = pending.removeFirst()
            if component == "." || component.isEmpty { continue }
            if component == ".." {
                _ = resolved.popLast()  // `..` at the new root stays at the root
                continue
            }
            let candidate = root + "/" + (resolved + [component]).joined(separator: "/")
            if let target = readLink(candidate) {
                hops += 1
                if hops > 40 { return nil }
                if target.hasPrefix("/") { resolved = [] }
                pending = target.split(separator: "/").map(String.init) + pending
            } else {
                resolved.append(component)
            }
        }
        return root + "/" + resolved.joined(separator: "/")
    }

    /// What to execute, in order: `init=` alone when given (a wrong `init=` is an error,
    /// not something to paper over), otherwise the kernel's own fallbacks.
    public static func initCandidates(requested: String?) -> [String] {
        if let requested { return [requested] }
        return ["/sbin/init", "/etc/init", "/bin/init", "/bin/sh"]
    }
}
