/// `root=live:…` and the `rd.live.*` options, read as dracut's dmsquash-live reads them
/// (docs/live-media.md): a read-only medium holding `<rd.live.dir>/<rd.live.squashimg>`
/// (or an ext4 `rootfs.img`), every change kept in RAM or on a persistent overlay.
public struct LiveRootSpec: Equatable, Sendable, CustomStringConvertible {
    /// Where the medium is: a device (a CD by its ISO 9660 label, a USB stick's partition),
    /// or an ISO image file on a device's filesystem.
    public enum Medium: Equatable, Sendable {
        case device(BlockDeviceReference)
        /// An ISO image file, loop-mounted: on the filesystem of `device`
        /// (`root=live:<device>:<path>.iso`, ours), or in the initramfs itself
        /// (`root=live:<path>.iso`, dracut's).
        case isoFile(device: BlockDeviceReference?, path: String)
        /// An image (or an ISO holding one) fetched over HTTP into RAM (dracut's livenet).
        case url(HTTPURL)
    }

    /// How the root is made writable.
    public enum Writable: String, Equatable, Sendable {
        /// overlayfs over the image, the upper on tmpfs (or the persistent overlay).
        case overlayfs
        /// A device-mapper snapshot of the ext4 image, its CoW store in RAM (dracut's
        /// `live-base` and `live-rw`); only for images that are a block filesystem.
        case snapshot
    }

    /// `rd.live.overlay=<device>[:<path>]` (dracut-ng also reads `rd.overlay=`): the
    /// changes kept in a directory on a writable filesystem, across boots.
    public struct PersistentOverlay: Equatable, Sendable, CustomStringConvertible {
        public var device: BlockDeviceReference
        /// The upper directory on it; nil: dracut's `/<rd.live.dir>/overlay-<label>-<uuid>`
        /// of the medium. The work directory is `ovlwork` beside it, as with dracut.
        public var path: String?

        public var description: String { "\(device)" + (path.map { ":" + $0 } ?? "") }
    }

    public var medium: Medium
    /// `rd.live.dir=`: the directory on the medium (dracut: `LiveOS`).
    public var directory = "LiveOS"
    /// `rd.live.squashimg=`: the image's file name in it (dracut: `squashfs.img`).
    public var squashImage = "squashfs.img"
    /// `rd.live.ram=1`: the image is copied into RAM first, so the medium can go.
    public var copyToRAM = false
    /// `rd.overlay=1` (dracut's older name: `rd.live.overlay.overlayfs=1`): overlayfs
    /// even for an ext4 image, which otherwise gets a device-mapper snapshot, as with dracut.
    public var forceOverlayfs = false
    /// `rd.live.overlay.size=`: the snapshot's CoW store in MiB (nil: a share of RAM).
    public var overlaySizeMiB: Int?
    public var persistentOverlay: PersistentOverlay?
    /// `rd.live.check`: the medium's embedded checksum verified before use.
    public var check = false
    /// `stateless.live.sha256=`: what a fetched image's SHA-256 must be (else the
    /// `.sha256` file beside it on the server, if any).
    public var sha256: String?

    public init(medium: Medium) { self.medium = medium }

    public var description: String {
        switch medium {
        case .device(let reference): return "live:\(reference)"
        case .isoFile(let device?, let path): return "live:\(device):\(path)"
        case .isoFile(nil, let path): return "live:\(path)"
        case .url(let url): return "live:\(url)"
        }
    }

    /// Fetched over the network: the net stage must run first.
    public var needsNetwork: Bool {
        if case .url = medium { return true }
        return false
    }

    /// The image's path relative to the medium's root.
    public var imagePath: String { directory + "/" + squashImage }

    package static let expected = "live:CDLABEL=…, live:LABEL=…, live:UUID=…, live:PARTUUID=…, live:PARTLABEL=…, live:/dev/…, live:<device>:<path>.iso, live:<path>.iso (a file in the initramfs) or live:http[s]://<server>[:port]/<path>"

