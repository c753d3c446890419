@testable import StatelessCore
@testable import StatelessProtocols
import DHCPFixtures
import XCTest

/// The client state machine, step by step with literal times. Its generator is
/// scripted: the first values become transaction ids, then every draw is 2⁶³, which
/// `Int.random(in: -1000...1000)` maps to a jitter of exactly 0 — so the expected timers
/// are the RFC's numbers. The jitter itself is tested with seeded generators.
final class DHCPClientTests: XCTestCase {
    enum Input {
        case start, timer, free, inUse, release
        case offer, ack, nak, rapidAck
        case ackWith(lease: UInt32, server: IPv4Address)
    }

    /// Runs (time, input, expected actions) rows; replies carry the client's current xid.
    func run(_ client: inout DHCPClient, _ rows: [(Double, Input, [String])], file: StaticString = #filePath, line: UInt = #line) {
        for (seconds, input, expected) in rows {
            let event: DHCPClient.Event = switch input {
            case .start: .start
            case .timer: .timer
            case .free: .addressFree
            case .inUse: .addressInUse
            case .release: .release
            case .offer: .received(DHCPFixtures.offer(xid: client.xid).encoded())
            case .ack: .received(DHCPFixtures.ack(xid: client.xid).encoded())
            case .nak: .received(DHCPFixtures.nak(xid: client.xid).encoded())
            case .rapidAck: .received(DHCPFixtures.rapidAck(xid: client.xid).encoded())
            case .ackWith(let lease, let server): .received(DHCPFixtures.ack(xid: client.xid, lease: lease, server: server).encoded())
            }
            let actions = client.handle(event, at: DHCPFixtures.time(seconds)).map(DHCPFixtures.describe)
            XCTAssertEqual(actions, expected, "at \(seconds) s, \(input)", file: file, line: line)
        }
    }

    func testHappyPathWithRenewal() throws {
        var client = DHCPFixtures.client()
        run(&client, [
            (10, .start, ["broadcast DISCOVER", "timer 14.000"]),
            (10.5, .offer, ["broadcast REQUEST for 192.168.1.50 to 192.168.1.1", "timer 14.500"]),
            (10.6, .ack, ["probe 192.168.1.50", "timer 40.000"]),
            (12, .free, ["configure 192.168.1.50/24", "timer 1810.500"]), // T1 from the REQUEST
            (1000, .timer, []), // not due yet
            (1810.5, .timer, ["unicast REQUEST of 192.168.1.50 to 192.168.1.1", "timer 2485.500"]), // half of T2−T1
            (1811, .ack, ["configure 192.168.1.50/24", "timer 3610.500"]),
        ])
        XCTAssertEqual(client.state, .bound)
        XCTAssertEqual(client.lease?.expiresAt, DHCPFixtures.time(5410.5))
    }

    /// RFC 4039: an ACK with Rapid Commit answers the DISCOVER; no REQUEST follows, the
    /// probe still runs, and the lease counts from the first DISCOVER.
    func testRapidCommitSkipsTheRequest() throws {
        var client = DHCPFixtures.client()
        run(&client, [
            (10, .start, ["broadcast DISCOVER", "timer 14.000"]),
            (14, .timer, ["broadcast DISCOVER", "timer 22.000"]),
            (14.2, .rapidAck, ["probe 192.168.1.50", "timer 40.000"]),
            (15, .free, ["configure 192.168.1.50/24", "timer 1810.000"]), // T1 from the first DISCOVER
        ])
        XCTAssertEqual(client.state, .bound)
        XCTAssertEqual(client.lease?.expiresAt, DHCPFixtures.time(3610))
    }

    /// An ACK before any REQUEST without Rapid Commit is no lease: a server that did not
    /// commit one, or a reply to someone else's exchange.
    func testAnACKWithoutRapidCommitWhileSelectingIsIgnored() {
        var client = DHCPFixtures.client()
        run(&client, [
            (0, .start, ["broadcast DISCOVER", "timer 4.000"]),
            (0.5, .ack, []),
            (1, .offer, ["broadcast REQUEST for 192.168.1.50 to 192.168.1.1", "timer 5.000"]),
        ])
        XCTAssertEqual(client.state, .requesting)
    }

