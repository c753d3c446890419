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

    /// 16 bytes from the kernel's generator (the early-boot binary's generator reads
    /// getrandom(2) without blocking: by the overlay stage the kernel's CRNG is seeded).
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return make((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
