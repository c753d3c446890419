import StatelessCore

/// Counts of what the client sent or got back, by a one-line description, in the order
/// first seen — the "what was sent, what came back" of a failure line.
public struct DHCPTally: Equatable, Sendable, CustomStringConvertible {
    public struct Entry: Equatable, Sendable {
        public var what: String
        public var count: Int
    }

    /// Distinct descriptions kept; later ones are counted as "other". A hostile network
    /// can send endless different garbage, and this record lives as long as a lease.
    package static let limit = 8

    public private(set) var entries: [Entry] = []

    package mutating func add(_ what: String) {
        let key = entries.count < Self.limit || entries.contains { $0.what == what } ? what : "other packets"
        if let index = entries.firstIndex(where: { $0.what == key }) {
            entries[index].count += 1
        } else {
            entries.append(Entry(what: key, count: 1))
        }
    }

    public var description: String {
        entries.isEmpty ? "nothing" : entries.map { "\($0.count) \($0.what)" }.joined(separator: ", ")
    }
}

/// Why the client gave up: the bound it reached, the step it was waiting for, and the
/// exchange so far. The driver prefixes the interface and the option that sets the bound.
public struct DHCPFailure: Equatable, Sendable, CustomStringConvertible {
    public var seconds: Int
    public var waitingFor: String
    public var sent: DHCPTally
    public var received: DHCPTally

    public var description: String {
        "no lease within \(seconds) s, waiting for \(waitingFor): sent \(sent); received \(received)"
    }
}
