/// The byte ranges to ask a server for, given the chunks a file still misses: adjacent
/// chunks become one range, so a changed file spanning many chunks costs one request.
public enum ChunkRanges {
    /// `chunks` as (start, length) in file order; the result as closed byte ranges, the
    /// form of an HTTP `Range: bytes=first-last`.
    public static func merge(_ chunks: [(start: UInt64, length: UInt64)]) -> [ClosedRange<Int64>] {
        var ranges: [ClosedRange<Int64>] = []
        for chunk in chunks.sorted(by: { $0.start < $1.start }) where chunk.length > 0 {
            let first = Int64(chunk.start), last = Int64(chunk.start + chunk.length) - 1
            if let previous = ranges.last, previous.upperBound + 1 >= first {
                ranges[ranges.count - 1] = previous.lowerBound...max(previous.upperBound, last)
            } else {
                ranges.append(first...last)
            }
        }
        return ranges
    }
}
