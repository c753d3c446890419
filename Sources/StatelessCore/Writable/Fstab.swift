/// The root's /etc/fstab as the booted system should read it. An installed distribution
/// lists `/` there (`UUID=… / ext4 errors=remount-ro 0 1`), and systemd then fscks the
/// root and remounts it with those options — read-write, whatever the kernel's `ro` said.
/// The boot bind-mounts a rewritten copy over /etc/fstab: the `/` entry says `ro` and is
/// not fscked (`keepReadOnly`: a disk root in rwtab and none modes), or is commented out
/// (`commentOut`: overlayfs mode, where `/` is our overlay, and network roots, where the
/// image's line names a disk the client does not have and an NFS remount with its
/// options fails). Every other line stays as it is.
public enum Fstab {
    public enum RootEntry: Equatable, Sendable {
        case keepReadOnly, commentOut
    }

    /// The rewritten text, or nil when no entry mounts `/` (nothing to protect).
    public static func protectingRoot(_ text: String, _ entry: RootEntry) -> String? {
        var changed = false
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, !fields[0].hasPrefix("#"), isRoot(fields[1]) else { return String(line) }
            changed = true
            let note = "# stateless: the root stays read-only; the image's line was: \(line)"
            if entry == .commentOut { return note }
            let options = fields.count > 3 ? readOnly(String(fields[3])) : "ro"
            let dump = fields.count > 4 ? String(fields[4]) : "0"
            return note + "\n" + [String(fields[0]), "/", fields.count > 2 ? String(fields[2]) : "auto", options, dump, "0"]
                .joined(separator: "\t")
        }
        return changed ? lines.joined(separator: "\n") : nil
    }

    /// Whether an fstab mount point names `/` as systemd reads it: octal escapes decoded
    /// (`\\040`), repeated slashes and `.` components dropped, so `//` and `/.` count.
    static func isRoot(_ field: Substring) -> Bool {
        guard field.first == "/" else { return false }
        return field.split(separator: "/").allSatisfy { $0 == "." }
    }

    /// The options with every `rw`/`ro` and `defaults`' implied rw replaced by one `ro`.
    package static func readOnly(_ options: String) -> String {
        let kept = options.split(separator: ",").filter { $0 != "rw" && $0 != "ro" }.map(String.init)
        return (kept + ["ro"]).joined(separator: ",")
    }
}
