import StatelessCore
import StatelessProtocols
import StatelessSystem

/// Tells whether a network manager of the booted system has taken an interface over, so
/// the lease keeper can stop: two clients renewing one lease would confuse the server.
///
/// It reads the managers' own state files under /run through a directory descriptor
/// opened in the initramfs: the keeper's root and /proc stay in the emptied initramfs
/// after switch-root, but the descriptor follows the /run tmpfs that moved into the
/// booted system.
/// - systemd-networkd: /run/systemd/netif/links/INDEX says `ADMIN_STATE=configuring` or
///   `configured` once a .network file (ours, 10-stateless-IFACE.network) matched;
/// - NetworkManager: /run/NetworkManager/devices/INDEX says `managed=true`;
/// - ifupdown's dhclient: /run/dhclient.IFACE.pid exists.
struct NetworkManagers {
    package let run: CInt

    /// What `file` (relative to /run) must contain for `manager` to have taken over.
    static func signs(interface: String, index: Int32) -> [(manager: String, file: String, contains: String?)] {
        [("systemd-networkd", "systemd/netif/links/\(index)", "ADMIN_STATE=configur"),
         ("NetworkManager", "NetworkManager/devices/\(index)", "managed=true"),
         ("dhclient", "dhclient.\(interface).pid", nil)]
    }

    /// The manager that took `interface` over, or nil.
    package func manager(of interface: String, index: Int32) -> String? {
        for sign in Self.signs(interface: interface, index: index) {
            guard let head = Posix.readHead(sign.file, in: run, limit: 4096) else { continue }
            guard let needle = sign.contains else { return sign.manager }
            if !head.isEmpty, Self.text(head[...], contains: needle) { return sign.manager }
        }
        return nil
    }

    /// Whether a line of the file starts with `prefix`. (Substring search without
    /// `String.contains`, which would link the regex engine into the early-boot binary.)
    package static func text(_ bytes: ArraySlice<UInt8>, contains prefix: String) -> Bool {
        bytes.split(separator: UInt8(ascii: "\n")).contains { $0.starts(with: prefix.utf8) }
    }
}
