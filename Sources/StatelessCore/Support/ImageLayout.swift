/// Paths the image builder lays out and the boot relies on: one declaration for both.
public enum ImageLayout {
    /// The multi-call binary under its own name, for scripts, dracut hooks and admins
    /// (`stateless APPLET`); a link to /init.
    public static let appletLink = "/usr/bin/stateless"

    /// The kernel's `request_module()` helper while the initramfs runs; a link to /init,
    /// which answers as the `modprobe` applet. Not the kernel's default, /sbin/modprobe:
    /// the requests the kernel makes before /init runs (a crypto self-test, IPv6, key
    /// types: three with Debian's kernel) then fail at once, as they do with no
    /// initramfs, instead of each starting this 9 MB binary — 0.76 s before /init under
    /// TCG, nothing the image could have served. PID 1 registers it and gives the
    /// kernel its own setting back at switch-root.
    public static let modprobeHelper = "/usr/lib/stateless/modprobe"
}

extension ImageLayout {
    /// A library the binary opens with dlopen(3) only when a root needs it
    /// (SharedLibrary), and the kernel module that root cannot work without: the image
    /// builder puts the library (and what it links) in when the module is in the image or
    /// built into the kernel, so a profile without it (the `vm` one) carries neither.
    public struct OnDemandLibrary: Sendable, Equatable {
        /// The name dlopen(3) is given, the library's soname.
        public var soname: String
        /// The module, as modules.dep names it without its suffix.
        public var module: String
        /// What needs it, for the image builder's log and the boot's error line.
        public var purpose: String
        /// Where a build machine gets it.
        public var package: String
    }

    /// libiscsi with its iSER companions (libibverbs, librdmacm, libnl: 1.2 MB) serves an
    /// iSCSI root through the kernel's nbd driver; libdevmapper (with libudev) makes the
    /// live root's snapshot and the cache's verity device.
    public static let iscsiLibrary = OnDemandLibrary(soname: "libiscsi.so.7", module: "nbd", purpose: "iSCSI roots",
                                                     package: "libiscsi (Debian: libiscsi7)")
    public static let devmapperLibrary = OnDemandLibrary(soname: "libdevmapper.so.1.02.1", module: "dm_mod",
                                                         purpose: "live snapshots and verity",
                                                         package: "device-mapper (Debian: libdevmapper1.02.1)")
    public static let onDemandLibraries = [iscsiLibrary, devmapperLibrary]
}
