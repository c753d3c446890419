@testable import StatelessBoot
@testable import StatelessCore
@testable import StatelessProtocols
@testable import StatelessSystem
import XCTest

/// The HTTP pieces a live image over the network needs: URLs from the command line or a
/// DHCP server, the GET with its Range, response heads from odd or hostile servers, and
/// what a download does with each answer.
final class HTTPTests: XCTestCase {
    func testURLs() throws {
        let good: [(String, String, UInt16, String, String)] = [
            ("http://10.0.2.2:8080/LiveOS/squashfs.img", "10.0.2.2", 8080, "/LiveOS/squashfs.img", "squashfs.img"),
            ("http://Boot.Example/live.iso", "boot.example", 80, "/live.iso", "live.iso"),
            ("http://10.0.0.1/img?build=7", "10.0.0.1", 80, "/img?build=7", "img"),
            ("https://mirror.example:8443/a/b.img", "mirror.example", 8443, "/a/b.img", "b.img"),
        ]
        for (text, host, port, target, file) in good {
            let url = try XCTUnwrap(HTTPURL(parsing: text), text)
            XCTAssertEqual(url.host, host, text)
            XCTAssertEqual(url.port, port, text)
            XCTAssertEqual(url.target, target, text)
            XCTAssertEqual(url.fileName, file, text)
        }
        XCTAssertEqual(HTTPURL(parsing: "http://h/x.img?k=1")?.appending(".sha256").target, "/x.img.sha256?k=1")
        XCTAssertEqual(HTTPURL(parsing: "http://h:80/x.img")?.description, "http://h/x.img")
        let bad = ["http://", "http://host", "http://host/", "http://host/dir/", "ftp://h/x", "http://user:pw@h/x",
                   "http://h:0/x", "http://h:65536/x", "http://h:80a/x", "http://h/x y", "http://h/x#frag",
                   "http://h/x\r\nHost: evil", "http://[::1]/x", "http://-h/x", "http://h..example/x", "http://h/..",
                   "http://h/x\u{7f}", "http://h/" + String(repeating: "a", count: 2100), "http://h\\x/y", "http://h/é"]
        for text in bad { XCTAssertNil(HTTPURL(parsing: text), text) }
    }

    func testRequest() throws {
        let url = try XCTUnwrap(HTTPURL(parsing: "http://10.0.2.2:8080/LiveOS/squashfs.img"))
        let first = String(decoding: HTTPRequest.get(url), as: UTF8.self)
        XCTAssertTrue(first.hasPrefix("GET /LiveOS/squashfs.img HTTP/1.1\r\nHost: 10.0.2.2:8080\r\n"), first)
        XCTAssertFalse(first.contains("Range"), first)
        XCTAssertTrue(first.hasSuffix("Connection: close\r\n\r\n"), first)
        let resumed = String(decoding: HTTPRequest.get(url, from: 1_048_576), as: UTF8.self)
        XCTAssertTrue(resumed.contains("\r\nRange: bytes=1048576-\r\n"), resumed)
        let plain = try XCTUnwrap(HTTPURL(parsing: "http://h/x"))
        XCTAssertTrue(String(decoding: HTTPRequest.get(plain), as: UTF8.self).contains("\r\nHost: h\r\n"))
        // Each scheme's own default port is left out (a signed URL signs the Host field).
        for (text, host) in [("https://h/x", "h"), ("https://h:8443/x", "h:8443"), ("http://h:443/x", "h:443")] {
            let request = String(decoding: HTTPRequest.get(try XCTUnwrap(HTTPURL(parsing: text))), as: UTF8.self)
            XCTAssertTrue(request.contains("\r\nHost: \(host)\r\n"), request)
        }
    }

    func head(_ text: String) throws -> HTTPResponseHead { try HTTPResponseHead(parsing: Array(text.utf8)[...]) }