    func testPacketsFollowTable5() throws {
        var client = DHCPFixtures.client()
        let discover = try XCTUnwrap(DHCPFixtures.sent(client.handle(.start, at: DHCPFixtures.time(0))))
        XCTAssertEqual(discover, DHCPCodecTests.discover, "the golden DISCOVER")
        let request = try XCTUnwrap(DHCPFixtures.sent(client.handle(.received(DHCPFixtures.offer(xid: client.xid).encoded()), at: DHCPFixtures.time(3))))
        XCTAssertEqual(request.xid, discover.xid)
        XCTAssertEqual(request.secs, 3)
        XCTAssertEqual(request.flags, .broadcast)
        XCTAssertEqual(request.ciaddr, .any)
        XCTAssertEqual(request[.requestedAddress], .requestedAddress(DHCPFixtures.address))
        XCTAssertEqual(request.serverIdentifier, DHCPFixtures.server)
        _ = client.handle(.received(DHCPFixtures.ack(xid: client.xid).encoded()), at: DHCPFixtures.time(3.1))
        _ = client.handle(.addressFree, at: DHCPFixtures.time(4))
        let renewal = try XCTUnwrap(DHCPFixtures.sent(client.handle(.timer, at: DHCPFixtures.time(1803))))
        XCTAssertNotEqual(renewal.xid, discover.xid)
        XCTAssertEqual(renewal.ciaddr, DHCPFixtures.address)
        XCTAssertEqual(renewal.flags, [])
        XCTAssertNil(renewal[.requestedAddress])
        XCTAssertNil(renewal.serverIdentifier)
        let release = try XCTUnwrap(DHCPFixtures.sent(client.handle(.release, at: DHCPFixtures.time(1804))))
        XCTAssertEqual(release.ciaddr, DHCPFixtures.address)
        XCTAssertEqual(release.options, [.messageType(.release), .serverIdentifier(DHCPFixtures.server), .clientIdentifier([1] + DHCPFixtures.mac)])
        XCTAssertEqual(client.state, .stopped)
    }


    func testNoAnswerBacksOffThenGivesUp() {
        var client = DHCPFixtures.client()
        run(&client, [
            (0, .start, ["broadcast DISCOVER", "timer 4.000"]),
            (4, .timer, ["broadcast DISCOVER", "timer 12.000"]),
            (12, .timer, ["broadcast DISCOVER", "timer 28.000"]),
            (28, .timer, ["broadcast DISCOVER", "timer 30.000"]), // 16 s would pass the bound
            (30, .timer, ["give up: no lease within 30 s, waiting for an OFFER: sent 4 DISCOVER; received nothing"]),
            (31, .timer, []),
        ])
        XCTAssertEqual(client.state, .stopped)
    }

    /// 4, 8, 16, 32, 64, 64… s, each within ±1 s; two clients seeded differently do not
    /// retransmit in lockstep.
    func testBackoffJitterStaysWithinOneSecond() {
        var schedules: [[UInt64]] = []
        for seed: UInt64 in [1, 2, 3, 4] {
            var client = DHCPFixtures.client(timeout: 1000, random: FuzzTests.SeededGenerator(state: seed))
            var now = DHCPFixtures.time(0)
            var actions = client.handle(.start, at: now)
            var intervals: [UInt64] = []
            for base: UInt64 in [4, 8, 16, 32, 64, 64, 64] {
                guard case .setTimer(let due)? = actions.last else { return XCTFail("no timer after \(actions)") }
                let interval = due.nanoseconds - now.nanoseconds
                XCTAssertTrue((base - 1) * 1_000_000_000...(base + 1) * 1_000_000_000 ~= interval, "\(interval) for \(base) s")
                intervals.append(interval)
                now = due
                actions = client.handle(.timer, at: now)
            }
            schedules.append(intervals)
        }
        XCTAssertEqual(Set(schedules).count, schedules.count, "every seed retransmits at its own times")
    }

