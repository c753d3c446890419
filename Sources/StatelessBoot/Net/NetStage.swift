import StatelessCore
import StatelessProtocols
import StatelessSystem

/// The net stage (ARCHITECTURE.md): loopback up, `ifname=` renames, the links of each
/// `ip=` step up with carrier, then DHCP (every link with carrier in parallel unless one
/// is named) or the static address, configured through netlink; last the hand-off files
/// for the booted system. Every wait has its dracut bound: `rd.net.timeout.iflink=` for
/// a link to appear, `.carrier=` for carrier, `.dhcp=` for a lease.
final class NetStage {
    package let options: NetOptions
    package let log: Logger
    package let socket: NetlinkSocket
    /// Loads drivers for devices that appear while the stage waits (a virtio NIC is
    /// announced only once virtio_pci has probed); nil when run as an applet beside udev.
    let watcher: DeviceWatcher?
    package init(options: NetOptions, watcher: DeviceWatcher?, log: Logger) throws {
        self.options = options
        self.watcher = watcher
        self.log = log
        socket = try NetlinkSocket()
    }

    static let pollMilliseconds = 50
    /// Links already given their predictable name (or found to keep theirs), by index.
    package var named: Set<Int32> = []
    /// New name → the kernel's: an `ip=` that names a link by its kernel name still means it.
    var renamedFrom: [String: String] = [:]

    /// The DHCP client's RFC 5227 probe of an offered address (true: in use, so it is
    /// declined). A probe that cannot run is a warning, not a failure: the address is
    /// most likely free, and the boot needs the network.
    package func probe(_ interface: String, _ address: IPv4Address) -> Bool {
        let start = Uptime.now()
        do {
            guard let link = try socket.links().first(where: { $0.name == interface }) else { return false }
            let holder = try ARPProbe.conflict(for: address, on: link)
            log.span(TimelineEntry(stage: "net:arp-probe:\(interface)", start: start, end: .now(), outcome: holder == nil ? "ok" : "failed",
                                   detail: "RFC 5227 probe of \(address)"))
            guard let holder else { return false }
            log.warning("net", "\(interface): \(address) from the DHCP server is already used by \(holder) (ARP); declining it")
            return true
        } catch {
            log.warning("net", "\(interface): cannot probe \(address) before using it: \(error)")
            return false
        }
    }

    /// Configures every step; returns what was configured, the boot's own first.
    package func run() throws -> [NetConfiguration] {
        let plan = NetPlan(options)
        log.info("net", "bringing up " + (plan.steps.isEmpty ? "loopback only (ip=off)"
            : plan.steps.map { "\($0.links) (\($0.option.method == .dhcp ? "DHCP" : "static"))" }.joined(separator: ", ")))
        try bringUpLoopback()
        try waitForRenames()
        var configured: [NetConfiguration] = []
        var leases: [LeaseRecord] = []
        for step in plan.steps {
            let links = try waitForLinks(step.links)
            try prepare(links, step.option)
            let configuration = switch step.option.method {
            case .dhcp: try lease(step, links, keep: &leases)
            case .manual(let address, let prefixLength):
                try manual(step.option, try waitForCarrier(links[0]), address, prefixLength)
            }
            try apply(configuration)
            configured.append(configuration)
        }
        try writeHandOff(configured)
        for record in leases { KeeperProcess.start(record, log: log) }
        return configured
    }

    func bringUpLoopback() throws {
        for link in try socket.links() where link.isLoopback && !link.isUp {
            try socket.setLink(link, up: true)  // the kernel adds 127.0.0.1/8 itself
        }
    }

    /// Polls the links until `check` has an answer or `deadline` passes, loading drivers
    /// for devices that appear meanwhile.
    package func poll<T>(
        until deadline: Uptime, progress: (what: String, seconds: Int, option: String)? = nil,
        _ check: ([NetworkLink]) throws -> T?
    ) throws -> T? {
        var waiting = progress.map { WaitProgress(what: $0.what, seconds: $0.seconds, option: $0.option, stage: "net", log: log) }
        return try withoutActuallyEscaping(check) { check in
            var found: T?
            let test = { (_: [Uevent], _: Bool) throws -> Bool in
                found = try check(try self.namedLinks())
                return found != nil
            }
            if let watcher {
                _ = try watcher.wait(until: deadline, progress: waiting, recheckMilliseconds: Self.pollMilliseconds, for: test)
                return found
            }
            while try !test([], false) {
                if Uptime.now() >= deadline { return nil }
                waiting?.tick()
                sleep(milliseconds: min(Self.pollMilliseconds, max(1, deadline.millisecondsLeft())))
            }
            return found
        }
    }

