import Glibc
import StatelessCore
import StatelessProtocols

/// The running kernel's release against the module trees the image carries: an image
/// built for another kernel must say so, naming both, rather than fail later on the
/// first module it cannot find.
public enum KernelRelease {
    public static func running() -> String? {
        var names = utsname()
        guard uname(&names) == 0 else { return nil }
        return withUnsafeBytes(of: &names.release) { bytes in
            String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    /// Nil when /lib/modules has a tree for the running kernel.
    static func imageMismatch(modulesRoot: String = "/lib/modules") -> (running: String, detail: String)? {
        guard let running = running(), !Posix.exists(modulesRoot + "/" + running) else { return nil }
        let present = ((try? Posix.listDirectory(modulesRoot)) ?? [])
        return (running, mismatchDetail(running: running, present: present, modulesRoot: modulesRoot))
    }

    static func mismatchDetail(running: String, present: [String], modulesRoot: String) -> String {
        let rebuild = "build an image for it (mkstateless build --kernel \(running))"
        guard !present.isEmpty else {
            return "expected \(modulesRoot)/\(running), found no module tree at all in this image; \(rebuild)"
        }
        let built = present.count == 1 ? "kernel \(present[0])" : "kernels \(present.joined(separator: ", "))"
        return "this image was built for \(built), not for the running kernel \(running); \(rebuild)"
    }
}
