import CLinux
import Glibc
import StatelessCore
import StatelessProtocols
import SystemPackage

/// What one nonblocking step on a socket (a send, a receive, a TLS handshake or record)
/// asks of its caller: done, with a byte count, or a wait for the socket.
enum SocketStep: Equatable {
    case done(Int)
    /// Poll the socket for these events, then make the same step again.
    case wait(Int16)
}

/// One TCP connection to an HTTP server, plain or TLS, every wait bounded: connecting, the
/// handshake, the response head, and each read of the body (a server that stops sending is
/// a stall, not a hang).
package final class HTTPConnection {
    private let fd: CInt
    package let peer: String
    /// Bytes read past the head, handed out first by `read`.
    private var pending: [UInt8] = []
    /// Set once `startTLS` succeeded: every byte goes through it.
    private var tls: TLSSession?

    /// Connects to `address`:`port` within `milliseconds`.
    package init(to address: IPv4Address, port: UInt16, milliseconds: Int) throws {
        peer = "\(address):\(port)"
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw BootError("open", "TCP socket for \(peer)", errno: Posix.lastErrno) }
        var socketAddress = DHCPSocket.socketAddress(address, port: port)
        let result = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result != 0 {
            let started = Posix.lastErrno
            // Every property is set: a throw from here on runs deinit, which closes fd.
            guard started == .nowInProgress else { throw BootError("connect to", peer, errno: started) }
            guard wait(for: Int16(POLLOUT), milliseconds: milliseconds) else {
                throw BootError("connect to", peer, detail: "no answer within \(milliseconds / 1000) s")
            }
            var error: CInt = 0
            var length = socklen_t(MemoryLayout<CInt>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else { throw BootError("connect to", peer, errno: Errno(rawValue: error)) }
        }
    }

    deinit {
        tls = nil  // freed while its descriptor is still open
        if fd >= 0 { close(fd) }
    }

    private func wait(for events: Int16, milliseconds: Int) -> Bool {
        ((try? Poll.wait([(fd, events)], milliseconds: milliseconds)) ?? [0])[0] != 0
    }

    /// Runs `step` until it is done, polling for what it waits on; every wait is bounded
    /// by `milliseconds`, and `silence` says what a wait that ran out means.
    private func drive(_ milliseconds: Int, silence: String, _ step: () throws -> SocketStep) throws -> Int {
        while true {
            switch try step() {
            case .done(let count): return count
            case .wait(let events):
                guard wait(for: events, milliseconds: milliseconds) else {
                    throw BootError(silence, peer, detail: "nothing moved for \(milliseconds / 1000) s")
                }
            }
        }
    }

    /// Makes this a TLS connection: the handshake, each of its waits within `milliseconds`,
    /// the server checked under `host` against the client's CA certificates. `TLSRefused`
    /// when it is not trusted.
    package func startTLS(_ client: TLSClient, host: String, milliseconds: Int) throws {
        let session = try TLSSession(client, descriptor: fd, host: host)
        _ = try drive(milliseconds, silence: "TLS handshake with") { try session.handshake() }
        tls = session
    }

    /// The protocol in use: `TLSv1.3`, or plain TCP.
    package var transport: String { tls?.version ?? "TCP" }

    package func send(_ bytes: [UInt8], milliseconds: Int) throws {
        var offset = 0
        while offset < bytes.count {
            offset += try bytes[offset...].withUnsafeBytes { chunk in
                try drive(milliseconds, silence: "send request to") {
                    if let tls { return try tls.write(chunk) }
                    let sent = Glibc.send(fd, chunk.baseAddress, chunk.count, Int32(MSG_NOSIGNAL))
                    if sent >= 0 { return .done(sent) }
                    if errno == EAGAIN || errno == EINTR { return .wait(Int16(POLLOUT)) }
                    throw BootError("send request to", peer, errno: Posix.lastErrno)
                }
            }
        }
    }

    /// Reads up to `buffer.count` bytes: 0 when the server closed the connection, an error
    /// when nothing came for `milliseconds`.
    package func read(into buffer: UnsafeMutableRawBufferPointer, milliseconds: Int) throws -> Int {
        if !pending.isEmpty {
            let count = min(pending.count, buffer.count)
            pending.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            pending.removeFirst(count)
            return count
        }
        // Tried before polling: TLS may hold decrypted bytes the socket no longer shows.
        return try drive(milliseconds, silence: "read from") {
            if let tls { return try tls.read(into: buffer) }
            let count = recv(fd, buffer.baseAddress, buffer.count, 0)
            if count >= 0 { return .done(count) }
            if errno == EAGAIN || errno == EINTR { return .wait(Int16(POLLIN)) }
            throw BootError("read from", peer, errno: Posix.lastErrno)
        }
    }

    /// Reads until the end of the response head; what follows it is kept for `read`.
    package func readHead(milliseconds: Int) throws -> HTTPResponseHead {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let end = HTTPResponseHead.end(in: bytes) {
                pending = Array(bytes[end...])
                do {
                    return try HTTPResponseHead(parsing: bytes[..<(end - 4)])
                } catch {
                    throw BootError("read response from", peer, detail: "not an HTTP response head we accept: \(error)")
                }
            }
            guard bytes.count < HTTPResponseHead.maximumSize else {
                throw BootError("read response from", peer, detail: "no end of the response head in \(HTTPResponseHead.maximumSize) bytes")
            }
            let count = try chunk.withUnsafeMutableBytes { try read(into: $0, milliseconds: milliseconds) }
            guard count > 0 else {
                throw BootError("read response from", peer, detail: "the server closed the connection after \(bytes.count) bytes of the head")
            }
            bytes += chunk[..<count]
        }
    }
}
