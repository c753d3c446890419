import StatelessCore

/// The kernel's own module requests (request_module()), which start the helper named in
/// /proc/sys/kernel/modprobe and wait for it.
public enum ModuleRequests {
    /// The helper's path, as the kernel reads it.
    public static let setting = "/proc/sys/kernel/modprobe"

    /// Runs `body` with the helper switched off, so that every request the kernel makes
    /// meanwhile fails at once (the kernel answers ENOENT for an empty path) instead of
    /// starting a process whose answer is known to be no. The helper comes back after,
    /// however `body` ends. The setting is global: only for a window in which nothing
    /// else may need the helper. For a call whose requests the image cannot serve: an NFS
    /// mount asks for `rpc-auth-6` (RPCSEC_GSS) once or more per attempt, ~0.16 s each
    /// under TCG (17 times in one boot with an NFS state store).
    public static func answeredWithoutHelper<T>(_ body: () throws -> T) rethrows -> T {
        guard let helper = try? Posix.readText(setting).trimmingNewline(), !helper.isEmpty,
              (try? Posix.writeFile(setting, "\n")) != nil
        else { return try body() }
        defer { _ = try? Posix.writeFile(setting, helper + "\n") }
        return try body()
    }
}
