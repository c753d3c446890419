import CMnl
import Glibc
import StatelessCore
import StatelessProtocols

/// A netlink socket through libmnl: the one place the network stage talks rtnetlink
/// (NETLINK_ROUTE, the default), and the nbd bridge generic netlink. Each request carries its own sequence number; the kernel's answer is
/// validated by libmnl (`mnl_cb_run`: sequence, port, message bounds, NLMSG_ERROR) and a
/// refusal becomes a `BootError` naming the request and the errno.
public final class NetlinkSocket {
    private let socket: OpaquePointer
    private let portID: UInt32
    private var sequence: UInt32
    /// Room for one request and for one datagram of a dump (libmnl's recommended size).
    static let bufferSize = 16384

    public init(protocol: CInt = NETLINK_ROUTE) throws {
        guard let socket = mnl_socket_open(`protocol`) else {
            throw BootError("open", "netlink socket (protocol \(`protocol`))", errno: Posix.lastErrno)
        }
        guard mnl_socket_bind(socket, 0, pid_t(MNL_SOCKET_AUTOPID)) >= 0 else {
            let error = Posix.lastErrno
            mnl_socket_close(socket)
            throw BootError("bind", "netlink socket (protocol \(`protocol`))", errno: error)
        }
        self.socket = socket
        // Close-on-exec: the lease keeper the net stage spawns must not inherit it.
        _ = fcntl(mnl_socket_get_fd(socket), F_SETFD, FD_CLOEXEC)
        portID = mnl_socket_get_portid(socket)
        sequence = UInt32(truncatingIfNeeded: Uptime.now().nanoseconds)
    }

    deinit { mnl_socket_close(socket) }

    /// Sends one request built by `build` (which fills the message after its header) and
    /// hands every message of the answer to `each`. `what` names the request in errors.
    /// A request that is not a dump asks for an ACK, so a refusal is never silent.
    public func request(
        _ what: String, type: UInt16, flags: Int32, dump: Bool = false,
        build: (UnsafeMutablePointer<nlmsghdr>) throws -> Void,
        each: (UnsafePointer<nlmsghdr>) -> Void = { _ in }
    ) throws {
        var buffer = [UInt8](repeating: 0, count: Self.bufferSize)
        sequence &+= 1
        let seq = sequence
        try buffer.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress, let header = mnl_nlmsg_put_header(base) else {
                throw BootError("build", what, detail: "no room for a netlink header")
            }
            header.pointee.nlmsg_type = type
            header.pointee.nlmsg_flags = UInt16(truncatingIfNeeded: Int32(NLM_F_REQUEST) | flags | (dump ? Int32(NLM_F_DUMP) : Int32(NLM_F_ACK)))
            header.pointee.nlmsg_seq = seq
            try build(header)
            guard mnl_socket_sendto(socket, header, Int(header.pointee.nlmsg_len)) >= 0 else {
                throw BootError("send", what, errno: Posix.lastErrno)
            }
        }
        try receive(what, sequence: seq, buffer: &buffer, each: each)
    }

    private func receive(_ what: String, sequence: UInt32, buffer: inout [UInt8], each: (UnsafePointer<nlmsghdr>) -> Void) throws {
        try withoutActuallyEscaping(each) { each in
            let box = CallbackBox(each)
            try receiveLoop(what, sequence: sequence, buffer: &buffer, context: Unmanaged.passUnretained(box).toOpaque())
            withExtendedLifetime(box) {}
        }
    }

    private func receiveLoop(_ what: String, sequence: UInt32, buffer: inout [UInt8], context: UnsafeMutableRawPointer) throws {
        while true {
            let count = buffer.withUnsafeMutableBytes { mnl_socket_recvfrom(socket, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw BootError("receive the answer to", what, errno: Posix.lastErrno) }
            let status = buffer.withUnsafeBytes { raw in
                mnl_cb_run(raw.baseAddress, count, sequence, portID, { message, data in
                    guard let message, let data else { return MNL_CB_ERROR }
                    Unmanaged<CallbackBox>.fromOpaque(data).takeUnretainedValue().each(message)
                    return MNL_CB_OK
                }, context)
            }
            if status == MNL_CB_STOP { return }  // NLMSG_DONE, or the ACK (an NLMSG_ERROR of 0)
            guard status >= 0 else { throw BootError("request", what, errno: Posix.lastErrno, detail: "refused by the kernel") }
        }
    }

    private final class CallbackBox {
        let each: (UnsafePointer<nlmsghdr>) -> Void
        init(_ each: @escaping (UnsafePointer<nlmsghdr>) -> Void) { self.each = each }
    }
}

/// libmnl's attribute writers, checked against the request buffer's size.
extension UnsafeMutablePointer where Pointee == nlmsghdr {
    package func put(_ type: Int32, u32 value: UInt32) throws {
        guard mnl_attr_put_u32_check(self, NetlinkSocket.bufferSize, UInt16(truncatingIfNeeded: type), value) else {
            throw BootError("build", "netlink attribute \(type)", detail: "the request is too large")
        }
    }

    package func put(_ type: Int32, u64 value: UInt64) throws {
        guard mnl_attr_put_u64_check(self, NetlinkSocket.bufferSize, UInt16(truncatingIfNeeded: type), value) else {
            throw BootError("build", "netlink attribute \(type)", detail: "the request is too large")
        }
    }

    /// A nested attribute holding what `body` puts (NBD_ATTR_SOCKETS).
    func nest(_ type: Int32, _ body: () throws -> Void) throws {
        guard let nest = mnl_attr_nest_start_check(self, NetlinkSocket.bufferSize, UInt16(truncatingIfNeeded: type)) else {
            throw BootError("build", "netlink attribute \(type)", detail: "the request is too large")
        }
        try body()
        mnl_attr_nest_end(self, nest)
    }

    package func put(_ type: Int32, bytes: [UInt8]) throws {
        let fits = bytes.withUnsafeBytes {
            mnl_attr_put_check(self, NetlinkSocket.bufferSize, UInt16(truncatingIfNeeded: type), $0.count, $0.baseAddress)
        }
        guard fits else { throw BootError("build", "netlink attribute \(type)", detail: "the request is too large") }
    }

    package func put(_ type: Int32, string: String) throws {
        guard mnl_attr_put_strz_check(self, NetlinkSocket.bufferSize, UInt16(truncatingIfNeeded: type), string) else {
            throw BootError("build", "netlink attribute \(type)", detail: "the request is too large")
        }
    }

    /// The family header after the netlink header (ifinfomsg, ifaddrmsg, rtmsg), zeroed.
    func putExtraHeader<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
        mnl_nlmsg_put_extra_header(self, MemoryLayout<T>.size).bindMemory(to: T.self, capacity: 1)
    }
}
