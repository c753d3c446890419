/// Fedora's statetab (`/etc/statetab`, `/etc/statetab.d/*`): the paths of a read-only
/// root whose contents survive a reboot. Each is bind-mounted from the same path inside
/// the state store (`/run/stateless/state/var/lib/foo` over `/var/lib/foo`); on the first
/// boot with a store, the store's copy is seeded from the image.
///
///     # one path per line, the whole line (Fedora reads it with `read path`)
///     /var/lib/foo
///     /etc/ssh
public enum Statetab {
    /// Parses one statetab file. Unusable lines come back as warnings naming file and line.
    public static func parse(_ text: String, source: String) -> (paths: [String], warnings: [String]) {
        var paths: [String] = []
        var warnings: [String] = []
        for (number, line) in Rwtab.meaningfulLines(text) {
            guard let path = Rwtab.normalizedPath(String(line)) else {
                warnings.append("\(source):\(number): \"\(line)\" is not an absolute path below / (relative paths, .. and / itself are refused)")
                continue
            }
            paths.append(path)
        }
        return (paths, warnings)
    }

    /// Removes repeated paths (the first stays) and orders parents first, so a path
    /// inside another listed one is mounted on top of the enclosing store copy.
    public static func plan(_ paths: [String]) -> [String] {
        var seen = Set<String>()
        let unique = paths.filter { seen.insert($0).inserted }
        return unique.sorted { Rwtab.depth($0) != Rwtab.depth($1) ? Rwtab.depth($0) < Rwtab.depth($1) : $0 < $1 }
    }
}
