import StatelessCore
import StatelessProtocols
import StatelessSystem

/// Where a download's bytes go: a file in RAM, or memory for a small `.sha256`.
protocol DownloadSink {
    /// The file's size, once a response said it; called again after a restart.
    mutating func expect(total: Int64?) throws
    /// Drops everything stored: the server sent the file from the start again.
    mutating func reset() throws
    /// Appends at the end (a download only ever appends).
    mutating func append(_ bytes: UnsafeRawBufferPointer) throws
}

/// One file fetched over HTTP/1.1 with bounded retries and resume: a dropped connection
/// or a failing server is retried with back-off (1, 2, 4, 8 s) and resumed with a Range
/// request from the last byte stored, until `retrySeconds` pass without a byte gained
/// (rd.retry: the clock restarts whenever data arrives, so a slow link is not a dead one).
struct HTTPDownload {
    package var url: HTTPURL
    package let retrySeconds: Int
    package let log: Logger
    /// No byte for this long ends an attempt (and starts the next).
    var stallMilliseconds = 15_000
    /// A progress line at every 10 %, at most this often.
    var progressMilliseconds = 2_000
    /// A line with the size, time and rate at the end (not for a small `.sha256`).
    var announce = true
    package let stage = "root"

    /// The trusted certificates for https:// (a test points it elsewhere).
    package var caFile = TLSClient.caCertificates
    private var tlsClient: TLSClient?
    private var announcedTLS = false

    /// A part of the file only (`Range: bytes=first-last`), for a cache's missing chunks;
    /// `stored` and `total` then count within it. nil: the whole file.
    package var part: ClosedRange<Int64>?

    /// Bytes stored, and the size the server gave.
    private(set) var stored: Int64 = 0
    private(set) var total: Int64?

    package init(url: HTTPURL, retrySeconds: Int, log: Logger) {
        self.url = url
        self.retrySeconds = retrySeconds
        self.log = log
    }

    /// Why an attempt ended early; retried while the bound lasts.
    struct Interrupted: Error, CustomStringConvertible { package var description: String }

