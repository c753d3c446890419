import CLinux
import Glibc
import StatelessCore
import StatelessProtocols

/// RFC 5227 address conflict detection, so that a DHCP client can DECLINE an offered
/// address that another host already uses (RFC 2131 2.2 asks the client to check).
///
/// The socket is AF_PACKET SOCK_RAW rather than SOCK_DGRAM: the frames it sends and
/// receives are whole Ethernet frames, so `ARPPacket` writes and judges exactly the bytes
/// on the wire (its tests compare them), and the broadcast destination lives in the frame
/// instead of a link-layer address on every send.
public enum ARPProbe {
    /// ARP over Ethernet is 60 bytes with padding; a longer frame is cut short on
    /// receive, which the codec, reading the first 42, does not mind.
    static let receiveBufferSize = 256

    /// Sends `probes` probes for `address` on `link`, `intervalMilliseconds` apart, listens
    /// throughout and `listenMilliseconds` after the last, and returns the hardware
    /// address of the first host that uses or probes for `address`, or nil.
    ///
    /// The RFC's timings (a random wait of up to 1 s, probes 1–2 s apart, 2 s after the
    /// last: 4–8 s) are shortened on purpose: they would stall every boot for seconds,
    /// while a host that holds the address answers within milliseconds on the LAN a
    /// machine boots from; several probes still cover a lost frame. The random initial
    /// wait is left out too: a DHCP server hands different hosts different addresses, so
    /// simultaneous probes for one address are not the case to slow every boot for.
    public static func conflict(
        for address: IPv4Address, on link: NetworkLink, probes: Int = 3,
        intervalMilliseconds: Int = 200, listenMilliseconds: Int = 200
    ) throws -> MACAddress? {
        let object = "\(address) on \(link.name)"
        guard let mac = MACAddress(bytes: link.mac) else {
            throw BootError("probe for", object, detail: "the link has no Ethernet address (found \(link.mac.count) bytes)")
        }
        let fd = try openSocket(on: link)
        defer { close(fd) }
        let frame = ARPPacket.probe(for: address, from: mac)
        let count = max(1, probes)
        for probe in 1...count {
            let sent = frame.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard sent == frame.count else {
                throw BootError("send ARP probe for", object, errno: sent < 0 ? Posix.lastErrno : nil,
                                detail: sent < 0 ? nil : "only \(sent) of \(frame.count) bytes went out")
            }
            let wait = probe == count ? listenMilliseconds : intervalMilliseconds
            if let sender = try listen(fd, until: Uptime.now().adding(milliseconds: wait), for: address, as: mac, object) {
                return sender
            }
        }
        return nil
    }

    /// Protocol 0 at socket(2), so that nothing is queued until bind(2) narrows the
    /// socket to ARP on this one link (an unbound packet socket hears every interface).
    private static func openSocket(on link: NetworkLink) throws -> CInt {
        let fd = socket(AF_PACKET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw BootError("open", "ARP socket for \(link.name)", errno: Posix.lastErrno) }
        var address = sockaddr_ll()
        address.sll_family = UInt16(AF_PACKET)
        address.sll_protocol = UInt16(ETH_P_ARP).bigEndian
        address.sll_ifindex = link.index
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_ll>.size)) }
        }
        guard bound == 0 else {
            let error = Posix.lastErrno
            close(fd)
            throw BootError("bind ARP socket to", "\(link.name) (index \(link.index))", errno: error)
        }
        return fd
    }

    /// Reads every frame until `deadline`; the sender of the first conflict, or nil.
    private static func listen(
        _ fd: CInt, until deadline: Uptime, for address: IPv4Address, as mac: MACAddress, _ object: String
    ) throws -> MACAddress? {
        var buffer = [UInt8](repeating: 0, count: receiveBufferSize)
        while case let left = deadline.millisecondsLeft(), left > 0 {
            do { _ = try Poll.readable(fd, milliseconds: left) } catch {
                throw BootError("wait for ARP replies for", object, errno: error)
            }
            // Until the queue is empty or the deadline passes: an ARP storm cannot hold the boot.
            while deadline.millisecondsLeft() > 0 {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count < 0 && errno == EINTR { continue }
                if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { break }
                guard count >= 0 else { throw BootError("receive ARP frames for", object, errno: Posix.lastErrno) }
                if case .conflict(let sender) = ARPPacket.verdict(on: Array(buffer[..<count]), probing: address, ourMAC: mac) {
                    return sender
                }
            }
        }
        return nil
    }
}
