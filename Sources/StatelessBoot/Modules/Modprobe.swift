import StatelessCore
import StatelessProtocols
import StatelessSystem

/// `modprobe` as the kernel runs it for `request_module()` — `/sbin/modprobe -q -- NAME`
/// for a filesystem type (`fs-xfs`), a crypto algorithm, `dm-*`, `nls_*`… — so such
/// requests are served from the image's modules through libkmod. The kernel waits for
/// the exit status: 0 when a module serving the name is in the kernel afterwards.
public struct ModprobeRequest: Equatable, Sendable {
    public var names: [String]
    public var quiet = false

    public init(names: [String], quiet: Bool = false) {
        self.names = names
        self.quiet = quiet
    }

    /// The options module-init-tools' modprobe takes that matter for loading; anything
    /// else (removal, module parameters) is refused rather than half done.
    public init(arguments: [String]) throws(OptionError) {
        var names: [String] = []
        var quiet = false
        var all = false
        var optionsEnded = false
        for argument in arguments {
            if !optionsEnded && argument.hasPrefix("-") && argument != "-" {
                switch argument {
                case "--": optionsEnded = true
                case "-q", "--quiet": quiet = true
                case "-a", "--all": all = true
                case "-b", "--use-blacklist", "-v", "--verbose", "-s", "--syslog": break  // the blacklist always applies
                default:
                    throw OptionError(option: "modprobe", value: argument, expected: "-q, -a, -b, -v, -s or -- (loading only)")
                }
                continue
            }
            names.append(argument)
        }
        guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty }) else {
            throw OptionError(option: "modprobe", value: arguments.joined(separator: " "), expected: "a module name or alias")
        }
        guard all || names.count == 1 else {
            throw OptionError(option: "modprobe", value: names.joined(separator: " "),
                              expected: "one module name (module parameters are not supported; -a loads several)")
        }
        self.init(names: names, quiet: quiet)
    }
}

/// The `modprobe` applet: parses the request, loads through `ModuleLoader` with the
/// command line's blacklist, records what it loaded in /run/stateless/modules.loaded.
struct Modprobe {
    package let log: Logger

    package func run(_ arguments: [String]) -> Int32 {
        let request: ModprobeRequest
        do {
            request = try ModprobeRequest(arguments: arguments)
        } catch {
            log.error("modprobe", error.description)
            return 2
        }
        // The same options PID 1 runs with; if one of them is unusable, the module ones
        // still count (the blacklist must hold for the kernel's requests too).
        let line = try? Boot.readCommandLine()
        let options = line.flatMap { try? BootOptions($0) } ?? line.map { BootOptions(fallbackFrom: $0) } ?? BootOptions()
        log.verbose = !request.quiet && !options.quiet
        let loader: ModuleLoader
        do {
            loader = try ModuleLoader(blacklist: options.moduleBlacklist, timeoutSeconds: options.moduleTimeoutSeconds, log: log)
        } catch {
            log.error("modprobe", "\(error)")
            return 1
        }
        var missing: [String] = []
        for name in request.names where !loader.ensureLive(alias: name, reason: "kernel request") {
            missing.append(name)
        }
        HandOff.recordLoadedModules(loader.takeUnreported(), log: log)
        // What each request cost, from the process's start: the kernel waits for it.
        if let started = Posix.startTime() {
            log.span(TimelineEntry(stage: "modprobe:" + request.names.joined(separator: ","), start: started, end: .now(),
                                   outcome: missing.isEmpty ? "ok" : "failed", detail: "the kernel's request_module()"))
        }
        if !missing.isEmpty {
            // The kernel asks for many optional things (net-pf-10, crypto-…) and passes -q:
            // then a miss is routine, not a warning.
            let level: Logger.Level = request.quiet ? .info : .warning
            log.write(level, "modprobe", "no module in this image serves \(missing.joined(separator: ", ")) (the kernel asked for it)")
            return 1
        }
        return 0
    }
}
