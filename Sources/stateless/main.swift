import CEarlyRandom  // linked for its swift_stdlib_random, which must not block at boot
import Glibc
import StatelessBoot

// The multi-call early-boot binary. All logic lives in StatelessBoot; this only picks
// the applet. No Foundation here or below (checked by the binary-check scenario).
guard let applet = Applet.select(CommandLine.arguments, isPID1: getpid() == 1) else {
    print(Applet.usage, terminator: "")
    exit(CommandLine.arguments.count > 1 ? 2 : 0)
}
applet.run()
