import Foundation

/// The kernel the build host runs: what `mkstateless build` builds for when no
/// `--kernel` is given, so the admin's plain command makes an image for the next boot
/// of the same kernel.
public enum RunningKernel {
    /// The release, as `uname -r` prints it.
    public static func release() throws -> String {
        var names = utsname()
        guard uname(&names) == 0 else {
            throw ImageError("find the running kernel", "uname", String(cString: strerror(errno)))
        }
        return withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// `release` if SYSROOT/lib/modules/RELEASE exists; otherwise the one line that says
    /// what was looked for, what is there instead, and which option chooses.
    public static func moduleVersion(release: String, sysroot: String) throws -> String {
        let modules = URL(fileURLWithPath: sysroot).appendingPathComponent("lib/modules").path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: modules + "/" + release, isDirectory: &isDirectory), isDirectory.boolValue {
            return release
        }
        let present = try? FileManager.default.contentsOfDirectory(atPath: modules)
        throw missingTree(release: release, modules: modules, present: present)
    }

    /// `present` is nil when SYSROOT/lib/modules itself does not exist.
    static func missingTree(release: String, modules: String, present: [String]?) -> ImageError {
        let there: String
        switch present {
        case nil: there = "\(modules) does not exist"
        case let names? where names.isEmpty: there = "\(modules) is empty"
        case let names?: there = "\(modules) has \(names.sorted().joined(separator: ", "))"
        }
        return ImageError("find modules for the running kernel \(release) (uname -r)", modules + "/" + release,
                          "no such directory (\(there)); choose a kernel with --kernel VERSION")
    }
}
