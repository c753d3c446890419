import StatelessCore

/// What a download does with a response, given how many bytes it holds already: the
/// rules of resuming (RFC 9110 14), kept apart from the sockets so that every odd
/// server answer is a table row in a unit test.
public enum HTTPResume: Equatable, Sendable {
    /// Write the body at `offset` (0: start over, the file is truncated); `total` is the
    /// file's size when the server said it.
    case body(offset: Int64, total: Int64?)
    /// Drop what is stored and ask for the whole file again (it changed on the server).
    case restart(String)
    /// The file is complete already (a 416 for a range that starts at its end).
    case complete
    /// Another URL (3xx with a Location).
    case redirect(String)
    /// Try again later: the server is busy or failing (5xx, 408, 429).
    case retry(String)
    /// The server has no such file (404, 410).
    case missing(String)
    /// Trying again cannot help (404, 403, a body that cannot be delimited…).
    case fail(String)

    /// `have`: bytes already stored; `known`: the total an earlier response gave.
    public static func decide(_ head: HTTPResponseHead, have: Int64, known: Int64?) -> HTTPResume {
        let said = "\(head.status) \(head.reason)"
        switch head.status {
        case 200:
            if head.chunked { return .fail("the server sent the file chunked (\(said)); a live image needs its length (Content-Length)") }
            guard let length = head.contentLength else { return .fail("the server gave no Content-Length (\(said))") }
            return .body(offset: 0, total: length)
        case 206:
            guard let range = head.range, let first = range.first, let last = range.last else {
                return .fail("a partial response without a usable Content-Range (\(said))")
            }
            // Another file behind the same URL (a new build): start over.
            if let known, let total = range.total, total != known { return .restart("the file's size changed from \(known) to \(total) bytes") }
            guard first == have else { return .fail("asked for bytes from \(have), the server sent \(first)-\(last)") }
            if let length = head.contentLength, length != last - first + 1 {
                return .fail("Content-Length \(length) does not match Content-Range \(first)-\(last)")
            }
            return .body(offset: have, total: range.total ?? known)
        case 416:
            if let total = head.range?.total, total == have, have > 0 { return .complete }
            return .restart("the server refused the range from byte \(have) (\(said))")
        case 301, 302, 303, 307, 308:
            guard let location = head.location, !location.isEmpty else { return .fail("\(said) without a Location") }
            return .redirect(location)
        case 404, 410:
            return .missing(said)
        case 408, 429, 500...599:
            return .retry(said)
        default:
            return .fail(said)
        }
    }
}
