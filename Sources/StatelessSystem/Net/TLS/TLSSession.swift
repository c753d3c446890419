import COpenSSL
import Glibc
import StatelessCore
import StatelessProtocols

/// The server's certificate was refused (unknown CA, wrong name, dates): retrying the same
/// server would give the same answer.
package struct TLSRefused: Error, CustomStringConvertible {
    package var description: String
    package init(description: String) { self.description = description }
}

/// One TLS connection over a nonblocking TCP socket the caller owns and polls.
final class TLSSession {
    private let client: TLSClient
    private let session: OpaquePointer
    private let host: String

    package init(_ client: TLSClient, descriptor: CInt, host: String) throws(OpenSSL.Unavailable) {
        let ssl = client.ssl
        guard let session = ssl.newSession(client.context) else {
            throw OpenSSL.Unavailable(description: "no TLS session: \(ssl.queuedErrors())")
        }
        self.client = client
        self.session = session
        self.host = host
        // Each result is checked: a name check that failed to be set would accept any
        // certificate a trusted CA signed. (A throw from here on runs deinit.)
        let set: Bool
        if IPv4Address(parsing: host) != nil {
            // An IP address is matched against the certificate's IP entries; it is sent
            // as no server name (RFC 6066 allows names only).
            set = ssl.setDescriptor(session, descriptor) == 1 && ssl.setIPAddress(ssl.verifyParameters(session), host) == 1
        } else {
            let named = host.withCString {  // copied by OpenSSL
                ssl.sessionControl(session, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name), UnsafeMutableRawPointer(mutating: $0))
            }
            set = ssl.setDescriptor(session, descriptor) == 1 && named == 1 && ssl.setHost(session, host) == 1
        }
        guard set else { throw OpenSSL.Unavailable(description: "cannot set up a TLS session for \(host): \(ssl.queuedErrors())") }
    }

    deinit { client.ssl.freeSession(session) }

    /// The protocol agreed on, e.g. `TLSv1.3`.
    package var version: String { client.ssl.protocolVersion(session).map { String(cString: $0) } ?? "TLS" }

    func handshake() throws -> SocketStep {
        try step("handshake with") { client.ssl.connect(session) }
    }

    /// `.done(0)`: the server closed the connection cleanly.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> SocketStep {
        try step("read from") { client.ssl.read(session, buffer.baseAddress, CInt(min(buffer.count, Int(CInt.max)))) }
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws -> SocketStep {
        try step("write to") { client.ssl.write(session, bytes.baseAddress, CInt(min(bytes.count, Int(CInt.max)))) }
    }

    /// Makes one OpenSSL call and maps its result: bytes, a wait, or an error. The error
    /// queue and errno are cleared first (SSL_get_error reads the queue, so an old entry
    /// would turn a WANT_READ into a failure), and SIGPIPE is blocked for the call, in
    /// this thread only: the socket BIO writes with write(2), not send(MSG_NOSIGNAL), and a
    /// reset peer must not kill a process that is not PID 1. A SIGPIPE the call raised is
    /// taken while still blocked (the EPIPE tells the same), so restoring the mask delivers
    /// nothing; the process-wide disposition is never touched, so nothing about it can
    /// leak across the exec of the root's init.
    /// A certificate the client refuses is `TLSRefused`; anything else (a reset, an early
    /// end) is a `BootError`, which the download retries like a TCP failure.
    /// `call` with SIGPIPE blocked in this thread; errno is as `call` left it.
    static func withSIGPIPEBlocked(_ call: () -> CInt) -> CInt {
        var pipe = sigset_t()
        sigemptyset(&pipe)
        sigaddset(&pipe, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipe, &previous)
        let result = call()
        let saved = errno
        var pending = sigset_t()
        if sigismember(&previous, SIGPIPE) == 0, sigpending(&pending) == 0, sigismember(&pending, SIGPIPE) == 1 {
            var now = timespec()
            _ = sigtimedwait(&pipe, nil, &now)
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        errno = saved
        return result
    }

    private func step(_ operation: String, _ call: () -> CInt) throws -> SocketStep {
        let ssl = client.ssl
        ssl.clearErrors()
        errno = 0
        let result = Self.withSIGPIPEBlocked(call)
        let errnoValue = errno
        if result > 0 { return .done(Int(result)) }
        let kind = ssl.errorKind(session, result)
        let queued = ssl.queuedErrors()
        switch kind {
        case SSL_ERROR_WANT_READ: return .wait(Int16(POLLIN))
        case SSL_ERROR_WANT_WRITE: return .wait(Int16(POLLOUT))
        case SSL_ERROR_ZERO_RETURN: return .done(0)
        default: break
        }
        let verdict = ssl.verifyResult(session)
        if verdict != Int(X509_V_OK) {
            throw TLSRefused(description: Self.refusal(verdict, text: ssl.verifyErrorText(verdict).map { String(cString: $0) } ?? "code \(verdict)",
                                                       host: host, caFile: client.caFile))
        }
        let why = !queued.isEmpty ? queued
            : kind == SSL_ERROR_SYSCALL && errnoValue != 0 ? "\(String(cString: strerror(errnoValue)))"
            : "the connection ended"
        throw BootError("TLS \(operation)", host, detail: why)
    }

    /// The line for a certificate refused: what OpenSSL found, where the trusted
    /// certificates come from, and the clock when validity dates are the cause (an early
    /// boot with a wrong RTC is the usual reason).
    package static func refusal(_ verdict: Int, text: String, host: String, caFile: String) -> String {
        var line = "the server's certificate for \(host) is refused: \(text) (trusted: the CA certificates in \(caFile), which mkstateless build --https --ca-certificates= sets)"
        if verdict == Int(X509_V_ERR_CERT_NOT_YET_VALID) || verdict == Int(X509_V_ERR_CERT_HAS_EXPIRED) {
            line += "; the clock says \(WallClock.utcText())"
        }
        return line
    }
}