    /// `value` is `root=`'s value without `live:`; or, with `rd.live.image`, a plain
    /// `root=CDLABEL=…`.
    package static func parse(_ value: String, option: String, line: KernelCommandLine) throws -> LiveRootSpec {
        var spec = LiveRootSpec(medium: try medium(value, option: option, line: line))
        try spec.read(line)
        return spec
    }

    package static func medium(_ value: String, option: String, line: KernelCommandLine) throws -> Medium {
        func fail() -> OptionError { OptionError(option: option, value: "live:" + value, expected: expected) }
        if HTTPURL.isURL(value) {
            guard let url = HTTPURL(parsing: value) else {
                throw OptionError(option: option, value: "live:" + value, expected: "http[s]://<server>[:port]/<path of the image or .iso>, without user, fragment or spaces")
            }
            return .url(url)
        }
        // `<device>:<path>.iso`: the ISO on that device's filesystem.
        if let colon = value.lastIndex(of: ":"), isISOPath(String(value[value.index(after: colon)...])) {
            let path = String(value[value.index(after: colon)...])
            guard isCleanAbsolutePath(path) else { throw fail() }
            return .isoFile(device: try device(String(value[..<colon]), fail), path: path)
        }
        if isISOPath(value) {
            guard isCleanAbsolutePath(value) else { throw fail() }
            return .isoFile(device: nil, path: value)
        }
        // dracut's iso-scan mounts every filesystem in turn to find the file; that
        // is not done here: the admin names the filesystem (`live:<device>:<path>.iso`).
        if let scan = line.last(.isoScan) {
            throw OptionError(option: scan.key, value: scan.value,
                              expected: "nothing: name the filesystem holding the ISO in root= instead, root=live:LABEL=<filesystem>:\(scan.value ?? "<path>.iso")")
        }
        return .device(try device(value, fail))
    }

    /// `/images/live.iso`: absolute, no empty component. (Character tests only: a
    /// substring search would link the string-processing module, ~1 MB.)
    static func isCleanAbsolutePath(_ path: String) -> Bool {
        path.hasPrefix("/") && !path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().contains(where: \.isEmpty)
    }

    package static func isISOPath(_ text: String) -> Bool { text.lowercased().hasSuffix(".iso") && text.count > 4 }

    /// `CDLABEL=` is `LABEL=` (an ISO 9660 volume id is the filesystem's label); values
    /// may carry udev's `\x20` escapes, as `/dev/disk/by-label/` names do.
    package static func device(_ text: String, _ fail: () -> OptionError) throws -> BlockDeviceReference {
        if text.hasPrefix("/dev/disk/") { return try BootOptions.diskLink(text, option: fail().option) }
        if text.hasPrefix("/dev/"), text.count > 5, !text.contains(where: { $0 == " " }) { return .path(text) }
        guard let equals = text.firstIndex(of: "=") else { throw fail() }
        var name = String(text[..<equals])
        if name == "CDLABEL" { name = "LABEL" }
        let raw = KernelCommandLine.stripQuotes(String(text[text.index(after: equals)...]))
        guard BlockDeviceReference.tagNames.contains(name), !raw.isEmpty,
              let value = BootOptions.decodeUdevEscapes(Substring(raw)), !value.isEmpty
        else { throw fail() }
        return .tag(name: name, value: value)
    }