    func testResponseHeads() throws {
        let ok = try head("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nContent-Type: application/octet-stream\r\n")
        XCTAssertEqual(ok.status, 200)
        XCTAssertEqual(ok.contentLength, 1234)
        let partial = try head("HTTP/1.0 206 Partial Content\r\ncontent-range:  bytes 100-199/1000 \r\nContent-Length: 100")
        XCTAssertEqual(partial.range, .init(first: 100, last: 199, total: 1000))
        XCTAssertEqual(try head("HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */1000").range, .init(first: nil, last: nil, total: 1000))
        XCTAssertEqual(try head("HTTP/1.1 206 X\r\nContent-Range: bytes 5-9/*").range, .init(first: 5, last: 9, total: nil))
        XCTAssertTrue(try head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked").chunked)
        XCTAssertEqual(try head("HTTP/1.1 302 Found\r\nLocation: /other.img").location, "/other.img")
        XCTAssertEqual(try head("HTTP/1.1 204").reason, "")
        let hostile = ["", "garbage", "HTTP/2 200 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 abc OK", "HTTP/1.1 099 Low",
                       "HTTP/1.1 200 OK\r\nContent-Length: -1", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999",
                       "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2", "HTTP/1.1 200 OK\r\nno colon here",
                       "HTTP/1.1 200 OK\r\n folded: line", "HTTP/1.1 206 X\r\nContent-Range: bytes 9-5/10",
                       "HTTP/1.1 206 X\r\nContent-Range: bytes 0-10/10", "HTTP/1.1 206 X\r\nContent-Range: items 0-1/2",
                       "HTTP/1.1 206 X\r\nContent-Range: bytes */*", "HTTP/1.1 206 X\r\nContent-Range: bytes 1-/5"]
        for text in hostile { XCTAssertThrowsError(try head(text), text) }
        XCTAssertEqual(HTTPResponseHead.end(in: Array("HTTP/1.1 200 OK\r\n\r\nbody".utf8)), 19)
        XCTAssertNil(HTTPResponseHead.end(in: Array("HTTP/1.1 200 OK\r\n\r".utf8)))
        XCTAssertNil(HTTPResponseHead.end(in: Array("HTTP/1.1 200 OK\n\n".utf8)))
    }

    func testResume() throws {
        let cases: [(String, Int64, Int64?, HTTPResume)] = [
            ("HTTP/1.1 200 OK\r\nContent-Length: 1000", 0, nil, .body(offset: 0, total: 1000)),
            // The server ignored the Range: start over from its first byte.
            ("HTTP/1.1 200 OK\r\nContent-Length: 1000", 400, 1000, .body(offset: 0, total: 1000)),
            ("HTTP/1.1 206 P\r\nContent-Range: bytes 400-999/1000\r\nContent-Length: 600", 400, 1000, .body(offset: 400, total: 1000)),
            ("HTTP/1.1 206 P\r\nContent-Range: bytes 400-999/*", 400, 1000, .body(offset: 400, total: 1000)),
            ("HTTP/1.1 206 P\r\nContent-Range: bytes 400-1199/1200", 400, 1000, .restart("the file's size changed from 1000 to 1200 bytes")),
            ("HTTP/1.1 206 P\r\nContent-Range: bytes 0-999/1000", 400, 1000, .fail("asked for bytes from 400, the server sent 0-999")),
            ("HTTP/1.1 206 P\r\nContent-Range: bytes 400-999/1000\r\nContent-Length: 5", 400, 1000, .fail("Content-Length 5 does not match Content-Range 400-999")),
            ("HTTP/1.1 206 P", 400, 1000, .fail("a partial response without a usable Content-Range (206 P)")),
            ("HTTP/1.1 416 R\r\nContent-Range: bytes */1000", 1000, 1000, .complete),
            ("HTTP/1.1 416 R\r\nContent-Range: bytes */900", 1000, 1000, .restart("the server refused the range from byte 1000 (416 R)")),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked", 0, nil, .fail("the server sent the file chunked (200 OK); a live image needs its length (Content-Length)")),
            ("HTTP/1.1 200 OK", 0, nil, .fail("the server gave no Content-Length (200 OK)")),
            ("HTTP/1.1 301 Moved\r\nLocation: http://b/x.img", 0, nil, .redirect("http://b/x.img")),
            ("HTTP/1.1 307 Moved", 0, nil, .fail("307 Moved without a Location")),
            ("HTTP/1.1 404 Not Found", 0, nil, .missing("404 Not Found")),
            ("HTTP/1.1 503 Busy", 100, 1000, .retry("503 Busy")),
            ("HTTP/1.1 429 Slow down", 0, nil, .retry("429 Slow down")),
            ("HTTP/1.1 403 Forbidden", 0, nil, .fail("403 Forbidden")),
        ]
        for (text, have, known, expected) in cases {
            XCTAssertEqual(HTTPResume.decide(try head(text), have: have, known: known), expected, text)
        }
    }

    func testRedirects() throws {
        let url = try XCTUnwrap(HTTPURL(parsing: "http://10.0.2.2:8080/a.img"))
        XCTAssertEqual(HTTPDownload.follow("/b/c.img", from: url)?.description, "http://10.0.2.2:8080/b/c.img")
        XCTAssertEqual(HTTPDownload.follow("http://other/d.img", from: url)?.description, "http://other/d.img")
        XCTAssertNil(HTTPDownload.follow("relative.img", from: url))
        XCTAssertNil(HTTPDownload.follow("ftp://x/y", from: url))
    }

    func testSHA256() {
        var hash = SHA256()
        XCTAssertEqual(hash.hexDigest(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        Array("abc".utf8).withUnsafeBytes { hash.update($0) }
        XCTAssertEqual(hash.hexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertTrue(HexDigest.isSHA256("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"))
        XCTAssertFalse(HexDigest.isSHA256("ba7816bf"))
        XCTAssertFalse(HexDigest.isSHA256(Substring(String(repeating: "g", count: 64))))
    }

    func testRAMArea() {
        let meminfo = "MemTotal:         500000 kB\nMemFree:          400000 kB\nMemAvailable:     450000 kB\n"
        let memory = LiveRAMArea.memory(meminfo)
        XCTAssertEqual(memory?.total, 512_000_000)
        XCTAssertEqual(memory?.available, 460_800_000)
        XCTAssertNil(LiveRAMArea.memory("MemTotal: 1 kB\n"))
        XCTAssertNil(LiveRAMArea.memory("garbage\n\n"))
        // 512 MB of RAM keeps 64 MiB free; 8 GiB keeps an eighth.
        XCTAssertEqual(LiveRAMArea.headroom(totalBytes: 512_000_000), 64 << 20)
        XCTAssertEqual(LiveRAMArea.headroom(totalBytes: 8 << 30), 1 << 30)
        XCTAssertNil(LiveRAMArea.shortfall(bytes: 300 << 20, available: 400 << 20, total: 512 << 20))
        XCTAssertEqual(LiveRAMArea.shortfall(bytes: 350 << 20, available: 400 << 20, total: 512 << 20),
                       "the image is 350 MiB, the machine has 400 MiB of RAM available and keeps 64 MiB free for the system")
    }

    func testLiveURLs() throws {
        let options = try BootOptions(KernelCommandLine(parsing: "root=live:http://10.0.2.2:8080/LiveOS/squashfs.img stateless.live.sha256=" + String(repeating: "A", count: 64)))
        guard case .live(let spec)? = options.root else { return XCTFail("\(String(describing: options.root))") }
        XCTAssertEqual(spec.medium, .url(try XCTUnwrap(HTTPURL(parsing: "http://10.0.2.2:8080/LiveOS/squashfs.img"))))
        XCTAssertEqual(spec.sha256, String(repeating: "a", count: 64))
        XCTAssertTrue(options.needsNetwork)
        XCTAssertEqual(options.overlayMode, .overlayfs)
        let secure = try BootOptions(KernelCommandLine(parsing: "root=live:https://mirror.example/live.iso"))
        XCTAssertEqual(secure.root, .live(LiveRootSpec(medium: .url(try XCTUnwrap(HTTPURL(parsing: "https://mirror.example:443/live.iso"))))))
        for (text, expected) in [("root=live:https://h/", "without user, fragment or spaces"), ("root=live:http://h/", "without user, fragment or spaces"),
                                 ("root=live:http://h/x.img stateless.live.sha256=abc", "64 hex digits")] {
            XCTAssertThrowsError(try BootOptions(KernelCommandLine(parsing: text)), text) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
        XCTAssertFalse(try BootOptions(KernelCommandLine(parsing: "root=live:CDLABEL=X")).needsNetwork)
    }

    /// root=dhcp: a `live:` root-path, or a boot file that is an http:// URL.
    func testLiveFromTheLease() throws {
        var network = try XCTUnwrap(BootNetwork(facts: ["NET_INTERFACE": "eth0", "NET_ADDRESS": "10.0.2.15", "NET_MAC": "52:54:00:12:34:56"]))
        let line = KernelCommandLine(parsing: "root=dhcp rd.live.ram=1")
        network.rootPath = "live:http://10.0.2.2/LiveOS/squashfs.img"
        guard case .live(let spec) = try RootStage.rootFromLease(network, line: line).0 else { return XCTFail() }
        XCTAssertEqual(spec.description, "live:http://10.0.2.2/LiveOS/squashfs.img")
        XCTAssertTrue(spec.copyToRAM)
        network.rootPath = nil
        network.bootFile = "http://10.0.2.2:8080/live.iso"
        XCTAssertEqual("\(try RootStage.rootFromLease(network, line: line).0)", "live:http://10.0.2.2:8080/live.iso")
        network.bootFile = "pxelinux.0"
        XCTAssertThrowsError(try RootStage.rootFromLease(network, line: line))
        network.bootFile = "http://h/"
        XCTAssertThrowsError(try RootStage.rootFromLease(network, line: line)) { error in
            XCTAssertTrue("\(error)".contains("option 67 on the DHCP server"), "\(error)")
        }
        XCTAssertEqual(try BootOptions(line).overlayMode(rootKind: .live), .overlayfs)
        XCTAssertEqual(try BootOptions(KernelCommandLine(parsing: "root=dhcp stateless.overlay=rwtab")).overlayMode(rootKind: .live), .rwtab)
        XCTAssertEqual(try BootOptions(line).overlayMode(rootKind: .nfs), .rwtab)
    }
}
