import Glibc
import StatelessCore

/// A library the early-boot binary opens with dlopen(3) when a boot first needs it, not
/// at every start of the binary: what only one root kind calls (libiscsi, libdevmapper,
/// OpenSSL, libhogweed) is neither mapped nor relocated by the boots that do not, and an
/// image whose modules cannot use it (no nbd, no dm-mod) or whose options do not ask for
/// it (no --https, no --trust) does not carry it (ImageLayout.onDemandLibraries).
///
/// Each symbol is fetched with the type its C header declares (a `__typeof__` typedef in
/// the library's shim.h), so calls through it are checked like direct ones. The library
/// stays loaded for the life of the process: a daemon that opened it before switch-root
/// keeps it after the initramfs is gone.
package struct SharedLibrary {
    package let name: String
    private let handle: UnsafeMutableRawPointer

    /// Why a library cannot be used in this boot: it is not in the image, or not the
    /// version whose symbols we call. Not retried: the image decides it.
    package struct Unavailable: Error, CustomStringConvertible {
        package var description: String
        package init(description: String) { self.description = description }
    }

    /// Opens `name`; `remedy` says how an image gets it ("mkstateless build --https adds it").
    package init(_ name: String, remedy: String) throws(Unavailable) {
        guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            throw Unavailable(description: "cannot load \(name) (\(remedy)): \(reason)")
        }
        (self.name, self.handle) = (name, handle)
    }

    /// The function `symbol`, as the function pointer type `T` of its declaration.
    package func function<T>(_ symbol: String, as type: T.Type = T.self) throws(Unavailable) -> T {
        guard let address = dlsym(handle, symbol) else {
            throw Unavailable(description: "\(name) has no \(symbol): not the version this binary was built against")
        }
        return unsafeBitCast(address, to: T.self)
    }

    /// One of the image's on-demand libraries, made into `T` by `make` (which fetches its
    /// functions); the boot's one line when the image does not carry it.
    package static func load<T>(_ wanted: ImageLayout.OnDemandLibrary, _ make: (SharedLibrary) throws(Unavailable) -> T) throws(BootError) -> T {
        do {
            return try make(SharedLibrary(wanted.soname, remedy: "an image carries it when it carries the \(wanted.module) module, which \(wanted.purpose) need"))
        } catch {
            throw BootError("load", wanted.soname, detail: error.description)
        }
    }
}
