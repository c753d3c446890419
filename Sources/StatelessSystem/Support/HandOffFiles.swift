import StatelessCore
import StatelessProtocols

/// The hand-off files read and written (their format is `HandOff`'s, in the core).
extension HandOff {
    /// Appends to modules.loaded, one name per line. The boot and the kernel's `modprobe`
    /// requests both append (O_APPEND, one write each), so neither loses the other's.
    /// A failure is a warning: the boot does not depend on the record.
    public static func recordLoadedModules(_ names: [String], log: Logger) {
        guard !names.isEmpty, Posix.exists(directory) else { return }
        do {
            try Posix.writeFile(modulesLoaded, names.map { $0 + "\n" }.joined(), append: true)
        } catch {
            log.warning("modules", "cannot record loaded modules: \(error)")
        }
    }

    /// `/run/stateless/NAME.env` parsed; nil when there is no such file.
    static func read(_ name: String) -> [String: String]? {
        (try? Posix.readText(path(name))).map(parse)
    }
}

extension HandOff {
    /// `File`'s facts as the stage that wrote them left them; nil when there is no file.
    public static func read<File: HandOffFile>(_ file: File.Type) -> HandOffValues<File>? {
        read(File.name).map(HandOffValues.init)
    }
}

extension RootKind {
    /// The kind the root stage left in root.env (the overlay stage reads it: under dracut
    /// it runs as an applet of its own).
    package static func fromHandOff() -> RootKind? {
        HandOff.read(RootEnv.self)?[.kind].flatMap(RootKind.init(rawValue:))
    }
}