    package mutating func read(_ line: KernelCommandLine) throws {
        if let parameter = line.last(.liveDirectory) { directory = try Self.relativePath(parameter) }
        if let parameter = line.last(.liveSquashImage) { squashImage = try Self.fileName(parameter) }
        copyToRAM = try line.flag(.liveRAM) ?? copyToRAM
        forceOverlayfs = try line.flag(.liveOverlayfs) ?? forceOverlayfs
        for option in [KernelOption.liveOverlay, .rdOverlay] {
            guard let parameter = line.last(option) else { continue }
            if let persistent = try Self.persistentOverlay(parameter) {
                persistentOverlay = persistent
                forceOverlayfs = true
            } else {
                forceOverlayfs = try Self.overlay(parameter) || forceOverlayfs
            }
        }
        check = try line.flag(.liveCheck) ?? check
        if let parameter = line.last(.liveSHA256) {
            let expected = "64 hex digits, as sha256sum prints them"
            let value = try BootOptions.text(parameter, expected)
            guard HexDigest.isSHA256(Substring(value)) else { throw OptionError(option: parameter.key, value: value, expected: expected) }
            sha256 = value.lowercased()
        }
        if let parameter = line.last(.liveOverlaySize) {
            guard let text = parameter.value, text.count <= 8, text.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let size = Int(text), size > 0
            else { throw OptionError(option: parameter.key, value: parameter.value, expected: "the CoW store's size in MiB, such as 2048") }
            overlaySizeMiB = size
        }
    }

    /// `rd.overlay=` as a switch (on: overlayfs), or `tmpfs[:…]` (overlayfs on tmpfs).
    package static func overlay(_ parameter: KernelParameter) throws -> Bool {
        if let value = parameter.value, value == "tmpfs" || value.hasPrefix("tmpfs:") { return true }
        return try BootOptions.boolean(parameter)
    }

    /// `<device>[:<path>|:auto]` naming a persistent overlay; nil for the switch and
    /// tmpfs forms. The device is named as a root is (`LABEL=`, `UUID=`, `/dev/…`); a
    /// relative path is taken from the top, as dracut does. dracut 110's `rd.overlay=`
    /// with a device alone means `overlay/` (and `ovlwork/`) at its top; `rd.live.overlay=`
    /// with a device alone, the directory named after the medium (`path` nil).
    package static func persistentOverlay(_ parameter: KernelParameter) throws -> PersistentOverlay? {
        guard let value = parameter.value, !value.hasPrefix("tmpfs"), value.hasPrefix("/dev/") || value.contains(where: { $0 == "=" }) else { return nil }
        let expected = "<device>[:<path>] such as LABEL=LIVE-USB or LABEL=LIVE-USB:/LiveOS/overlay, a switch (0, 1) or tmpfs"
        func fail() -> OptionError { OptionError(option: parameter.key, value: value, expected: expected) }
        var devicePart = Substring(value)
        var path: String? = KernelOption.rdOverlay.keys.contains(parameter.key) ? "/overlay" : nil
        if let colon = value.firstIndex(of: ":") {
            devicePart = value[..<colon]
            let given = value[value.index(after: colon)...]
            path = nil
            if given != "auto" {
                let rest = given.hasPrefix("/") ? String(given) : "/" + given
                guard isCleanAbsolutePath(rest), rest.count > 1, !rest.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else { throw fail() }
                path = rest
            }
        }
        return PersistentOverlay(device: try device(String(devicePart), fail), path: path)
    }

    /// `LiveOS`, `images/live`: inside the medium, no `..`.
    static func relativePath(_ parameter: KernelParameter) throws -> String {
        let expected = "a directory on the medium, such as LiveOS"
        let value = try BootOptions.text(parameter, expected)
        let parts = value.split(separator: "/")
        guard !parts.isEmpty, parts.allSatisfy({ $0 != ".." && $0 != "." }) else {
            throw OptionError(option: parameter.key, value: value, expected: expected)
        }
        return parts.joined(separator: "/")
    }

    package static func fileName(_ parameter: KernelParameter) throws -> String {
        let expected = "a file name in rd.live.dir, such as squashfs.img"
        let value = try BootOptions.text(parameter, expected)
        guard !value.contains(where: { $0 == "/" }), value != ".", value != ".." else {
            throw OptionError(option: parameter.key, value: value, expected: expected)
        }
        return value
    }
}
