import CLinux
import Glibc
import StatelessCore

/// Host names to addresses through the C library's resolver (it reads /etc/resolv.conf,
/// which the image links to the boot's resolver).
public enum Resolver {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// An IPv4 address as written, else the resolver's first IPv4 address for the name.
    public static func ipv4(_ host: String) throws -> IPv4Address {
        if let address = IPv4Address(parsing: host) { return address }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let result = getaddrinfo(host, nil, &hints, &found)
        defer { if let found { freeaddrinfo(found) } }
        guard result == 0, let first = found, let socketAddress = first.pointee.ai_addr else {
            throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(result)))")
        }
        let address = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
        return IPv4Address(value: UInt32(bigEndian: address))
    }
}