    func testNAKLoopRestartsWithGrowingDelayUntilTheBound() {
        var client = DHCPFixtures.client()
        run(&client, [
            (0, .start, ["broadcast DISCOVER", "timer 4.000"]),
            (0.1, .offer, ["broadcast REQUEST for 192.168.1.50 to 192.168.1.1", "timer 4.100"]),
            (0.2, .nak, ["timer 2.200"]),
            (2.2, .timer, ["broadcast DISCOVER", "timer 6.200"]),
            (2.3, .offer, ["broadcast REQUEST for 192.168.1.50 to 192.168.1.1", "timer 6.300"]),
            (2.4, .nak, ["timer 6.400"]),
            (6.4, .timer, ["broadcast DISCOVER", "timer 10.400"]),
            (6.5, .offer, ["broadcast REQUEST for 192.168.1.50 to 192.168.1.1", "timer 10.500"]),
            (6.6, .nak, ["timer 14.600"]),
            (14.6, .timer, ["broadcast DISCOVER", "timer 18.600"]),
            (14.7, .offer, ["broadcast REQUEST for 192.168.1.50 to 192.168.1.1", "timer 18.700"]),
            (14.8, .nak, ["timer 30.000"]),
            (30, .timer, ["give up: no lease within 30 s, waiting for the pause after a NAK or DECLINE to end: "
                + "sent 4 DISCOVER, 4 REQUEST for 192.168.1.50 to 192.168.1.1; "
                + "received 4 OFFER 192.168.1.50 from 192.168.1.1, 4 NAK from 192.168.1.1 (\"wrong network\")"]),
        ])
    }

    func testDeclineWhenTheAddressIsInUse() throws {
        var client = DHCPFixtures.client()
        run(&client, [
            (0, .start, ["broadcast DISCOVER", "timer 4.000"]),
            (0.1, .offer, ["broadcast REQUEST for 192.168.1.50 to 192.168.1.1", "timer 4.100"]),
            (0.2, .ack, ["probe 192.168.1.50", "timer 30.000"]),
            (1.5, .inUse, ["broadcast DECLINE for 192.168.1.50 to 192.168.1.1", "timer 12.500"]), // ≥ 10 s
            (5, .ack, []), // no exchange open: not even decoded
            (12.5, .timer, ["broadcast DISCOVER", "timer 16.500"]),
        ])
        XCTAssertNil(client.lease)
        XCTAssertEqual(client.sent.description,
                       "2 DISCOVER, 1 REQUEST for 192.168.1.50 to 192.168.1.1, 1 DECLINE for 192.168.1.50 to 192.168.1.1")
    }

    func testProbeWithoutAnswerEndsAtTheBound() {
        var client = DHCPFixtures.client()
        run(&client, [
            (0, .start, ["broadcast DISCOVER", "timer 4.000"]),
            (0.1, .offer, ["broadcast REQUEST for 192.168.1.50 to 192.168.1.1", "timer 4.100"]),
            (0.2, .ack, ["probe 192.168.1.50", "timer 30.000"]),
            (30, .timer, ["give up: no lease within 30 s, waiting for the ARP probe of 192.168.1.50: "
                + "sent 1 DISCOVER, 1 REQUEST for 192.168.1.50 to 192.168.1.1; "
                + "received 1 OFFER 192.168.1.50 from 192.168.1.1, 1 ACK 192.168.1.50 from 192.168.1.1"]),
        ])
    }

