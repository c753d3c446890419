/// systemd's machine-id (machine-id(5)): 32 lowercase hex digits and a newline.
public enum MachineID: Equatable, Sendable {
    /// No file.
    case missing
    /// An empty file, or "uninitialized": systemd makes an id at boot (from the VM's
    /// SMBIOS UUID where it can, else random) and mounts it over the file.
    case unset
    case id(String)
    /// Something else: systemd would refuse it the same way.
    case invalid

    public init(contents: String?) {
        guard let contents else { self = .missing; return }
        let text = contents.hasSuffix("\n") ? String(contents.dropLast()) : contents
        if text.isEmpty || text == "uninitialized" {
            self = .unset
        } else if Self.isValid(text) {
            self = .id(text)
        } else {
            self = .invalid
        }
    }

    static func isValid(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
            && text.utf8.contains { $0 != 48 }
    }

    /// A new id from 16 random bytes, marked as a version 4 UUID as systemd marks its own.
    public static func make(_ bytes: [UInt8]) -> String {
        precondition(bytes.count == 16)
        var bytes = bytes
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
    }

    /// A new id: 16 bytes from the kernel's generator, mixed with what tells this machine
    /// apart (`distinct`: firmware UUID, MAC addresses, the store's UUID). The overlay
    /// stage runs before the kernel's CRNG is seeded on machines without a hardware RNG
    /// ("crng init done" came at 14.7 s in the lab's VMs), when getrandom(2) gives its
    /// not-yet-cryptographic output; two identical machines booted at the same moment
    /// must still get different ids.
    public static func random(distinct: [UInt8]) -> String {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let mixed = zip(random, fingerprint(distinct)).map { $0 ^ $1 }
        return make(mixed)
    }

    /// 16 bytes that depend on every byte of `data`: FNV-1a (64-bit) twice, with two
    /// offset bases. Not cryptographic; it only has to differ when the data differs.
    static func fingerprint(_ data: [UInt8]) -> [UInt8] {
        [UInt64(0xcbf2_9ce4_8422_2325), 0x6c62_272e_07bb_0142].flatMap { basis -> [UInt8] in
            var hash = basis
            for byte in data { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            return (0..<8).map { UInt8(truncatingIfNeeded: hash >> ($0 * 8)) }
        }
    }
}
