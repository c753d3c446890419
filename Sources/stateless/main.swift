import StatelessBoot
import StatelessSystem

// The multi-call early-boot binary. All logic lives in StatelessBoot; this only picks
// the applet. No Foundation here or below (checked by the binary-check scenario).
let isPID1 = Posix.processID == 1
// Before anything opens a file: fds 0–2 must exist (see StandardStreams).
StandardStreams.ensureOpen(preferConsole: isPID1)
let arguments = CommandLine.arguments
guard let applet = Applet.select(arguments, isPID1: isPID1) else {
    print(Applet.usage, terminator: "")
    Posix.exit(arguments.count > 1 ? 2 : 0)
}
applet.run(arguments: isPID1 ? Array(arguments.dropFirst()) : Applet.appletArguments(arguments, applet: applet))
