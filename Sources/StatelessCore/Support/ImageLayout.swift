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
