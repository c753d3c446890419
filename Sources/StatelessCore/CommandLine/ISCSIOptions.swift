extension ISCSIRootSpec {
    /// The iSCSI root the command line names, if any, as dracut's parse-iscsiroot.sh reads
    /// it: every `netroot=iscsi:` (one target, several portals), else `root=iscsi:` or
    /// `iscsi://`, else `rd.iscsi.target.*`; then `rd.iscsi.username=`… where the root
    /// names no credentials, `rd.iscsi.initiator=`, and a `root=` that names a block
    /// device as the filesystem on the LUN. `root` is what `root=` alone said. Without any
    /// of these, `rd.iscsi.firmware=1` (or `ip=ibft` with no root) takes the root from
    /// the firmware's table.
    package static func commandLine(_ line: KernelCommandLine, root: RootSource?, network: NetOptions) throws -> ISCSIRootSpec? {
        var spec: ISCSIRootSpec?
        for parameter in line.all(.netroot) where (parameter.value ?? "").hasPrefix("iscsi:") {
            let next = try parse(parameter.value ?? "", option: "netroot")
            guard var first = spec else { spec = next; continue }
            guard first.target == next.target, first.lun == next.lun, first.chap == next.chap else {
                throw OptionError(option: "netroot", value: redacted(parameter.value ?? ""),
                                  expected: "the same target, LUN and credentials as the first netroot=iscsi: (several name portals of one target)")
            }
            first.portals += next.portals.filter { !first.portals.contains($0) }
            spec = first
        }
        if case .iscsi(let named)? = root {
            guard spec == nil else {
                throw OptionError(option: "root", value: redacted("\(named)"), expected: "root= or netroot=iscsi:, not both")
            }
            spec = named
        }
        if spec == nil, let name = line.last(.iscsiTargetName) {
            spec = try targetOptions(line, name: name)
        }
        if spec == nil, try line.flag(.iscsiFirmware) ?? false
            || (network.firmwareTable && (root == nil || root == .dhcp)) {
            spec = .firmware
        }
        guard var spec else { return nil }
        spec.chap = try spec.chap ?? credentialOptions(line)
        if let initiator = line.last(.iscsiInitiator) {
            let value = try BootOptions.text(initiator, "an iSCSI name such as iqn.2004-06.org.example:client1")
            guard isISCSIName(Substring(value)) else {
                throw OptionError(option: initiator.key, value: value, expected: "an iSCSI name (iqn.…, eui.… or naa.…)")
            }
            spec.initiator = value
        }
        switch root {
        case .block(let reference)?: spec.filesystem = reference
        case nil, .dhcp?, .iscsi?: break
        case .nfs?, .live?:
            throw OptionError(option: "netroot", value: "iscsi:…", expected: "no NFS or live root= beside an iSCSI root (root= may name the filesystem on the LUN, e.g. root=LABEL=…)")
        }
        return spec
    }

    /// `rd.iscsi.target.name=`, `.ip=`, `.port=`, `.lun=` (dracut's iBFT-less form).
    static func targetOptions(_ line: KernelCommandLine, name: KernelParameter) throws -> ISCSIRootSpec {
        func fail(_ key: String, _ value: String?, _ expected: String) -> OptionError {
            OptionError(option: key, value: value, expected: expected)
        }
        let target = try targetName(Substring(name.value ?? "")) { fail("rd.iscsi.target.name", name.value, $0) }
        guard let ip = line.last(.iscsiTargetIP) else {
            throw fail("rd.iscsi.target.ip", nil, "the portal's IPv4 address beside rd.iscsi.target.name=")
        }
        let host = try host(Substring(ip.value ?? "")) { fail("rd.iscsi.target.ip", ip.value, $0) }
        let port = try line.last(.iscsiTargetPort).map { parameter in
            try portNumber(Substring(parameter.value ?? "")) { fail("rd.iscsi.target.port", parameter.value, $0) }
        } ?? 3260
        let lun = try line.last(.iscsiTargetLUN).map { parameter in
            try lunNumber(Substring(parameter.value ?? "")) { fail("rd.iscsi.target.lun", parameter.value, $0) }
        }
        return ISCSIRootSpec(portals: [Portal(host: host, port: port)], target: target, lun: lun)
    }

    /// `rd.iscsi.username=`/`password=` and, for mutual CHAP, `rd.iscsi.in.username=`/
    /// `in.password=`; each pair complete or absent.
    static func credentialOptions(_ line: KernelCommandLine) throws -> CHAP? {
        func pair(_ userOption: KernelOption, _ passwordOption: KernelOption) throws -> (String, String)? {
            let user = line.last(userOption)?.value, password = line.last(passwordOption)?.value
            guard user != nil || password != nil else { return nil }
            guard let user, !user.isEmpty, let password, !password.isEmpty else {
                throw OptionError(option: (user ?? "").isEmpty ? userOption.key : passwordOption.key, value: nil,
                                  expected: "\(userOption.key)= and \(passwordOption.key)= together")
            }
            return (user, password)
        }
        let outgoing = try pair(.iscsiUsername, .iscsiPassword)
        let incoming = try pair(.iscsiInUsername, .iscsiInPassword)
        guard let outgoing else {
            if incoming != nil {
                throw OptionError(option: "rd.iscsi.in.username", value: nil, expected: "rd.iscsi.username= and password= as well: mutual CHAP needs both directions")
            }
            return nil
        }
        return CHAP(username: outgoing.0, password: outgoing.1, targetUsername: incoming?.0, targetPassword: incoming?.1)
    }
}
