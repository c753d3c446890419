import COpenSSL
import Foundation
import Glibc
@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import XCTest

/// Host integration: the https client (OpenSSL opened with dlopen, as at boot) against the
/// lab's server (Tests/lab/httpd.py --tls) with the lab's certificates
/// (Tests/lab/tls-certs.sh): a file fetched whole when the server is trusted; refused at
/// once, in one line that says why, when it is not.
final class TLSTests: XCTestCase {
    static let repository = String(#filePath).split(separator: "/").dropLast(3).joined(separator: "/")
    let directory = "/tmp/stateless-tls-\(getpid())"

    func testTrustedServer() throws {
        try withServer { port in
            var download = HTTPDownload(url: try XCTUnwrap(HTTPURL(parsing: "https://127.0.0.1:\(port)/file.img")), retrySeconds: 2, log: Logger(verbose: false))
            download.caFile = directory + "/ca.pem"
            var sink = MemorySink(limit: 1 << 20)
            XCTAssertTrue(try download.run(into: &sink))
            XCTAssertEqual(sink.bytes, Self.content)
            // A file the server does not have is a 404 over TLS as well.
            var missing = HTTPDownload(url: try XCTUnwrap(HTTPURL(parsing: "https://127.0.0.1:\(port)/nope.img")), retrySeconds: 2, log: Logger(verbose: false))
            missing.caFile = directory + "/ca.pem"
            XCTAssertFalse(try missing.run(into: &sink))
        }
    }

    func testUntrustedServerIsRefusedAtOnce() throws {
        try withServer { port in
            for (url, ca, expected) in [
                ("https://127.0.0.1:\(port)/file.img", "other-ca.pem", "unable to get local issuer certificate"),
                // The certificate names IP addresses only.
                ("https://localhost:\(port)/file.img", "ca.pem", "hostname mismatch"),
            ] {
                var download = HTTPDownload(url: try XCTUnwrap(HTTPURL(parsing: url)), retrySeconds: 20, log: Logger(verbose: false))
                download.caFile = directory + "/" + ca
                var sink = MemorySink(limit: 1 << 20)
                let started = Uptime.now()
                XCTAssertThrowsError(try download.run(into: &sink), url) { error in
                    XCTAssertTrue("\(error)".contains("the server's certificate for \(download.url.host) is refused: \(expected)"), "\(error)")
                    XCTAssertTrue("\(error)".contains("controlled by root="), "\(error)")
                }
                XCTAssertLessThan(Uptime.now().nanoseconds - started.nanoseconds, 5_000_000_000, "not retried for rd.retry")
            }
        }
    }

    func testNoCertificatesIsOneLine() throws {
        var download = HTTPDownload(url: try XCTUnwrap(HTTPURL(parsing: "https://127.0.0.1:1/file.img")), retrySeconds: 20, log: Logger(verbose: false))
        download.caFile = directory + "/none.pem"
        var sink = MemorySink(limit: 1)
        XCTAssertThrowsError(try download.run(into: &sink)) { error in
            XCTAssertTrue("\(error)".contains("https:// needs TLS, and this image cannot: no CA certificates to check the server with in \(directory)/none.pem"), "\(error)")
            XCTAssertTrue("\(error)".contains("mkstateless build --https"), "\(error)")
        }
    }

    /// A write to a pipe nobody reads raises SIGPIPE; around an OpenSSL call it is blocked
    /// in this thread and taken, so the process lives on with EPIPE, and the mask is as it
    /// was afterwards (the disposition is never touched).
    func testSIGPIPEIsBlockedForTheCallOnly() throws {
        // The default disposition kills the process: the test dies if the block fails.
        let disposition = signal(SIGPIPE, SIG_DFL)
        defer { signal(SIGPIPE, disposition) }
        var ends: [CInt] = [-1, -1]
        XCTAssertEqual(pipe(&ends), 0)
        close(ends[0])
        defer { close(ends[1]) }
        var byte: UInt8 = 1
        let written = TLSSession.withSIGPIPEBlocked { CInt(write(ends[1], &byte, 1)) }
        XCTAssertEqual(written, -1)
        XCTAssertEqual(errno, EPIPE)
        var mask = sigset_t()
        pthread_sigmask(SIG_SETMASK, nil, &mask)
        XCTAssertEqual(sigismember(&mask, SIGPIPE), 0, "unblocked again")
        var pending = sigset_t()
        sigpending(&pending)
        XCTAssertEqual(sigismember(&pending, SIGPIPE), 0, "nothing left to deliver")
    }

    func testClockInTheRefusalForDates() {
        let line = TLSSession.refusal(Int(X509_V_ERR_CERT_NOT_YET_VALID), text: "certificate is not yet valid", host: "h", caFile: "/c")
        XCTAssertTrue(line.contains("the clock says 20"), line)
        XCTAssertFalse(TLSSession.refusal(2, text: "x", host: "h", caFile: "/c").contains("clock"))
    }

    static let content = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }

    /// The lab's certificates in `directory`, a file to serve, and httpd.py --tls on it.
    func withServer(_ body: (Int) throws -> Void) throws {
        defer { _ = system("rm -rf \(directory)") }
        let lab = Self.repository.hasPrefix("/") ? Self.repository : "/" + Self.repository
        let made = try HostCommand.run(["/bin/bash", lab + "/Tests/lab/tls-certs.sh", directory])
        guard made.status == 0 else { return XCTFail("tls-certs.sh (needs openssl, Tests/lab/setup): \(made.output)") }
        let file = fopen(directory + "/file.img", "w")
        Self.content.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
        let server = try HostCommand.spawn(["/usr/bin/python3", lab + "/Tests/lab/httpd.py", directory, directory + "/port", directory + "/log",
                                            "--tls", directory + "/server.pem", directory + "/server.key"])
        defer { kill(server, SIGTERM); _ = HostCommand.wait(server, seconds: 5) }
        let deadline = Uptime.now().adding(milliseconds: 10_000)
        var port: Int?
        while port == nil && deadline.millisecondsLeft() > 0 {
            if let text = try? String(contentsOfFile: directory + "/port", encoding: .utf8) { port = Int(text) }
            usleep(50_000)
        }
        try body(try XCTUnwrap(port, "httpd.py did not start"))
    }
}
