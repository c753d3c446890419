import CKmod
import Foundation

/// A kernel's module indexes (modules.alias.bin and friends) read through libkmod, the
/// library modprobe and the boot itself use, so a modalias resolves at build time to the
/// modules it will resolve to at boot.
///
/// No modprobe.d configuration is read: the image carries none, and the host's own
/// (blacklists, options for another kernel) must not change what goes into it.
final class KmodIndex {
    private let context: OpaquePointer

    /// Opens `directory` (`SYSROOT/lib/modules/VERSION`), which must hold the indexes
    /// depmod writes; an extracted kernel package has none until depmod has run.
    init(directory: String) throws {
        let index = directory + "/modules.alias.bin"
        guard FileManager.default.fileExists(atPath: index) else {
            throw ImageError("open module indexes", index, "no such file; --hostonly resolves devices with the target kernel's indexes: run depmod -b SYSROOT VERSION first")
        }
        // An array holding only the terminating NULL: no configuration files at all
        // (a nil pointer would mean the host's default /etc/modprobe.d and friends).
        let noConfiguration: [UnsafePointer<CChar>?] = [nil]
        guard let context = noConfiguration.withUnsafeBufferPointer({ kmod_new(directory, $0.baseAddress) }) else {
            throw ImageError("open module indexes", directory, "libkmod could not start")
        }
        let status = kmod_load_resources(context)
        guard status >= 0 else {
            kmod_unref(context)
            throw ImageError("open module indexes", directory, String(cString: strerror(-status)))
        }
        self.context = context
    }

    deinit { kmod_unref(context) }

    /// The names of the modules that serve `alias` (a modalias, `fs-TYPE` or a module
    /// name), as `modprobe --resolve-alias` lists them; built-in ones included.
    func modules(forAlias alias: String) throws -> [String] {
        var list: OpaquePointer?
        let status = kmod_module_new_from_lookup(context, alias, &list)
        guard status >= 0 else {
            throw ImageError("look up module alias", alias, String(cString: strerror(-status)))
        }
        defer { kmod_module_unref_list(list) }
        var names: [String] = []
        var node = list
        while let current = node {
            if let module = kmod_module_get_module(current) {
                if let name = kmod_module_get_name(module) { names.append(ModuleName.normalize(String(cString: name))) }
                kmod_module_unref(module)
            }
            node = kmod_list_next(list, current)
        }
        return names
    }
}
