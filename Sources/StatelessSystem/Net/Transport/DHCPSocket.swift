import CLinux
import Glibc
import StatelessCore
import StatelessProtocols

/// The UDP socket a DHCPv4 client talks through on one interface, before the interface
/// has an address: bound to 0.0.0.0:68 and to the device (SO_BINDTODEVICE, so that the
/// same client runs on every link in parallel), sending broadcasts to port 67. Replies
/// reach it because the client sets the BROADCAST flag (RFC 2131 4.1): a unicast reply to
/// an address the interface does not have yet would be dropped by the IP layer.
public final class DHCPSocket {
    public static let clientPort: UInt16 = 68
    public static let serverPort: UInt16 = 67
    private let fd: CInt
    public let interface: String

    public init(interface: String) throws {
        self.interface = interface
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw BootError("open", "DHCP socket for \(interface)", errno: Posix.lastErrno) }
        do {
            try option(SO_REUSEADDR, 1, "SO_REUSEADDR")
            try option(SO_BROADCAST, 1, "SO_BROADCAST")
            let bound = interface.withCString { name in
                setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, socklen_t(strlen(name) + 1))
            }
            guard bound == 0 else { throw BootError("bind DHCP socket to", interface, errno: Posix.lastErrno) }
            var address = Self.socketAddress(.any, port: Self.clientPort)
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard result == 0 else { throw BootError("bind DHCP socket on", "\(interface) port 68", errno: Posix.lastErrno) }
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    private func option(_ name: CInt, _ value: CInt, _ label: String) throws {
        var value = value
        guard setsockopt(fd, SOL_SOCKET, name, &value, socklen_t(MemoryLayout<CInt>.size)) == 0 else {
            throw BootError("set \(label) on", "DHCP socket for \(interface)", errno: Posix.lastErrno)
        }
    }

    static func socketAddress(_ address: IPv4Address, port: UInt16) -> sockaddr_in {
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = port.bigEndian
        socketAddress.sin_addr.s_addr = address.value.bigEndian
        return socketAddress
    }

    /// Sends one message to the server port of `destination` (broadcast unless a server
    /// is known, as when renewing).
    public func send(_ bytes: [UInt8], to destination: IPv4Address = .broadcast) throws {
        var address = Self.socketAddress(destination, port: Self.serverPort)
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard sent == bytes.count else {
            throw BootError("send DHCP message on", interface, errno: sent < 0 ? Posix.lastErrno : nil,
                            detail: sent < 0 ? nil : "only \(sent) of \(bytes.count) bytes went out")
        }
    }

    /// Waits up to `milliseconds` until one of `sockets` has a datagram; returns the
    /// indices of those that do (none when the time ran out). One poll(2) for every link
    /// of a DHCP race.
    public static func waitForAny(_ sockets: [DHCPSocket], milliseconds: Int) -> [Int] {
        let ready = (try? Poll.wait(sockets.map { ($0.fd, Poll.input) }, milliseconds: max(0, milliseconds))) ?? []
        return ready.indices.filter { ready[$0] != 0 }
    }

    /// The datagrams queued now, without waiting; at most `limit`, so a broadcast storm
    /// cannot hold the caller past its deadline (the rest wait for the next call).
    public func receiveQueued(limit: Int = 64) -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while datagrams.count < limit {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return datagrams }
            datagrams.append(Array(buffer[..<count]))
        }
        return datagrams
    }

    /// Waits up to `milliseconds` for datagrams and returns all that are queued.
    public func receive(waitingUpTo milliseconds: Int) -> [[UInt8]] {
        Self.waitForAny([self], milliseconds: milliseconds).isEmpty ? [] : receiveQueued()
    }
}
