import CLinux
import Glibc
import StatelessCore
import StatelessProtocols

/// A NETLINK_KOBJECT_UEVENT socket bound to the kernel's multicast group, so that every
/// device the kernel adds while we load modules (virtio_pci → a virtio disk → vda) is
/// seen. Opened before coldplug so nothing that appears during coldplug is missed.
public final class UeventSocket {
    private let fd: CInt
    /// For a caller that polls it with other descriptors, then calls `receive(waitingUpTo: 0)`.
    public var descriptor: CInt { fd }

    public init() throws {
        fd = socket(AF_NETLINK, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), NETLINK_KOBJECT_UEVENT)
        guard fd >= 0 else { throw BootError("open", "uevent netlink socket", errno: Posix.lastErrno) }
        // A burst of events during coldplug must not overflow the default buffer
        // (ENOBUFS would lose them); as root the larger size can be forced.
        var size: CInt = 4 << 20
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<CInt>.size))
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        address.nl_groups = 1  // the kernel's group; 2 is udev's
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
            }
        }
        guard bound == 0 else {
            let error = Posix.lastErrno
            close(fd)
            throw BootError("bind", "uevent netlink socket", errno: error)
        }
    }

    deinit { close(fd) }

    /// Waits up to `milliseconds` for events and returns all that are queued, and
    /// whether the kernel dropped some because the buffer was full (ENOBUFS): then the
    /// caller must look at sysfs again instead of trusting the events.
    public func receive(waitingUpTo milliseconds: Int) -> (events: [Uevent], overflowed: Bool) {
        guard (try? Poll.readable(fd, milliseconds: max(0, milliseconds))) == true else { return ([], false) }
        var events: [Uevent] = []
        var overflowed = false
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && errno == ENOBUFS {
                overflowed = true
                continue
            }
            guard count > 0 else { break }  // EAGAIN: drained
            if let event = Uevent(bytes: buffer[..<count]) { events.append(event) }
        }
        return (events, overflowed)
    }
}
