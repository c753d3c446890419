import StatelessCore
import StatelessProtocols
import StatelessSystem

/// Getting a configuration (a lease, or `ip=`'s address) and putting it on the link.
extension NetStage {
    /// DHCP on the step's links. A named link (or BOOTIF's) waits for its carrier. With
    /// none named, every Ethernet link takes part, also one whose driver binds late: each
    /// is brought up when first seen and joins the race when its carrier comes up, until
    /// the carrier bound; the first lease wins. Links that lost and were down are set down
    /// again.
    package func lease(_ step: NetPlan.Step, _ links: [NetworkLink], keep: inout [LeaseRecord]) throws -> NetConfiguration {
        var race = DHCPRace()
        race.probe = { [unowned self] in probe($0, $1) }
        let carrierDeadline = seconds(options.carrierTimeoutSeconds)
        var wasDown = Set(links.filter { !$0.isUp }.map(\.index))
        var tried: Set<Int32> = []
        let every: Bool = if case .everyWithCarrier = step.links { true } else { false }
        /// Every Ethernet link now (bringing up those seen for the first time), or the named one.
        func candidates(_ present: [NetworkLink]) throws -> [NetworkLink] {
            guard every else { return present.filter { link in links.contains { $0.index == link.index } } }
            let ethernet = present.filter { !$0.isLoopback && $0.mac.count == 6 }
            for link in ethernet where !link.isUp && !wasDown.contains(link.index) && !links.contains(where: { $0.index == link.index }) {
                wasDown.insert(link.index)
                try prepare([link], step.option)
            }
            return ethernet
        }
        func newlyUp(_ present: [NetworkLink]) throws -> [NetworkLink] {
            let up = try candidates(present).filter { $0.hasCarrier && !tried.contains($0.index) }
            tried.formUnion(up.map(\.index))
            return up
        }
        if every {
            let first = try poll(until: carrierDeadline,
                                 progress: ("carrier on any network link", options.carrierTimeoutSeconds, "rd.net.timeout.carrier=")) { now in
                let up = try newlyUp(now)
                return up.isEmpty ? nil : up
            }
            guard let first else {
                let present = (try? socket.links()) ?? []
                throw BootError("wait for carrier on", "any of \((try candidates(present)).map(\.name).joined(separator: ", "))",
                                detail: "no link has carrier after \(options.carrierTimeoutSeconds) s; links present: " + linkList(present),
                                option: "rd.net.timeout.carrier=")
            }
            for link in first { race.join(link.name, clientConfiguration(link, step.option)) }
        } else {
            guard links[0].mac.count == 6 else {
                throw BootError("run DHCP on", links[0].name, detail: "not an Ethernet link (hardware address \(links[0].macText))",
                                option: step.links.option)
            }
            let link = try waitForCarrier(links[0])
            race.join(link.name, clientConfiguration(link, step.option))
        }
        log.info("net", "DHCP on \(race.sessions.map(\.interface).joined(separator: ", "))")
        let started = Uptime.now()
        let progress = WaitProgress(what: "a DHCP lease", seconds: options.dhcpTimeoutSeconds, option: "rd.net.timeout.dhcp=", stage: "net", log: log)
        let won: (String, DHCPLease)
        do {
            won = try race.run(until: seconds(options.dhcpTimeoutSeconds), joinUntil: every ? carrierDeadline : nil, progress: progress) {
                watcher?.handlePending()
                let late = try newlyUp(try namedLinks())
                if !late.isEmpty { log.info("net", "DHCP also on \(late.map(\.name).joined(separator: ", ")) (carrier came up)") }
                return late.map { ($0.name, clientConfiguration($0, step.option)) }
            }
        } catch {
            progress.record("failed")
            throw error
        }
        let (interface, lease) = won
        log.span(TimelineEntry(stage: "net:dhcp:\(interface)", start: started, end: .now(), outcome: "ok",
                               detail: "lease \(lease.address) from \(lease.serverIdentifier)\(lease.isRapidCommit ? ", rapid commit" : "")"))
        let present = try socket.links()
        for link in present where link.name != interface && wasDown.contains(link.index) && link.isUp {
            try? socket.setLink(link, up: false)
        }
        guard let link = present.first(where: { $0.name == interface }), let mac = MACAddress(bytes: link.mac) else {
            throw BootError("configure", interface, detail: "the link went away after its DHCP lease")
        }
        log.info("net", "\(interface): lease \(lease.address)/\(lease.prefixLength) from \(lease.serverIdentifier) "
            + "for \(lease.isInfinite ? "ever" : "\(lease.leaseTime) s")\(lease.isRapidCommit ? " (rapid commit)" : "") after \(seconds(since: started)) s")
        let client = clientConfiguration(link, step.option)
        if !lease.isInfinite { keep.append(LeaseRecord(interface: interface, index: link.index, lease: lease, configuration: client)) }
        return configuration(lease, on: link, mac: mac, step.option, clientIdentifier: client.clientIdentifier)
    }

