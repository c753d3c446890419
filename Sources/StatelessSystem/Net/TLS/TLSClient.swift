import CLinux
import COpenSSL
import Glibc
import StatelessCore
import StatelessProtocols

/// A TLS client as a browser is one: TLS 1.2 or later, the server's certificate checked
/// against the image's CA certificates and against the host name (or IP address) of the
/// URL. There is no switch to turn the check off: a live root fetched unchecked over
/// https is no safer than one over http, which with a `.sha256` at least is checked.
package final class TLSClient {
    /// Debian's bundle (ca-certificates): where `mkstateless build --https` puts the
    /// certificates it is given, and where the booted Debian system keeps its own.
    package static let caCertificates = "/etc/ssl/certs/ca-certificates.crt"

    let ssl: OpenSSL
    package let caFile: String
    package let context: OpaquePointer

    package init(caFile: String = TLSClient.caCertificates) throws(OpenSSL.Unavailable) {
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
    package static func awaitRandomness(_ log: Logger, stage: String) {
        var byte: UInt8 = 0
        guard getrandom(&byte, 1, UInt32(GRND_NONBLOCK)) < 0, errno == EAGAIN else { return }
        let start = Uptime.now()
        log.info(stage, "waiting for the kernel's random number generator: TLS keys need it (a hardware RNG, e.g. qemu's -device virtio-rng-pci, removes this wait)")
        while getrandom(&byte, 1, 0) < 0 && errno == EINTR {}
        log.info(stage, "random number generator ready after \(Uptime(nanoseconds: Uptime.now().nanoseconds - start.nanoseconds)) s")
    }
}
