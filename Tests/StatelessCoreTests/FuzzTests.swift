@testable import StatelessCore
@testable import StatelessProtocols
import XCTest

/// Seeded random and mutated inputs for the parsers that read what the admin and the
/// image give PID 1: the kernel command line, /etc/cmdline.d files and rwtab files. A
/// trap there is a kernel panic, so the only acceptable outcomes are a value or a
/// thrown error. The suite runs a few thousand inputs each; `Tests/fuzz` runs 10⁶.
/// `STATELESS_FUZZ_INPUTS` sets the count, `STATELESS_FUZZ_SEED` the seed.
final class FuzzTests: XCTestCase {
    /// SplitMix64 (the DHCP race's own per-session generator): tiny, seedable, good
    /// enough to spread inputs.
    typealias SeededGenerator = SplitRandom

    static var inputCount: Int {
        ProcessInfo.processInfo.environment["STATELESS_FUZZ_INPUTS"].flatMap(Int.init) ?? 5000
    }

    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["STATELESS_FUZZ_SEED"].flatMap(UInt64.init) ?? 0x5747_E1E5
    }

    /// Bytes that mean something to the parsers, drawn more often than the rest.
    static let interesting: [UInt8] = Array(" \t\n\r\"=\\#/.-_,:%".utf8) + [0, 0xA0, 0xC3, 0xFF, 0x0B, 0x0C]

    static let commandLineCorpus = [
        "root=UUID=0b5d-11 ro quiet rd.timeout=5 -- single",
        "\"root=LABEL=my root\" rootflags=noatime,errors=remount-ro rd.break=pre-mount",
        "root=/dev/disk/by-label/a\\x20b stateless.overlay=overlayfs stateless.tmpfs-size=25%",
        "rd.driver.blacklist=a,b modprobe.blacklist=c rd.driver.pre=virtio-pci init=/bin/sh rd.emergency=poweroff",
        "root=PARTUUID=abc-01 rd.retry=0 rd.shell=0 stateless.module-timeout=9 x=\"unterminated",
    ]

    static let rwtabCorpus = [
        "empty\t/tmp\ndirs /var/cache/man\nfiles /var/lib/dhcp\n# comment\n",
        "files /etc/resolv.conf\nempty /var/lib/a/b\n\nfiles   /var//lib/./x/\n",
    ]

    func randomBytes(_ generator: inout SeededGenerator) -> [UInt8] {
        let length = Int.random(in: 0...200, using: &generator)
        return (0..<length).map { _ in
            Bool.random(using: &generator)
                ? Self.interesting[Int.random(in: 0..<Self.interesting.count, using: &generator)]
                : UInt8.random(in: 0...255, using: &generator)
        }
    }

    func mutated(_ corpus: [String], _ generator: inout SeededGenerator) -> [UInt8] {
        var bytes = Array(corpus[Int.random(in: 0..<corpus.count, using: &generator)].utf8)
        for _ in 0..<Int.random(in: 1...8, using: &generator) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: bytes.insert(Self.interesting[Int.random(in: 0..<Self.interesting.count, using: &generator)], at: position)
            case 1: if !bytes.isEmpty { bytes.remove(at: position) }
            case 2: if !bytes.isEmpty { bytes[position] = UInt8.random(in: 0...255, using: &generator) }
            default:
                let other = Array(corpus[Int.random(in: 0..<corpus.count, using: &generator)].utf8)
                let start = Int.random(in: 0...other.count, using: &generator)
                bytes.insert(contentsOf: other[start...].prefix(40), at: min(position, bytes.count))
            }
        }
        return bytes
    }

    func input(_ index: Int, _ corpus: [String], _ generator: inout SeededGenerator) -> String {
        let bytes = index % 2 == 0 ? randomBytes(&generator) : mutated(corpus, &generator)
        return String(decoding: bytes, as: UTF8.self)
    }

    func testKernelCommandLineAndOptions() {
        var generator = SeededGenerator(state: Self.seed)
        var accepted = 0
        for index in 0..<Self.inputCount {
            let text = input(index, Self.commandLineCorpus, &generator)
            let line = KernelCommandLine(parsing: text)
            // Every parameter came from a word: never more of them than bytes.
            XCTAssertLessThanOrEqual(line.parameters.count + line.initArguments.count, text.utf8.count + 1)
            if (try? BootOptions(line)) != nil { accepted += 1 }
        }
        XCTAssertGreaterThan(accepted, 0, "some inputs must parse, or the fuzzer only hits the first check")
        print("fuzz: \(Self.inputCount) command lines, \(accepted) accepted as boot options")
    }

    func testCmdlineDFiles() {
        var generator = SeededGenerator(state: Self.seed &+ 1)
        for index in 0..<Self.inputCount {
            let file = input(index, Self.commandLineCorpus, &generator)
            let kernel = input(index + 1, Self.commandLineCorpus, &generator)
            let line = KernelCommandLine(configFiles: [file, file + "\n#" + kernel], kernel: kernel + "\n")
            _ = try? BootOptions(line)
        }
        print("fuzz: \(Self.inputCount) cmdline.d files")
    }

    func testRwtabFiles() {
        var generator = SeededGenerator(state: Self.seed &+ 2)
        for index in 0..<Self.inputCount {
            let text = input(index, Self.rwtabCorpus, &generator)
            let parsed = Rwtab.parse(text, source: "fuzz")
            for entry in parsed.entries {
                XCTAssertTrue(entry.path.hasPrefix("/") && !entry.path.hasSuffix("/"), entry.path)
            }
            let steps = Rwtab.plan(parsed.entries)
            XCTAssertLessThanOrEqual(steps.count, parsed.entries.count)
        }
        print("fuzz: \(Self.inputCount) rwtab files")
    }
}
