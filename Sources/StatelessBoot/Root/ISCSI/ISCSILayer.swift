import StatelessCore
import StatelessProtocols
import StatelessSystem

/// The bottom layer of an iSCSI root: starts the bridge (ISCSIBridgeProcess), which logs
/// in and serves the LUN on /dev/nbdN, then hands up the device that holds the root —
/// the one `root=` names on the LUN, else the whole LUN or its only partition
/// (WholeDisk). Undo stops the bridge, which disconnects the device and logs out.
struct ISCSILayer: RootLayer {
    package let spec: ISCSIRootSpec
    package var name: String { "iscsi" }

    /// The spec with the firmware's table filled in (`rd.iscsi.firmware`); the command
    /// line's root= filesystem and initiator name still count.
    package func fromFirmware(_ context: AttachContext) throws -> ISCSIRootSpec {
        guard spec.fromFirmware else { return spec }
        context.watcher.modules.load(alias: "iscsi_ibft", reason: "rd.iscsi.firmware")
        do {
            var named = try IBFT.read().rootSpec()
            named.filesystem = spec.filesystem
            named.initiator = spec.initiator ?? named.initiator
            named.fromFirmware = true
            context.log.info("root", "iBFT names \(named)")
            return named
        } catch let error as IBFT.Unusable {
            throw BootError("read the iSCSI Boot Firmware Table", IBFT.directory, detail: "\(error)", option: "rd.iscsi.firmware=, ip=ibft")
        }
    }

    package func attach(_ below: RootResource, _ context: AttachContext) throws -> AttachedLayer {
        let network = try BootNetwork.current()
        context.watcher.modules.load(alias: "nbd", reason: "iSCSI root")
        let spec = try fromFirmware(context)
        let initiator = spec.initiator ?? InitiatorName.configured() ?? InitiatorName.derived(from: network.mac)
        let retry = context.options.retryBound(network: true)
        let request = ISCSIBridgeRequest(spec: spec, initiator: initiator, writable: context.options.iscsiWritable, retrySeconds: retry)
        // The bridge's own bound is rd.retry; this one catches a bridge that hangs.
        let started = try ISCSIBridgeProcess.start(request, seconds: retry + 30, log: context.log)
        let log = context.log
        let undo = { ISCSIBridgeProcess.stop(started.pid, log: log) }
        do {
            let device = try WholeDisk.rootDevice(on: started.device, named: spec.filesystem)
            context.log.info("root", "\(started.facts[.target] ?? "") LUN \(started.facts[.lun] ?? "") from \(started.facts[.portal] ?? "") is \(started.device); the root is \(device)")
            let facts: HandOffFacts<RootEnv> = [HandOffKey<ISCSIEnv>.target, .lun, .portal, .initiator, .device, .bridgePID].map { (.iscsi($0), started.facts[$0] ?? "") }
            return AttachedLayer(resource: .blockDevice(device), facts: [(.spec, spec.description), (.device, device)] + facts, undo: undo)
        } catch {
            undo()
            throw error
        }
    }
}

/// The initiator's own iSCSI name when the command line gives none.
enum InitiatorName {
    package static let file = "/etc/iscsi/initiatorname.iscsi"

    /// open-iscsi's file in the image (dracut copies the host's there): `InitiatorName=…`.
    package static func configured(_ path: String = file) -> String? {
        guard let text = try? Posix.readText(path) else { return nil }
        return parse(text)
    }

    package static func parse(_ text: String) -> String? {
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            guard trimmed.hasPrefix("InitiatorName=") else { continue }
            var name = trimmed.dropFirst("InitiatorName=".count)
            while let last = name.last, last == " " || last == "\t" { name = name.dropLast() }
            if ISCSIRootSpec.isISCSIName(name) { return String(name) }
        }
        return nil
    }

    /// Stable per machine, so a target's ACL can name it: from the boot interface's MAC.
    package static func derived(from mac: MACAddress) -> String {
        "iqn.2026-11.org.stateless:" + mac.bytes.colonHex.replacingAll(":", with: "")
    }
}
