/// What the net stage will do, decided from the options alone before any link is
/// touched, and then which links each step means once the links are listed. Pure, so
/// every command-line combination is tested without a network.
package struct NetPlan: Equatable {
    /// Which links one step configures.
    package enum Links: Equatable {
        /// `ip=…:<iface>:…`, `ip=<iface>:dhcp`: this name (after `ifname=` renaming).
        case named(String)
        /// `BOOTIF=`: the link the firmware booted from.
        case bootInterface(MACAddress)
        /// DHCP with no interface named: every link with carrier, in parallel.
        case everyWithCarrier
        /// A static `ip=` with no interface: the only link (the kernel's rule).
        case onlyLink
    }

    package struct Step: Equatable {
        package var links: Links
        package var option: IPOption
    }

    package var steps: [Step]

    /// The steps for `options`. No `ip=` means DHCP (the net stage runs because the root or
    /// `rd.neednet` needs it); `ip=off` means none.
    package init(_ options: NetOptions) {
        let boot = options.bootInterface.map(Links.bootInterface)
        switch options.ip {
        case nil:
            steps = [Step(links: boot ?? .everyWithCarrier, option: IPOption(method: .dhcp))]
        case .off?:
            steps = []
        case .configure(let list)?:
            steps = list.map { option in
                let fallback: Links = if case .dhcp = option.method { .everyWithCarrier } else { .onlyLink }
                return Step(links: option.interface.map(Links.named) ?? boot ?? fallback, option: option)
            }
        }
    }

    /// The non-loopback links `links` means among `present`; nil while they are not all
    /// there yet (the caller waits up to `rd.net.timeout.iflink=`). For `onlyLink`, more
    /// than one link is an error: which one the admin meant cannot be guessed.
    ///
    /// `kernelNames` (new name → the kernel's) are the links the net stage renamed: a name
    /// in `ip=` is the link's present name or, as every PXE config and the kernel's
    /// nfsroot.rst write it (`eth0`), the name the kernel gave it.
    package static func resolve(_ links: Links, among present: [NetworkLink], kernelNames: [String: String] = [:]) throws -> [NetworkLink]? {
        let candidates = present.filter { !$0.isLoopback }
        let ethernet = candidates.filter { $0.mac.count == 6 }  // not sit0, tunl0, …
        switch links {
        case .named(let name):
            let link = candidates.first { $0.name == name } ?? candidates.first { kernelNames[$0.name] == name }
            return link.map { [$0] }
        case .bootInterface(let mac):
            return candidates.first { $0.mac == mac.bytes }.map { [$0] }
        case .everyWithCarrier:
            return ethernet.isEmpty ? nil : ethernet
        case .onlyLink:
            guard candidates.count <= 1 else {
                throw OptionError(option: "ip", value: nil, expected: "an <iface> (field 6) for a static address: there are "
                    + "\(candidates.count) links (\(candidates.map(\.name).joined(separator: ", "))); or BOOTIF= to pick one")
            }
            return candidates.isEmpty ? nil : candidates
        }
    }
}

extension NetPlan.Links: CustomStringConvertible {
    package var description: String {
        switch self {
        case .named(let name): name
        case .bootInterface(let mac): "the link with BOOTIF's MAC address \(mac)"
        case .everyWithCarrier: "any network link"
        case .onlyLink: "the only network link"
        }
    }

    /// The option that chose these links, for the failure line.
    package var option: String {
        switch self {
        case .named: "ip="
        case .bootInterface: "BOOTIF="
        case .everyWithCarrier, .onlyLink: "the network drivers loaded (rd.driver.pre=)"
        }
    }
}
