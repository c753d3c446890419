import StatelessCore
import StatelessProtocols
import StatelessSystem

/// Coldplug: the devices the kernel found before we started have already sent their
/// uevents, to nobody. Their modaliases are still in sysfs, one file per device, under
/// /sys/bus/*/devices/*/modalias (every device with a modalias sits on a bus).
public enum Coldplug {
    /// Every distinct modalias currently in sysfs with its rank, in a stable order.
    public static func modaliases(sysfs: String = "/sys") -> [(alias: String, rank: Int)] {
        var aliases: [String] = []
        var seen: Set<String> = []
        let busRoot = sysfs + "/bus"
        for bus in (try? Posix.listDirectory(busRoot)) ?? [] {
            let devices = busRoot + "/" + bus + "/devices"
            for device in (try? Posix.listDirectory(devices)) ?? [] {
                guard let text = try? Posix.readText(devices + "/" + device + "/modalias") else { continue }
                let alias = text.trimmingNewline()
                if !alias.isEmpty && seen.insert(alias).inserted { aliases.append(alias) }
            }
        }
        return ordered(aliases).map { ($0, rank($0)) }
    }

    /// Storage first, network last: under emulation every module load costs tenths of
    /// a second, and the root disk should not wait behind a NIC driver's probe. The
    /// order is stable within each class.
    public static func ordered(_ aliases: [String]) -> [String] {
        aliases.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }

    /// 0 for storage (and the virtio transport a virtio disk sits on), `networkRank` for
    /// network controllers, 1 for the rest: the order loads start in (ModuleLoadQueue).
    public static func rank(_ alias: String) -> Int {
        if let pci = PCIModalias(alias) {
            if pci.baseClass == "01" || pci.vendor == "00001AF4" { return 0 }  // mass storage, virtio transport
            if pci.baseClass == "02" { return networkRank }  // network controllers
            return 1
        }
        if alias.hasPrefix("virtio:d00000001v") { return networkRank }  // virtio-net
        if alias.hasPrefix("virtio:") || alias.hasPrefix("scsi:") || alias.hasPrefix("nvme:") { return 0 }
        return 1
    }

    /// Network controllers: loaded last, and only when the boot needs the network.
    public static let networkRank = 2
}


/// The fields of a PCI modalias that matter for ordering:
/// `pci:v<vendor:8>d<device:8>sv<8>sd<8>bc<class:2>sc<2>i<2>`.
struct PCIModalias: Equatable {
    var vendor: String
    var baseClass: String

    package init?(_ alias: String) {
        let bytes = Array(alias.utf8)
        // Fixed layout, as the kernel's pci_uevent writes it; anything else is not used.
        guard bytes.count >= 46, alias.hasPrefix("pci:v"), bytes[42] == UInt8(ascii: "b"), bytes[43] == UInt8(ascii: "c")
        else { return nil }
        vendor = String(decoding: bytes[5..<13], as: UTF8.self)
        baseClass = String(decoding: bytes[44..<46], as: UTF8.self)
    }
}
