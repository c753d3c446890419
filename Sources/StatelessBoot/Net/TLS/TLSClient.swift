import CLinux
import COpenSSL
import Glibc

/// A TLS client as a browser is one: TLS 1.2 or later, the server's certificate checked
/// against the image's CA certificates and against the host name (or IP address) of the
/// URL. There is no switch to turn the check off: a live root fetched unchecked over
/// https is no safer than one over http, which with a `.sha256` at least is checked.
final class TLSClient {
    /// Debian's bundle (ca-certificates): where `mkstateless build --https` puts the
    /// certificates it is given, and where the booted Debian system keeps its own.
    static let caCertificates = "/etc/ssl/certs/ca-certificates.crt"

    let ssl: OpenSSL
    let caFile: String
    fileprivate let context: OpaquePointer

    init(caFile: String = TLSClient.caCertificates) throws(OpenSSL.Unavailable) {
        ssl = try OpenSSL()
        self.caFile = caFile
        guard let context = ssl.newContext(ssl.clientMethod()) else {
            throw OpenSSL.Unavailable(description: "no TLS context: \(ssl.queuedErrors())")
        }
        self.context = context
        _ = ssl.contextControl(context, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(TLS1_2_VERSION), nil)
        ssl.setVerify(context, SSL_VERIFY_PEER, nil)
        guard ssl.loadVerifyLocations(context, caFile, nil) == 1 else {
            // Every property is set: deinit frees the context.
            throw OpenSSL.Unavailable(description: "no CA certificates to check the server with in \(caFile) (\(ssl.queuedErrors()))")
        }
    }

    deinit { ssl.freeContext(context) }

    /// TLS keys need the kernel's CRNG, which an early boot without a hardware RNG may not
    /// have yet: OpenSSL's getrandom(2) would then block, silently, until the kernel's own
    /// jitter-entropy collection makes it ready (a bound the kernel keeps: about a second).
    /// The wait is done here instead, between two lines, so it shows in the log.
    static func awaitRandomness(_ log: Logger, stage: String) {
        var byte: UInt8 = 0
        guard getrandom(&byte, 1, UInt32(GRND_NONBLOCK)) < 0, errno == EAGAIN else { return }
        let start = Uptime.now()
        log.info(stage, "waiting for the kernel's random number generator: TLS keys need it (a hardware RNG, e.g. qemu's -device virtio-rng-pci, removes this wait)")
        while getrandom(&byte, 1, 0) < 0 && errno == EINTR {}
        log.info(stage, "random number generator ready after \(Uptime(nanoseconds: Uptime.now().nanoseconds - start.nanoseconds)) s")
    }
}

/// What a TLS step asks of the caller: done (with a byte count), or wait for the socket.
enum TLSStep: Equatable {
    case done(Int)
    /// Poll the socket for these events, then call the same step again.
    case wait(Int16)
}

/// The server's certificate was refused, or the server broke the protocol: retrying the
/// same server would give the same answer.
struct TLSRefused: Error, CustomStringConvertible { var description: String }

/// One TLS connection over a nonblocking TCP socket the caller owns and polls.
final class TLSSession {
    private let client: TLSClient
    private let session: OpaquePointer
    private let host: String

    init(_ client: TLSClient, descriptor: CInt, host: String) throws(OpenSSL.Unavailable) {
        let ssl = client.ssl
        guard let session = ssl.newSession(client.context) else {
            throw OpenSSL.Unavailable(description: "no TLS session: \(ssl.queuedErrors())")
        }
        self.client = client
        self.session = session
        self.host = host
        _ = ssl.setDescriptor(session, descriptor)
        if IPv4Address(parsing: host) != nil {
            // An IP address is matched against the certificate's IP entries; it is sent
            // as no server name (RFC 6066 allows names only).
            _ = ssl.setIPAddress(ssl.verifyParameters(session), host)
        } else {
            _ = host.withCString {  // copied by OpenSSL
                ssl.sessionControl(session, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name), UnsafeMutableRawPointer(mutating: $0))
            }
            _ = ssl.setHost(session, host)
        }
    }

    deinit { client.ssl.freeSession(session) }

    /// The protocol agreed on, e.g. `TLSv1.3`.
    var version: String { client.ssl.protocolVersion(session).map { String(cString: $0) } ?? "TLS" }

    func handshake() throws -> TLSStep {
        try step(client.ssl.connect(session), doing: "handshake with")
    }

    /// `.done(0)`: the server closed the connection cleanly.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> TLSStep {
        try step(client.ssl.read(session, buffer.baseAddress, CInt(min(buffer.count, Int(CInt.max)))), doing: "read from")
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws -> TLSStep {
        try step(client.ssl.write(session, bytes.baseAddress, CInt(min(bytes.count, Int(CInt.max)))), doing: "write to")
    }

    /// Maps one call's result: bytes, a wait, or an error. A certificate the client
    /// refuses is `TLSRefused`; anything else (a reset, an early end) is a `BootError`,
    /// which the download retries like a TCP failure.
    private func step(_ result: CInt, doing operation: String) throws -> TLSStep {
        let ssl = client.ssl
        if result > 0 { return .done(Int(result)) }
        let errnoValue = errno
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
    static func refusal(_ verdict: Int, text: String, host: String, caFile: String) -> String {
        var line = "the server's certificate for \(host) is refused: \(text) (trusted: the CA certificates in \(caFile), which mkstateless build --https --ca-certificates= sets)"
        if verdict == Int(X509_V_ERR_CERT_NOT_YET_VALID) || verdict == Int(X509_V_ERR_CERT_HAS_EXPIRED) {
            line += "; the clock says \(WallClock.utcText())"
        }
        return line
    }
}
