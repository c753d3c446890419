import StatelessCore
import StatelessSystem

/// A oneshot unit the boot writes to /run/systemd/system for the booted systemd: work only
/// the root's own tools can do (ssh-keygen, make-ssl-cert), done before the services that
/// read its result. /run moves into the booted system, and systemd reads units there.
struct BootUnit {
    static let directory = "/run/systemd/system"

    enum Order {
        /// Before the named units, wanted by multi-user.target.
        case before([String])
        /// Before basic.target, so before every ordinary service (without default
        /// dependencies, as systemd's own early units), wanted by basic.target.
        case beforeServices
    }

    let name: String
    let description: String
    let order: Order
    /// A Condition…= line: the unit is skipped when its work is done already.
    let condition: String
    let command: String

    /// Whether the root runs systemd (a unit there means nothing otherwise).
    static func rootHasSystemd(_ root: String) -> Bool {
        ["/usr/lib/systemd/systemd", "/lib/systemd/systemd"].contains { Posix.exists(root + $0) }
    }

    var text: String {
        let ordering: String
        switch order {
        case .before(let units): ordering = "Before=\(units.joined(separator: " "))"
        case .beforeServices:
            ordering = """
                DefaultDependencies=no
                After=local-fs.target
                Before=basic.target shutdown.target
                Conflicts=shutdown.target
                """
        }
        return """
            # Written by stateless at boot.
            [Unit]
            Description=\(description)
            \(ordering)
            \(condition)

            [Service]
            Type=oneshot
            ExecStart=\(command)

            """
    }

    var wantedBy: String {
        switch order {
        case .before: return "multi-user.target"
        case .beforeServices: return "basic.target"
        }
    }

    func install() throws {
        let wants = Self.directory + "/" + wantedBy + ".wants"
        try Posix.makeDirectories(wants)
        try Posix.writeFile(Self.directory + "/" + name, text)
        do {
            try Posix.symlink("../" + name, at: wants + "/" + name)
        } catch let error as BootError where error.errno == .fileExists {}
    }
}
