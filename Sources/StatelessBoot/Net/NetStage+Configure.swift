import Glibc

/// Getting a configuration (a lease, or `ip=`'s address) and putting it on the link.
extension NetStage {
    /// DHCP on the step's links. A named link (or BOOTIF's) waits for its carrier; with
    /// none named, every link joins the race as its carrier comes up, until the carrier
    /// bound, and the first lease wins. Links that lost are set down again if they were down.
    func lease(_ step: NetPlan.Step, _ links: [NetworkLink], keep: inout [LeaseRecord]) throws -> NetConfiguration {
        let candidates = links.filter { $0.mac.count == 6 }  // DHCP over Ethernet-style links only
        var race = DHCPRace()
        race.probe = { [unowned self] in probe($0, $1) }
        let carrierDeadline = seconds(options.carrierTimeoutSeconds)
        if case .everyWithCarrier = step.links {
            let first = try poll(until: carrierDeadline) { now in
                let up = now.filter { link in link.hasCarrier && candidates.contains { $0.index == link.index } }
                return up.isEmpty ? nil : up
            }
            guard let first else {
                throw BootError("wait for carrier on", "any of \(candidates.map(\.name).joined(separator: ", "))",
                                detail: "no link has carrier after \(options.carrierTimeoutSeconds) s; links present: "
                                    + linkList((try? socket.links()) ?? []),
                                option: "rd.net.timeout.carrier=")
            }
            for link in first { try race.join(link.name, clientConfiguration(link, step.option)) }
        } else {
            let link = try waitForCarrier(candidates.first ?? links[0])
            try race.join(link.name, clientConfiguration(link, step.option))
        }
        let joined = Set(race.sessions.map(\.interface))
        log.info("net", "DHCP on \(joined.sorted().joined(separator: ", "))")
        let started = Uptime.now()
        var tried = joined
        let (interface, lease) = try race.run(until: seconds(options.dhcpTimeoutSeconds), joinUntil: carrierDeadline) {
            let late = try socket.links().filter { link in
                link.hasCarrier && !tried.contains(link.name) && candidates.contains { $0.index == link.index }
            }
            tried.formUnion(late.map(\.name))
            if !late.isEmpty { log.info("net", "DHCP also on \(late.map(\.name).joined(separator: ", ")) (carrier came up)") }
            return late.map { ($0.name, clientConfiguration($0, step.option)) }
        }
        let present = try socket.links()
        for link in links where link.name != interface && !link.isUp {
            if let now = present.first(where: { $0.index == link.index }) { try? socket.setLink(now, up: false) }
        }
        guard let link = present.first(where: { $0.name == interface }), let mac = MACAddress(bytes: link.mac) else {
            throw BootError("configure", interface, detail: "the link went away after its DHCP lease")
        }
        log.info("net", "\(interface): lease \(lease.address)/\(lease.prefixLength) from \(lease.serverIdentifier) "
            + "for \(lease.isInfinite ? "ever" : "\(lease.leaseTime) s") after \(seconds(since: started)) s")
        let client = clientConfiguration(link, step.option)
        if !lease.isInfinite { keep.append(LeaseRecord(interface: interface, index: link.index, lease: lease, configuration: client)) }
        return configuration(lease, on: link, mac: mac, step.option, clientIdentifier: client.clientIdentifier)
    }

    func seconds(since start: Uptime) -> String {
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
    func configuration(
        _ lease: DHCPLease, on link: NetworkLink, mac: MACAddress, _ option: IPOption, clientIdentifier: [UInt8]
    ) -> NetConfiguration {
        var c = NetConfiguration(interface: link.name, mac: mac, address: lease.address, prefixLength: lease.prefixLength,
                                 origin: .dhcp(server: lease.serverIdentifier, leaseSeconds: lease.leaseTime,
                                               clientIdentifier: clientIdentifier))
        let routes = lease.routes
        c.gateway = option.gateway ?? routes.first { $0.prefixLength == 0 }?.router
        c.routes = routes.filter { $0.prefixLength != 0 }
        c.nameservers = unique(options.nameservers + option.nameservers + lease.dnsServers)
        c.searchDomain = lease.domainName
        c.hostname = option.hostname ?? lease.hostName
        c.mtu = option.mtu ?? lease.mtu.map(Int.init)
        return c
    }

    func manual(_ option: IPOption, _ link: NetworkLink, _ address: IPv4Address, _ prefixLength: Int) throws -> NetConfiguration {
        guard let mac = MACAddress(bytes: link.mac) else {
            throw BootError("configure", link.name, detail: "it has no Ethernet MAC address (\(link.macText))", option: "ip=")
        }
        var c = NetConfiguration(interface: link.name, mac: mac, address: address, prefixLength: prefixLength, origin: .manual)
        c.gateway = option.gateway
        c.nameservers = unique(options.nameservers + option.nameservers)
        c.hostname = option.hostname
        c.mtu = option.mtu
        return c
    }

    func unique(_ addresses: [IPv4Address]) -> [IPv4Address] {
        addresses.reduce(into: []) { list, address in if !list.contains(address) { list.append(address) } }
    }

    /// MTU, address, then routes (on-link ones first: a router must be reachable before a
    /// route can go through it), and the host name, as the kernel's ipconfig sets it.
    func apply(_ c: NetConfiguration) throws {
        guard let link = try socket.links().first(where: { $0.name == c.interface }) else {
            throw BootError("configure", c.interface, detail: "the link went away")
        }
        if let mtu = c.mtu, link.mtu != UInt32(mtu) { try socket.setMTU(link, UInt32(mtu)) }
        try socket.addAddress(c.address, prefixLength: c.prefixLength, to: link)
        for route in c.routes.sorted(by: { $0.router == .any && $1.router != .any }) {
            try socket.addRoute(Route(destination: route.destination, prefixLength: route.prefixLength,
                                      gateway: route.router == .any ? nil : route.router, linkIndex: link.index))
        }
        if let gateway = c.gateway { try socket.addRoute(.defaultRoute(via: gateway, linkIndex: link.index)) }
        if let name = c.validHostname {
            if sethostname(name, name.utf8.count) != 0 {
                log.warning("net", "cannot set the host name \(name): \(BootError("sethostname", name, errno: Posix.lastErrno))")
            }
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
                let directory = String(file.path[..<(file.path.lastIndex(of: "/") ?? file.path.endIndex)])
                try Posix.makeDirectories(directory)
                try Posix.writeFile(file.path, file.contents, mode: file.mode)
            } catch {
                log.warning("net", "cannot write the hand-off file: \(error)")
            }
        }
    }
}