    /// Fetches the whole file into `sink`; false when the server has no such file (404, 410).
    package mutating func run(into sink: inout some DownloadSink) throws -> Bool {
        var redirects = 0
        let start = Uptime.now()
        var progress = TransferProgress(log: log, name: url.fileName, every: progressMilliseconds)
        var before = stored
        // The bound counts from the last byte gained: a slow but moving transfer goes on.
        return try Retry(seconds: retrySeconds, clock: KernelClock()).run({ _ in
            before = stored
            while true {
                switch try attempt(into: &sink, progress: &progress) {
                case .complete:
                    if announce { progress.finish(stored, since: start, what: "fetched \(url)") }
                    return true
                case .missing:
                    return false
                case .redirect(let location):
                    redirects += 1
                    guard redirects <= 5, let next = Self.follow(location, from: url) else {
                        throw BootError("fetch", url.description, detail: "redirected to \(location)\(redirects > 5 ? " (the 6th redirect)" : ", not an http(s):// URL we follow")", option: "root=")
                    }
                    guard url.scheme == .http || next.scheme == .https else {
                        throw BootError("fetch", url.description, detail: "redirected to \(next), which would drop TLS: not followed", option: "root=")
                    }
                    log.info(stage, "\(url) redirects to \(next)")
                    url = next
                    try startOver(&sink)
                }
            }
        }, judge: { error in
            guard error is Interrupted else { return .final }
            return stored > before ? .againAfterProgress : .again
        }, willRetry: { error, wait, _ in
            log.warning(stage, "\(url): \(error); retrying in \(wait / 1000) s\(stored > 0 ? ", resuming at byte \(stored)" : "") (rd.retry=\(retrySeconds))")
        }, gaveUp: { error, spent in
            BootError("fetch", url.description, detail: "given up after \(spent.milliseconds / 1000) s without a byte gained (\(stored) of \(total.map(String.init) ?? "?") bytes stored): \(error)",
                      option: "rd.retry=\(retrySeconds)")
        })
    }

    package enum Outcome { case complete, missing, redirect(String) }

    /// One connection: request from `stored`, act on the head, stream the body.
    private mutating func attempt(into sink: inout some DownloadSink, progress: inout TransferProgress) throws -> Outcome {
        let address = try Self.resolve(url.host)
        var tls: TLSClient?
        if url.scheme == .https { tls = try loadTLS() }
        let connection: HTTPConnection
        do {
            connection = try HTTPConnection(to: address, port: url.port, milliseconds: 10_000)
            if let tls {
                try connection.startTLS(tls, host: url.host, milliseconds: 10_000)
                if !announcedTLS { log.info(stage, "\(url): \(connection.transport), the server's certificate checked against \(tls.caFile)") }
                announcedTLS = true
            }
            try connection.send(HTTPRequest.get(url, from: (part?.lowerBound ?? 0) + stored, through: part?.upperBound), milliseconds: stallMilliseconds)
        } catch let refused as TLSRefused {
            throw BootError("fetch", url.description, detail: refused.description, option: "root=")
        } catch { throw Interrupted(description: "\(error)") }
        let head: HTTPResponseHead
        do { head = try connection.readHead(milliseconds: stallMilliseconds) } catch { throw Interrupted(description: "\(error)") }
        if let part { return try receivePart(part, head, connection, into: &sink, progress: &progress) }
        switch HTTPResume.decide(head, have: stored, known: total) {
        case .complete: return .complete
        case .redirect(let location): return .redirect(location)
        case .missing(let said): log.info(stage, "\(url): \(said)"); return .missing
        case .retry(let said): throw Interrupted(description: "the server answered \(said)")
        case .fail(let why): throw BootError("fetch", url.description, detail: why, option: "root=")
        case .restart(let why):
            log.warning(stage, "\(url): \(why): starting over")
            try startOver(&sink)
            throw Interrupted(description: why)
        case .body(let offset, let size):
            if offset == 0 && stored > 0 {
                log.warning(stage, "\(url): the server sent the whole file again (\(head.status)): starting over")
                try startOver(&sink)
            }
            if total == nil || total != size {
                total = size
                try sink.expect(total: size)
            }
        }
        return try receive(connection, through: total, into: &sink, progress: &progress)
    }

    /// A part of the file: the server must answer with exactly those bytes (206); a file
    /// that is gone or changed size under a sync is not retried here.
    private mutating func receivePart(_ part: ClosedRange<Int64>, _ head: HTTPResponseHead, _ connection: HTTPConnection,
                                      into sink: inout some DownloadSink, progress: inout TransferProgress) throws -> Outcome {
        let from = part.lowerBound + stored
        guard head.status == 206, let range = head.range, range.first == from, range.last == part.upperBound else {
            if head.status >= 500 { throw Interrupted(description: "the server answered \(head.status) \(head.reason)") }
            if head.status == 404 || head.status == 410 { return .missing }
            throw BootError("fetch", url.description, detail: "asked for bytes \(from)-\(part.upperBound), the server answered \(head.status) \(head.reason)\(head.range.map { " with \($0.first ?? 0)-\($0.last ?? 0)" } ?? ""): a cache needs a server that serves byte ranges", option: "stateless.cache=")
        }
        if total == nil {
            total = Int64(part.count)
            try sink.expect(total: total)
        }
        return try receive(connection, through: total, into: &sink, progress: &progress)
    }

    /// The body, up to `end` bytes stored (to the connection's close when nil).
    private mutating func receive(_ connection: HTTPConnection, through end: Int64?, into sink: inout some DownloadSink,
                                  progress: inout TransferProgress) throws -> Outcome {
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        while end.map({ stored < $0 }) ?? true {
            let count: Int
            do {
                count = try buffer.withUnsafeMutableBytes { try connection.read(into: $0, milliseconds: stallMilliseconds) }
            } catch { throw Interrupted(description: "\(error)") }
            if count == 0 {
                guard end == nil else { throw Interrupted(description: "the server closed the connection at byte \(stored) of \(end!)") }
                return .complete
            }
            let take = end.map { Int(min(Int64(count), $0 - stored)) } ?? count
            try buffer.withUnsafeBytes { try sink.append(UnsafeRawBufferPointer(rebasing: $0[..<take])) }
            stored += Int64(take)
            progress.report(stored, of: end)
        }
        return .complete
    }

    /// OpenSSL with the image's CA certificates, loaded for the first https:// attempt.
    private mutating func loadTLS() throws -> TLSClient {
        if let tlsClient { return tlsClient }
        TLSClient.awaitRandomness(log, stage: stage)
        do {
            let client = try TLSClient(caFile: caFile)
            tlsClient = client
            return client
        } catch {
            throw BootError("fetch", url.description, detail: "https:// needs TLS, and this image cannot: \(error) (mkstateless build --https adds OpenSSL and the CA certificates; or serve http:// with a .sha256 beside the image)", option: "root=")
        }
    }

    /// Nothing stored, no size known: the next bytes are the file's first.
    private mutating func startOver(_ sink: inout some DownloadSink) throws {
        stored = 0
        total = nil
        try sink.reset()
    }

    /// An absolute `http://` or `https://` Location, or a path on the same server.
    package static func follow(_ location: String, from url: HTTPURL) -> HTTPURL? {
        if location.hasPrefix("/") {
            return HTTPURL(parsing: "\(url.scheme.rawValue)://\(url.host):\(url.port)\(location)")
        }
        return HTTPURL(parsing: location)
    }

    /// An IPv4 address as written, else the resolver's; a failure is retried.
    package static func resolve(_ host: String) throws -> IPv4Address {
        do { return try Resolver.ipv4(host) } catch let failure as Resolver.Failure { throw Interrupted(description: failure.description) }
    }
}