    func testRequestWithoutAnswerStartsOver() {
        var client = DHCPFixtures.client(timeout: 100)
        run(&client, [
            (0, .start, ["broadcast DISCOVER", "timer 4.000"]),
            (0.1, .offer, ["broadcast REQUEST for 192.168.1.50 to 192.168.1.1", "timer 4.100"]),
            (4.1, .timer, ["broadcast REQUEST for 192.168.1.50 to 192.168.1.1", "timer 12.100"]),
            (12.1, .timer, ["broadcast REQUEST for 192.168.1.50 to 192.168.1.1", "timer 28.100"]),
            (28.1, .timer, ["broadcast REQUEST for 192.168.1.50 to 192.168.1.1", "timer 60.100"]),
            (60.1, .timer, ["broadcast DISCOVER", "timer 64.100"]),
        ])
    }

    /// A 2-minute lease: T1 60 s, T2 105 s, expiry 120 s, counted from the REQUEST.
    func testRenewRebindAndExpire() {
        var client = DHCPFixtures.client(timeout: 30)
        run(&client, [
            (0, .start, ["broadcast DISCOVER", "timer 4.000"]),
            (0.1, .offer, ["broadcast REQUEST for 192.168.1.50 to 192.168.1.1", "timer 4.100"]),
            (0.2, .ackWith(lease: 120, server: DHCPFixtures.server), ["probe 192.168.1.50", "timer 30.000"]),
            (1, .free, ["configure 192.168.1.50/24", "timer 60.100"]),
            (60.1, .timer, ["unicast REQUEST of 192.168.1.50 to 192.168.1.1", "timer 105.100"]), // at least 60 s, not past T2
            (105.1, .timer, ["broadcast REQUEST of 192.168.1.50 by broadcast", "timer 120.100"]),
            (120.1, .timer, ["unconfigure 192.168.1.50", "broadcast DISCOVER", "timer 124.100"]),
        ])
        XCTAssertEqual(client.state, .selecting)
        // A new acquisition with a bound of its own, from the expiry.
        run(&client, [
            (124.1, .timer, ["broadcast DISCOVER", "timer 132.100"]),
            (132.1, .timer, ["broadcast DISCOVER", "timer 148.100"]),
            (148.1, .timer, ["broadcast DISCOVER", "timer 150.100"]),
            (150.1, .timer, ["give up: no lease within 30 s, waiting for an OFFER: sent 4 DISCOVER; received nothing"]),
        ])
    }

    func testRebindingAcceptsAnotherServerAndNAKDropsTheLease() {
        var client = DHCPFixtures.client()
        let other = IPv4Address(192, 168, 1, 2)
        run(&client, [
            (0, .start, ["broadcast DISCOVER", "timer 4.000"]),
            (0, .offer, ["broadcast REQUEST for 192.168.1.50 to 192.168.1.1", "timer 4.000"]),
            (0, .ackWith(lease: 120, server: DHCPFixtures.server), ["probe 192.168.1.50", "timer 30.000"]),
            (1, .free, ["configure 192.168.1.50/24", "timer 60.000"]),
            (60, .timer, ["unicast REQUEST of 192.168.1.50 to 192.168.1.1", "timer 105.000"]),
            (105, .timer, ["broadcast REQUEST of 192.168.1.50 by broadcast", "timer 120.000"]),
            // The renewed lease counts from the first REQUEST of the renewal, at 60 s.
            (106, .ackWith(lease: 120, server: other), ["configure 192.168.1.50/24", "timer 120.000"]),
            (120, .timer, ["unicast REQUEST of 192.168.1.50 to 192.168.1.2", "timer 165.000"]),
            (121, .nak, ["unconfigure 192.168.1.50", "timer 123.000"]),
            (123, .timer, ["broadcast DISCOVER", "timer 127.000"]),
        ])
    }

