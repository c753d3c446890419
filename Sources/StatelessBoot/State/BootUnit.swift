import StatelessCore
import StatelessSystem

/// A oneshot unit the boot writes to /run/systemd/system for the booted systemd: work only
/// the root's own tools can do (ssh-keygen, make-ssl-cert), done before the services that
/// read its result. /run moves into the booted system, and systemd reads units there.
/// Ordered before those services only, not before basic.target: a key made under
/// emulation takes seconds, and nothing else has to wait for it.
struct BootUnit {
    static let directory = "/run/systemd/system"

    let name: String
    let description: String
    /// The services that read what the unit makes.
    let before: [String]
    /// A Condition…= line: the unit is skipped when its work is done already.
    let condition: String
    let command: String
    /// More [Service] lines (a private view of a read-only directory).
    var service: [String] = []

    /// Whether the root runs systemd (a unit there means nothing otherwise).
    static func rootHasSystemd(_ root: String) -> Bool {
        ["/usr/lib/systemd/systemd", "/lib/systemd/systemd"].contains { Posix.exists(root + $0) }
    }

    var text: String {
        (["# Written by stateless at boot.", "[Unit]", "Description=\(description)", "Before=\(before.joined(separator: " "))", condition,
          "", "[Service]", "Type=oneshot", "ExecStart=\(command)"] + service).joined(separator: "\n") + "\n"
    }

    /// Writes the unit, wanted by multi-user.target.
    func install() throws {
        let wants = Self.directory + "/multi-user.target.wants"
        try Posix.makeDirectories(wants)
        try Posix.writeFile(Self.directory + "/" + name, text)
        do {
            try Posix.symlink("../" + name, at: wants + "/" + name)
        } catch let error as BootError where error.errno == .fileExists {}
    }
}
