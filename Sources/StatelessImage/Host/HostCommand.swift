import Foundation

/// Runs a host tool (ldd, strip, depmod, zstd …) and captures its output.
///
/// The image builder leans on the host's own tools instead of re-implementing them; this is
/// the one place that starts processes, so every failure names the full command line and
/// its exit status.
public enum HostCommand {
    /// The outcome of a finished command.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
    }

    /// Runs `argv` (argv[0] is looked up on PATH unless it contains a '/'), feeding it
    /// `stdinFile` if given, and returns its output whatever the exit status.
    ///
    /// Standard error goes to a temporary file rather than a pipe: reading two pipes one
    /// after the other deadlocks once the unread one fills its 64 KiB buffer.
    public static func capture(_ argv: [String], stdinFile: URL? = nil, environment: [String: String] = [:]) throws -> Output {
        let commandLine = argv.joined(separator: " ")
        guard let tool = argv.first else {
            throw ImageError("run", commandLine, "empty command line")
        }
        guard let executable = resolve(tool) else {
            throw ImageError("run", commandLine, "'\(tool)' not found on PATH")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(argv.dropFirst())
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }

        let stdoutPipe = Pipe()
        process.standardOutput = stdoutPipe
        let stderrURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("mkstateless-stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: stderrURL) }
        let stderrHandle = try FileHandle(forWritingTo: stderrURL)
        defer { try? stderrHandle.close() }
        process.standardError = stderrHandle

        var stdinHandle: FileHandle?
        if let stdinFile {
            do {
                stdinHandle = try FileHandle(forReadingFrom: stdinFile)
            } catch {
                throw ImageError("run", commandLine, "cannot open input \(stdinFile.path): \(error.localizedDescription)")
            }
            process.standardInput = stdinHandle
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        defer { try? stdinHandle?.close() }

        do {
            try process.run()
        } catch {
            throw ImageError("run", commandLine, error.localizedDescription)
        }
        let stdout = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderrData = (try? Data(contentsOf: stderrURL)) ?? Data()
        let stderr = String(decoding: stderrData, as: UTF8.self)
        return Output(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    /// Runs `argv` and returns its standard output; a non-zero exit status throws with the
    /// command line, the status and the first line of standard error.
    @discardableResult
    public static func run(_ argv: [String], stdinFile: URL? = nil) throws -> Data {
        let output = try capture(argv, stdinFile: stdinFile)
        guard output.status == 0 else {
            throw failure(argv, output)
        }
        return output.stdout
    }

    /// The error for a command that exited non-zero.
    static func failure(_ argv: [String], _ output: Output) -> ImageError {
        let detail = output.stderr
            .split(whereSeparator: \.isNewline)
            .first.map(String.init) ?? ""
        let why = "exit status \(output.status)" + (detail.isEmpty ? "" : ": \(detail)")
        return ImageError("run", argv.joined(separator: " "), why)
    }

    /// Looks a tool up on PATH, then in the sbin directories, which Debian leaves off an
    /// ordinary user's PATH although depmod lives there.
    static func resolve(_ tool: String) -> String? {
        if tool.contains("/") {
            return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        for directory in directories where !directory.isEmpty {
            let candidate = directory + "/" + tool
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }
}