    /// The links, each new one first given the name the booted system's udev would give
    /// it (PredictableName) while it is still down; not those `ifname=` names.
    /// Not beside udev (the `net` applet under dracut): udev names the links there.
    func namedLinks() throws -> [NetworkLink] {
        var links = try socket.links()
        guard options.predictableNames, watcher != nil else { return links }
        var taken = Set(links.map(\.name))
        var renamed = false
        for link in links where !link.isLoopback && !named.contains(link.index) {
            named.insert(link.index)
            guard !link.isUp, !options.renames.contains(where: { $0.mac.bytes == link.mac }),
                  let facts = LinkFacts.read(link.name), let name = PredictableName.name(facts), !taken.contains(name)
            else { continue }
            do {
                try socket.rename(link, to: name)
            } catch {
                log.warning("net", "\(link.name) keeps its name: \(error) (the booted system's udev will try again)")
                continue
            }
            taken.insert(name)
            renamedFrom[name] = link.name
            log.info("net", "renamed \(link.name) (\(link.macText)) to \(name), the name the booted system's udev gives it (net.ifnames=0 keeps \(link.name))")
            renamed = true
        }
        // Listed again for the new names; a link that appeared meanwhile (its driver is
        // still probing the next device) is left for the next look, which names it while
        // it is down: returned now, it would be brought up under the kernel's name.
        if renamed { links = try socket.links().filter { $0.isLoopback || named.contains($0.index) } }
        return links
    }

    package func seconds(_ value: Int) -> Uptime { Uptime.now().adding(milliseconds: value * 1000) }

    func linkList(_ links: [NetworkLink]) -> String {
        let shown = links.filter { !$0.isLoopback }.map { "\($0.name) (\($0.macText)\($0.hasCarrier ? ", carrier" : ""))" }
        return shown.isEmpty ? "none" : shown.joined(separator: ", ")
    }

    /// `ifname=<name>:<mac>`: each link gets its name while still down. A link already
    /// holding the name steps aside to `rename<index>`, as udev does.
    func waitForRenames() throws {
        guard !options.renames.isEmpty else { return }
        let done = try poll(until: seconds(options.linkTimeoutSeconds),
                            progress: ("the links ifname= names", options.linkTimeoutSeconds, "rd.net.timeout.iflink=")) { links -> Bool? in
            var missing = false
            for rename in options.renames {
                guard let link = links.first(where: { $0.mac == rename.mac.bytes }) else { missing = true; continue }
                guard link.name != rename.name else { continue }
                if let holder = links.first(where: { $0.name == rename.name }) {
                    try socket.setLink(holder, up: false)
                    try socket.rename(holder, to: "rename\(holder.index)")
                }
                try socket.setLink(link, up: false)
                try socket.rename(link, to: rename.name)
                log.info("net", "renamed \(link.name) (\(link.macText)) to \(rename.name) (ifname=)")
                return nil  // list again: names changed
            }
            return missing ? nil : true
        }
        guard done != nil else {
            let links = (try? socket.links()) ?? []
            let missing = options.renames.filter { rename in !links.contains { $0.mac == rename.mac.bytes } }
            throw BootError("wait for network link", missing.map { "\($0.name) (\($0.mac))" }.joined(separator: ", "),
                            detail: "no link with that MAC address within \(options.linkTimeoutSeconds) s; links present: \(linkList(links))",
                            option: "rd.net.timeout.iflink=")
        }
    }

    func waitForLinks(_ wanted: NetPlan.Links) throws -> [NetworkLink] {
        let found = try poll(until: seconds(options.linkTimeoutSeconds), progress: ("network link \(wanted)", options.linkTimeoutSeconds, "rd.net.timeout.iflink=")) { links in
            try NetPlan.resolve(wanted, among: links, kernelNames: self.renamedFrom)
        }
        if let found {
            if case .named(let name) = wanted, let link = found.first, link.name != name {
                log.notice("net", "ip= names \(name), the kernel's name of \(link.name) (\(link.macText)): configuring \(link.name), "
                           + "the name the booted system's udev gives it (net.ifnames=0 keeps \(name))")
            }
            return found
        }
        throw BootError("wait for network link", wanted.description,
                        detail: "none appeared within \(options.linkTimeoutSeconds) s; links present: \(linkList((try? socket.links()) ?? [])) "
                            + "(named by \(wanted.option))",
                        option: "rd.net.timeout.iflink=")
    }

    /// dracut's `<macaddr>` and `<mtu>` (set while down), then up.
    /// A `<macaddr>` only for a step on one named link: one address on several links
    /// would clash.
    package func prepare(_ links: [NetworkLink], _ option: IPOption) throws {
        for link in links {
            var up = link.isUp
            if let mac = option.macAddress, links.count == 1, link.mac != mac.bytes {
                if up { try socket.setLink(link, up: false) }
                up = false
                try socket.setMAC(link, mac)
            }
            if let mtu = option.mtu, link.mtu != UInt32(mtu) { try socket.setMTU(link, UInt32(mtu)) }
            if !up { try socket.setLink(link, up: true) }
        }
    }

    func waitForCarrier(_ link: NetworkLink) throws -> NetworkLink {
        let found = try poll(until: seconds(options.carrierTimeoutSeconds),
                             progress: ("carrier on \(link.name)", options.carrierTimeoutSeconds, "rd.net.timeout.carrier=")) { links in
            links.first { $0.index == link.index && $0.hasCarrier }
        }
        guard let found else {
            throw BootError("wait for carrier on", link.name,
                            detail: "the link is up but has no carrier after \(options.carrierTimeoutSeconds) s (is the cable in, the switch port on?)",
                            option: "rd.net.timeout.carrier=")
        }
        return found
    }
}