    package func seconds(since start: Uptime) -> String {
        Uptime(nanoseconds: Uptime.now().nanoseconds - min(start.nanoseconds, Uptime.now().nanoseconds)).description
    }

    func clientConfiguration(_ link: NetworkLink, _ option: IPOption) -> DHCPClient.Configuration {
        var configuration = DHCPClient.Configuration(hardwareAddress: link.mac)
        if let identifier = option.clientIdentifier { configuration.clientIdentifier = identifier }
        configuration.hostName = option.hostname
        configuration.timeoutSeconds = options.dhcpTimeoutSeconds
        return configuration
    }

    /// The lease in the hand-off's terms. What `ip=` gives wins over the lease where the
    /// kernel's ipconfig lets it (gateway, hostname, MTU); its DNS servers, and
    /// `nameserver=`'s before them, come first.
    package func configuration(
        _ lease: DHCPLease, on link: NetworkLink, mac: MACAddress, _ option: IPOption, clientIdentifier: [UInt8]
    ) -> NetConfiguration {
        var c = NetConfiguration(lease: lease, interface: link.name, mac: mac, clientIdentifier: clientIdentifier)
        c.gateway = option.gateway ?? c.gateway
        c.nameservers = unique(options.nameservers + option.nameservers + c.nameservers)
        c.hostname = option.hostname ?? c.hostname
        c.mtu = option.mtu ?? c.mtu
        c.bootServer = option.server ?? c.bootServer
        return c
    }

    package func manual(_ option: IPOption, _ link: NetworkLink, _ address: IPv4Address, _ prefixLength: Int) throws -> NetConfiguration {
        guard let mac = MACAddress(bytes: link.mac) else {
            throw BootError("configure", link.name, detail: "it has no Ethernet MAC address (\(link.macText))", option: "ip=")
        }
        var c = NetConfiguration(interface: link.name, mac: mac, address: address, prefixLength: prefixLength, origin: .manual)
        c.gateway = option.gateway
        c.nameservers = unique(options.nameservers + option.nameservers)
        c.hostname = option.hostname
        c.mtu = option.mtu
        c.bootServer = option.server
        return c
    }

    package func unique(_ addresses: [IPv4Address]) -> [IPv4Address] {
        addresses.reduce(into: []) { list, address in if !list.contains(address) { list.append(address) } }
    }

    /// MTU, address and routes (NetInstall), and the host name, as the kernel's ipconfig
    /// sets it.
    package func apply(_ c: NetConfiguration) throws {
        guard let link = try socket.links().first(where: { $0.name == c.interface }) else {
            throw BootError("configure", c.interface, detail: "the link went away")
        }
        try socket.install(c, on: link, log: log)
        if let name = c.validHostname {
            do { try Posix.setHostname(name) } catch { log.warning("net", "cannot set the host name \(name): \(error)") }
        }
        let via = c.gateway.map { " via \($0)" } ?? ""
        log.info("net", "\(c.interface) (\(c.mac)): \(c.address)/\(c.prefixLength)\(via)"
            + (c.nameservers.isEmpty ? "" : ", DNS \(c.nameservers.map(\.description).joined(separator: " "))"))
    }

    /// The files of NetHandOff, the boot's own interface (the first) for net.env and
    /// resolv.conf. A file that cannot be written is a warning: the network itself works.
    func writeHandOff(_ configured: [NetConfiguration]) throws {
        guard let boot = configured.first else { return }
        let files = configured.flatMap(NetHandOff.files) + NetHandOff.bootFiles(for: boot, interfaces: configured.map(\.interface))
        for file in files {
            do {
                try Posix.makeParentDirectories(of: file.path)
                try Posix.writeFile(file.path, file.contents, mode: file.mode)
            } catch {
                log.warning("net", "cannot write the hand-off file: \(error)")
            }
        }
    }
}
