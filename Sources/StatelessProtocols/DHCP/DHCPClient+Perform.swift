import StatelessCore

extension DHCPClient {
    /// The one action interpreter of the DHCP client: runs `effect` for each action (a
    /// send, a timer, a probe, a lease to configure), feeds back the events some of them
    /// answer with at once (a probe's verdict) and repeats until no action is left. The
    /// boot's session and the lease keeper differ only in `effect`.
    public mutating func perform(_ actions: [Action], at now: () -> Uptime, _ effect: (Action) throws -> Event?) rethrows {
        var actions = actions
        while !actions.isEmpty {
            let answers = try actions.compactMap(effect)
            actions = answers.flatMap { handle($0, at: now()) }
        }
    }
}
