import StatelessCore
import StatelessProtocols
import StatelessSystem

/// DHCP on several links at once, in one poll loop: the first lease wins, the other
/// sessions stop and a lease one of them already holds is released, so no server keeps an
/// address for a link that will not use it. A 16-port server takes as long as its fastest
/// answering port, not the sum of their timeouts.
///
/// Links may join while the race runs (a link whose carrier comes up late): `newLinks`
/// is asked every `joinIntervalMilliseconds` until `joinUntil`.
struct DHCPRace {
    package var sessions: [DHCPSession] = []
    /// Links that came up late but could not take part (no socket on them).
    var joinFailures: [(String, Error)] = []
    package var random: any RandomNumberGenerator
    /// Answers the client's RFC 5227 probe: true when the address is in use.
    package var probe: (String, IPv4Address) -> Bool = { _, _ in false }

    static let joinIntervalMilliseconds = 250

    package init(random: some RandomNumberGenerator = SystemRandomNumberGenerator()) {
        self.random = random
    }

    /// Starts a client on `interface` (sends its DISCOVER). A link that cannot take part
    /// (no socket, a refused send) is recorded for the failure line; the others go on.
    package mutating func join(_ interface: String, _ configuration: DHCPClient.Configuration) {
        let session: DHCPSession
        do {
            session = try DHCPSession(interface: interface, configuration: configuration, random: SplitRandom(&random))
        } catch {
            joinFailures.append((interface, error))
            return
        }
        sessions.append(session)
        do { try session.handle(.start, probe: probe) } catch { session.brokenBy = error }
    }

    /// Runs until one session holds a lease, every session has given up, or `deadline`.
    /// Throws one line naming every interface that was tried, what it sent and what came back.
    /// `progress` prints the `still waiting` lines (checked at least once a second).
    package mutating func run(
        until deadline: Uptime, joinUntil: Uptime? = nil, progress: WaitProgress? = nil,
        newLinks: () throws -> [(String, DHCPClient.Configuration)] = { [] }
    ) throws -> (interface: String, lease: DHCPLease) {
        var progress = progress
        var nextJoin = Uptime.now()
        while true {
            if let winner = sessions.first(where: { $0.lease != nil }), let lease = winner.lease {
                for other in sessions where other !== winner { other.release() }
                return (winner.interface, lease)
            }
            let now = Uptime.now()
            let joining = joinUntil.map { now < $0 } ?? false
            if joining, now >= nextJoin {
                for (interface, configuration) in try newLinks() { join(interface, configuration) }
                nextJoin = now.adding(milliseconds: Self.joinIntervalMilliseconds)
            }
            let running = sessions.filter(\.isRunning)
            if now >= deadline || (running.isEmpty && !joining) {
                running.forEach { $0.giveUp() }
                throw failure()
            }
            var wake = running.compactMap(\.timer).min() ?? deadline
            wake = min(wake, deadline)
            if joining { wake = min(wake, nextJoin) }
            if progress != nil { wake = min(wake, now.adding(milliseconds: 1000)) }
            progress?.tick(now: now)
            _ = DHCPSocket.waitForAny(running.map(\.socket), milliseconds: wake.millisecondsLeft(from: now))
            for session in running {
                do { try session.handleReadyInput(probe: probe) } catch { session.brokenBy = error }
            }
        }
    }

    package func failure() -> BootError {
        if sessions.count == 1, let session = sessions.first {
            if let broken = session.brokenBy { return broken as? BootError ?? BootError("get a DHCP lease on", session.interface, detail: "\(broken)") }
            if let reason = session.failure { return DHCPSession.error(session.interface, reason) }
        }
        let failed = sessions.compactMap { session in
            (session.failure.map(\.description) ?? session.brokenBy.map { "\($0)" }).map { (session.interface, $0) }
        } + joinFailures.map { ($0.0, "\($0.1)") }
        let names = failed.map(\.0).joined(separator: ", ")
        return BootError("get a DHCP lease on", failed.isEmpty ? "any link" : "any of \(names)",
                         detail: failed.map { "\($0.0): \($0.1)" }.joined(separator: "; "), option: "rd.net.timeout.dhcp=")
    }
}