    func testLeaseTimesAreSane() throws {
        func lease(_ options: [DHCPOption]) throws -> DHCPLease {
            try XCTUnwrap(DHCPLease(ack: DHCPFixtures.reply(.ack, xid: 1, options: options), server: DHCPFixtures.server, start: DHCPFixtures.time(0)))
        }
        let swapped = try lease([.leaseTime(3600), .renewalTime(3000), .rebindingTime(2000)])
        XCTAssertEqual([swapped.renewalTime, swapped.rebindingTime], [1800, 2000])
        let tooLong = try lease([.leaseTime(3600), .renewalTime(100), .rebindingTime(3600)])
        XCTAssertEqual([tooLong.renewalTime, tooLong.rebindingTime], [100, 3150])
        let zero = try lease([.leaseTime(0)])
        XCTAssertEqual([zero.renewalTime, zero.rebindingTime, zero.leaseTime], [30, 53, 60])
        let infinite = try lease([.leaseTime(DHCPLease.infinite), .routers([DHCPFixtures.server])])
        XCTAssertTrue(infinite.isInfinite)
        XCTAssertNil(infinite.renewalAt)
        XCTAssertEqual(infinite.routes, [DHCPRoute(destination: .any, prefixLength: 0, router: DHCPFixtures.server)])
        XCTAssertEqual(infinite.prefixLength, 24, "class C without a subnet mask")
        XCTAssertNil(DHCPLease(ack: DHCPFixtures.reply(.ack, xid: 1), server: DHCPFixtures.server, start: DHCPFixtures.time(0)), "no lease time")

        var client = DHCPFixtures.client()
        run(&client, [
            (0, .start, ["broadcast DISCOVER", "timer 4.000"]),
            (0, .offer, ["broadcast REQUEST for 192.168.1.50 to 192.168.1.1", "timer 4.000"]),
            (0, .ackWith(lease: DHCPLease.infinite, server: DHCPFixtures.server), ["probe 192.168.1.50", "timer 30.000"]),
            (1, .free, ["configure 192.168.1.50/24"]), // nothing to renew
            (30, .timer, []),
        ])
    }

    func testUnusableRepliesAreRecorded() {
        var client = DHCPFixtures.client()
        _ = client.handle(.start, at: DHCPFixtures.time(0))
        var anonymous = DHCPFixtures.offer(xid: client.xid)
        anonymous.options = [.messageType(.offer)]
        XCTAssertEqual(client.handle(.received(anonymous.encoded()), at: DHCPFixtures.time(1)), [])
        XCTAssertEqual(client.handle(.received(DHCPFixtures.ack(xid: client.xid).encoded()), at: DHCPFixtures.time(1)), [])
        _ = client.handle(.received(DHCPFixtures.offer(xid: client.xid).encoded()), at: DHCPFixtures.time(1))
        let stranger = IPv4Address(10, 9, 9, 9)
        XCTAssertEqual(client.handle(.received(DHCPFixtures.ack(xid: client.xid, server: stranger).encoded()), at: DHCPFixtures.time(2)), [])
        XCTAssertEqual(client.handle(.received(DHCPFixtures.reply(.ack, xid: client.xid).encoded()), at: DHCPFixtures.time(2)), [])
        XCTAssertEqual(client.state, .requesting)
        XCTAssertEqual(client.received.description, "1 OFFER 192.168.1.50 (ignored: no address or no server identifier), "
            + "1 ACK 192.168.1.50 from 192.168.1.1 (ignored: an ACK without Rapid Commit or server identifier before any REQUEST), 1 OFFER 192.168.1.50 from 192.168.1.1, "
            + "1 ACK 192.168.1.50 from 10.9.9.9 (ignored: not the server we asked), "
            + "1 ACK 192.168.1.50 from 192.168.1.1 (ignored: no address or no lease time)")
    }

    func testReleaseBeforeALeaseOnlyStops() {
        var client = DHCPFixtures.client()
        run(&client, [
            (0, .start, ["broadcast DISCOVER", "timer 4.000"]),
            (1, .release, []),
            (4, .timer, []),
            (5, .start, ["broadcast DISCOVER", "timer 9.000"]),
            (6, .start, []), // already running
        ])
    }
}
