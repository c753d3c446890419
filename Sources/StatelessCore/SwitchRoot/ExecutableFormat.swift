/// What the first bytes of an executable say about how the kernel would run it, so that
/// an init that exists but cannot run is named for what is wrong (a missing program
/// loader, a script whose interpreter is missing, another architecture) — exec(2) alone
/// answers ENOENT for a missing loader, which reads as "no init".
public enum ExecutableFormat: Equatable, Sendable {
    /// `interpreter` is "" for a static executable, nil when the head read did not
    /// reach it (the program headers or the path lie further in): then no verdict on it.
    case elf(machine: UInt16, interpreter: String?)
    case script(interpreter: String)
    case unknown

    static let elfMagic: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]
    static let programHeaderInterpreter: UInt32 = 3  // PT_INTERP

    /// Parses the head of a file (the first 4 KiB hold the ELF program headers and the
    /// loader path of every normal executable). Anything malformed is `.unknown`.
    public init(head bytes: [UInt8]) {
        if bytes.starts(with: [UInt8(ascii: "#"), UInt8(ascii: "!")]) {
            let line = bytes.dropFirst(2).prefix { $0 != UInt8(ascii: "\n") }
            let word = line.drop { $0 == 32 || $0 == 9 }.prefix { $0 != 32 && $0 != 9 }
            self = word.isEmpty ? .unknown : .script(interpreter: String(decoding: word, as: UTF8.self))
            return
        }
        guard bytes.starts(with: Self.elfMagic) else {
            self = .unknown
            return
        }
        // Valid magic: an ELF, even when the head is too short to say more.
        let elf = bytes.count >= 52 ? ElfReader(bytes) : nil
        guard let elf, let machine = elf.u16(18) else {
            self = .elf(machine: 0, interpreter: nil)
            return
        }
        self = .elf(machine: machine, interpreter: elf.interpreter())
    }

    /// The ELF machine numbers this kernel runs (x86_64 also runs i386 binaries, arm64
    /// 32-bit arm ones); nil on an architecture not listed here: then no verdict.
    public static var runnableMachines: Set<UInt16>? {
        #if arch(x86_64)
        return [62, 3]
        #elseif arch(arm64)
        return [183, 40]
        #else
        return nil
        #endif
    }

    static func machineName(_ machine: UInt16) -> String {
        [3: "i386", 40: "arm", 62: "x86_64", 183: "aarch64", 243: "riscv", 21: "ppc64", 22: "s390"][machine]
            ?? "machine \(machine)"
    }
}

/// Bounds-checked reads of an ELF header and its program headers, either class and
/// byte order.
private struct ElfReader {
    let bytes: [UInt8]
    let is64: Bool
    let littleEndian: Bool

    init?(_ bytes: [UInt8]) {
        guard bytes.count > 5, [1, 2].contains(bytes[4]), [1, 2].contains(bytes[5]) else { return nil }
        self.bytes = bytes
        is64 = bytes[4] == 2
        littleEndian = bytes[5] == 1
    }

    func unsigned(_ offset: Int, _ size: Int) -> UInt64? {
        guard offset >= 0, size <= 8, offset <= bytes.count - size else { return nil }
        var value: UInt64 = 0
        for index in 0..<size {
            let byte = UInt64(bytes[offset + (littleEndian ? size - 1 - index : index)])
            value = value << 8 | byte
        }
        return value
    }

    func u16(_ offset: Int) -> UInt16? { unsigned(offset, 2).map { UInt16(truncatingIfNeeded: $0) } }

    /// The PT_INTERP path; "" for a static executable (no interpreter); nil if malformed.
    func interpreter() -> String? {
        let word = is64 ? 8 : 4
        guard let tableOffset = unsigned(is64 ? 32 : 28, word), let entrySize = u16(is64 ? 54 : 42),
              let count = u16(is64 ? 56 : 44), tableOffset < UInt64(Int.max / 2), entrySize >= (is64 ? 56 : 32)
        else { return nil }
        for index in 0..<Int(count) {
            let entry = Int(tableOffset) + index * Int(entrySize)
            guard let type = unsigned(entry, 4) else { return nil }
            guard type == UInt64(ExecutableFormat.programHeaderInterpreter) else { continue }
            guard let offset = unsigned(entry + (is64 ? 8 : 4), word), let size = unsigned(entry + (is64 ? 32 : 16), word),
                  offset < UInt64(bytes.count), size <= UInt64(bytes.count) - offset, size > 0
            else { return nil }
            let path = bytes[Int(offset)..<Int(offset + size)].prefix { $0 != 0 }
            return String(decoding: path, as: UTF8.self)
        }
        return ""
    }
}

/// Why an init that exists cannot run.
public enum InitProblem: Equatable, Sendable, CustomStringConvertible {
    case noexecMount
    case notExecutable(mode: UInt32)
    case otherArchitecture(String)
    case missingLoader(String)
    case missingInterpreter(String)
    case unknownFormat

    /// The problem with `format`, if any; `exists` answers for paths inside the root.
    public static func check(_ format: ExecutableFormat, exists: (String) -> Bool) -> InitProblem? {
        switch format {
        case .elf(let machine, let interpreter):
            if machine != 0, let runnable = ExecutableFormat.runnableMachines, !runnable.contains(machine) {
                return .otherArchitecture(ExecutableFormat.machineName(machine))
            }
            if let interpreter, !interpreter.isEmpty, !exists(interpreter) { return .missingLoader(interpreter) }
            return nil
        case .script(let interpreter):
            return exists(interpreter) ? nil : .missingInterpreter(interpreter)
        case .unknown:
            return .unknownFormat
        }
    }

    public var description: String {
        switch self {
        case .noexecMount: return "it exists, but the root is mounted noexec"
        case .notExecutable(let mode): return "it exists, but has no execute permission (mode \(String(mode & 0o7777, radix: 8)))"
        case .otherArchitecture(let name): return "it exists, but is an ELF executable for \(name), which this kernel cannot run"
        case .missingLoader(let path): return "it exists, but its program loader \(path) is missing in the root"
        case .missingInterpreter(let path): return "it exists, but its interpreter \(path) (#! line) is missing in the root"
        case .unknownFormat: return "it exists, but is neither an ELF executable nor a #! script"
        }
    }

    /// The option that leads to the cause: the mount options for noexec, init= otherwise.
    public var option: String { self == .noexecMount ? "rootflags=" : "init=" }
}
