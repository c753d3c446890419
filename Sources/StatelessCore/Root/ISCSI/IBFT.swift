/// The iSCSI Boot Firmware Table that firmware (iPXE's `sanhook`, a NIC's iSCSI option
/// ROM) leaves for the booted system, as the kernel's iscsi_ibft module shows it under
/// /sys/firmware/ibft: `initiator/`, `ethernetN/`, `targetN/`, one small file per field
/// (drivers/firmware/iscsi_ibft.c). `rd.iscsi.firmware=1` or `ip=ibft` boots from it: the
/// NIC's address (or DHCP), the target, LUN and CHAP, and the initiator's name.
///
/// Parsing is pure: `parse` takes the files' contents by relative path.
package struct IBFT: Equatable, Sendable {
    package struct NIC: Equatable, Sendable {
        package var index: Int
        package var mac: MACAddress
        /// Nil with DHCP: the firmware's lease is taken again by our DHCP client.
        package var address: IPv4Address?
        package var prefixLength: Int?
        package var gateway: IPv4Address?
        package var nameservers: [IPv4Address]
        package var hostname: String?
        /// iBFT origin 3: the firmware configured the NIC by DHCP.
        package var dhcp: Bool
    }

    package struct Target: Equatable, Sendable {
        package var index: Int
        package var portal: ISCSIRootSpec.Portal
        package var name: String
        package var lun: Int
        var nic: Int
        package var chap: ISCSIRootSpec.CHAP?
        var bootSelected: Bool
    }

    package var initiator: String?
    var nics: [NIC]
    package var targets: [Target]

    package static let directory = "/sys/firmware/ibft"
    /// iBFT block flags: bit 0 the block is valid, bit 1 the firmware booted from it.
    package static let valid = 1, bootSelected = 2

    package struct Unusable: Error, CustomStringConvertible {
        package var description: String
        package init(description: String) { self.description = description }
    }

    /// `files`: "initiator/initiator-name" → "iqn…\n", "target0/ip-addr" → "10.0.3.1\n", …
    package static func parse(_ files: [String: String]) throws -> IBFT {
        func value(_ path: String) -> String? {
            guard let text = files[path] else { return nil }
            let trimmed = String(text.drop { $0 == " " }.reversed().drop { $0 == "\n" || $0 == " " || $0 == "\0" }.reversed())
            return trimmed.isEmpty ? nil : trimmed
        }
        func number(_ path: String) -> Int? { value(path).flatMap { Int($0) } }
        let blocks = Set(files.keys.compactMap { $0.split(separator: "/").first.map(String.init) })
        func indexed(_ prefix: String) -> [String] {
            blocks.filter { $0.hasPrefix(prefix) && Int($0.dropFirst(prefix.count)) != nil }
                .sorted { Int($0.dropFirst(prefix.count))! < Int($1.dropFirst(prefix.count))! }
        }
        var nics: [NIC] = []
        for block in indexed("ethernet") where (number("\(block)/flags") ?? 0) & valid != 0 {
            guard let mac = value("\(block)/mac").flatMap({ MACAddress(parsing: $0) }) else {
                throw Unusable(description: "\(block) has no usable mac (\(value("\(block)/mac") ?? "none"))")
            }
            let dhcp = number("\(block)/origin") == 3
            let address = value("\(block)/ip-addr").flatMap { IPv4Address(parsing: $0) }
            let prefix = number("\(block)/prefix-len") ?? value("\(block)/subnet-mask").flatMap(Self.prefixLength)
            if !dhcp && (address == nil || prefix == nil) {
                throw Unusable(description: "\(block) (\(mac)) is configured by hand but has no IPv4 address and prefix (ip-addr \(value("\(block)/ip-addr") ?? "none"))")
            }
            nics.append(NIC(index: number("\(block)/index") ?? nics.count, mac: mac, address: dhcp ? nil : address, prefixLength: dhcp ? nil : prefix,
                            gateway: value("\(block)/gateway").flatMap { IPv4Address(parsing: $0) },
                            nameservers: ["primary-dns", "secondary-dns"].compactMap { value("\(block)/\($0)").flatMap { IPv4Address(parsing: $0) } },
                            hostname: value("\(block)/hostname"), dhcp: dhcp))
        }
        var targets: [Target] = []

        for block in indexed("target") {
            let flags = number("\(block)/flags") ?? 0
            guard flags & valid != 0, let name = value("\(block)/target-name") else { continue }
            guard let host = value("\(block)/ip-addr"), IPv4Address(parsing: host) != nil else {
                throw Unusable(description: "\(block) (\(name)) has no IPv4 portal address (\(value("\(block)/ip-addr") ?? "none"))")
            }
            guard let lunText = value("\(block)/lun"), let lun = lun(lunText) else {
                throw Unusable(description: "\(block) (\(name)) has a LUN this reader does not understand (\(value("\(block)/lun") ?? "none"))")
            }
            var chap: ISCSIRootSpec.CHAP?
            if let user = value("\(block)/chap-name"), let secret = value("\(block)/chap-secret") {
                chap = .init(username: user, password: secret, targetUsername: value("\(block)/rev-chap-name"),
                             targetPassword: value("\(block)/rev-chap-name-secret"))
                if chap?.targetPassword == nil { chap?.targetUsername = nil }
            }
            targets.append(Target(index: number("\(block)/index") ?? targets.count,
                                  portal: .init(host: host, port: number("\(block)/port") ?? 3260), name: name, lun: lun,
                                  nic: number("\(block)/nic-assoc") ?? 0, chap: chap, bootSelected: flags & bootSelected != 0))
        }
        return IBFT(initiator: value("initiator/initiator-name"), nics: nics, targets: targets)
    }

    /// The kernel prints the 8 LUN bytes with `%x` each, unpadded: LUN 1 (00 01 00…) is
    /// "01000000", LUN 0 "00000000". Single-level LUNs only: peripheral (byte 0 = 0) and
    /// flat (0x40 | high bits) addressing, the rest zero.
    package static func lun(_ text: String) -> Int? {
        guard text.count >= 8, text.hasSuffix("000000"), text.allSatisfy(\.isHexDigit) else { return nil }
        let head = text.dropLast(6)
        if head.first == "0", let low = Int(head.dropFirst(), radix: 16), low < 256 { return low }
        guard head.count >= 3, let high = Int(head.prefix(2), radix: 16), high & 0xc0 == 0x40,
              let low = Int(head.dropFirst(2), radix: 16), low < 256 else { return nil }
        return (high & 0x3f) << 8 | low
    }

    package static func prefixLength(_ mask: String) -> Int? {
        guard let address = IPv4Address(parsing: mask) else { return nil }
        let bits = address.value.nonzeroBitCount
        return address.value == (bits == 0 ? 0 : UInt32.max << (32 - bits)) ? bits : nil
    }

    /// The target to boot from: the one the firmware booted, else the first; and its NIC.
    func bootTarget() throws -> (Target, NIC) {
        guard let target = targets.first(where: \.bootSelected) ?? targets.first else {
            throw Unusable(description: "the table names no valid target")
        }
        guard let nic = nics.first(where: { $0.index == target.nic }) ?? nics.first else {
            throw Unusable(description: "the table names no valid NIC for \(target.name)")
        }
        return (target, nic)
    }

    /// The root as the table names it.
    package func rootSpec() throws -> ISCSIRootSpec {
        let (target, _) = try bootTarget()
        return ISCSIRootSpec(portals: [target.portal], target: target.name, lun: target.lun, chap: target.chap, initiator: initiator)
    }

    /// `ip=ibft`: the boot target's NIC, chosen by MAC, with the table's address, or DHCP
    /// when the firmware got it by DHCP (dracut's ibft_to_cmdline does the same).
    package func networkOptions(_ base: NetOptions) throws -> NetOptions {
        let (_, nic) = try bootTarget()
        var option = IPOption(method: nic.address.map { .manual(address: $0, prefixLength: nic.prefixLength ?? 24) } ?? .dhcp)
        option.gateway = nic.gateway
        option.nameservers = nic.nameservers
        option.hostname = nic.hostname
        var options = base
        options.ip = .configure([option])
        options.bootInterface = nic.mac
        return options
    }
}
