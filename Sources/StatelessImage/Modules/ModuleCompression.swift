/// How module files are compressed inside the image, each on its own: the kernel unpacks
/// them as stored bytes (a compressed block is copied, not decoded), and libkmod
/// decompresses only the ones a boot loads. The generic image then unpacks to 28.7 MB
/// instead of 64.6 MB, in half the kernel's time and RAM (docs/images.md has the figures).
public enum ModuleCompression: String, CaseIterable, Sendable {
    /// zstd for what nearly every boot loads — filesystems, the NFS and sunrpc stack,
    /// crypto and library helpers (`kernel/fs`, `net`, `lib`, `crypto`, `block`) — since
    /// it decodes three times faster than xz (ext4's load: 0.40 s against 0.70–0.92 s
    /// under TCG); xz for the drivers, most of them for hardware a given machine does not
    /// have, since it is 11 % smaller (8.10 MB against 9.14 MB over the generic profile).
    case mixed
    case xz
    case zstd
    /// As the kernel package has them.
    case none

    /// The two formats libkmod reads as Debian builds it (not gzip).
    public enum Format: String, Sendable {
        case xz, zstd

        /// Compresses `files` in place (each to FILE.xz or FILE.zst).
        func command(_ files: [String]) -> [String] {
            switch self {
            // Preset 6 and 9 differ only in the dictionary, and no module is larger than
            // preset 6's 8 MiB. No BCJ filter: a module is a relocatable object whose calls
            // are not resolved yet, and the x86 filter gains nothing on it.
            case .xz: return ["xz", "-6", "-q", "-T1", "--check=crc32"] + files
            case .zstd: return ["zstd", "-19", "-q", "--rm"] + files
            }
        }
    }

    /// The folders under `kernel/` whose modules nearly every boot loads.
    static let everyBoot = ["fs/", "net/", "lib/", "crypto/", "block/"]

    /// The format for the module at `path` (relative to `kernel/`); nil leaves it as it is.
    public func format(forModuleAt path: String) -> Format? {
        switch self {
        case .mixed: return Self.everyBoot.contains { path.hasPrefix($0) } ? .zstd : .xz
        case .xz: return .xz
        case .zstd: return .zstd
        case .none: return nil
        }
    }
}
