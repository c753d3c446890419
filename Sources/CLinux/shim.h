// Kernel and libc headers Glibc's Swift module does not expose: netlink (uevents),
// reboot(2), statvfs, TIOCSCTTY, eventfd, strerrorname_np. Declarations only; nothing is linked.
#include <linux/netlink.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <sys/statvfs.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
// swapon(2): local swap before the switch (LocalStorage).
#include <sys/swap.h>

// glibc 2.32+ (GNU extension; declared here because Swift's Glibc module is built
// without _GNU_SOURCE): the symbolic name of an errno value, "ENOENT".
extern const char *strerrorname_np(int errnum);

// unshare(2) (sched.h declares it only with _GNU_SOURCE): the netlink host tests run in a
// network namespace of their own.
extern int unshare(int flags);
#define STATELESS_CLONE_NEWNET 0x40000000
extern int setns(int fd, int nstype);

// AF_PACKET (sockaddr_ll) and ETH_P_ARP: the ARP probe before a DHCP client takes an address.
#include <netpacket/packet.h>
#include <linux/if_ether.h>

// posix_spawn's POSIX_SPAWN_SETSID (spawn.h defines it only with _GNU_SOURCE): the lease
// keeper runs in a session of its own, away from the console's.
#define STATELESS_POSIX_SPAWN_SETSID 0x80

// Loop devices (NFS-loopback and live roots): LOOP_CTL_GET_FREE, LOOP_CONFIGURE (5.8+)
// with struct loop_config, LO_FLAGS_*. The ioctl numbers are macros Swift imports as
// plain integers.
#include <linux/loop.h>

// The iSCSI bridge: SIGTERM as a descriptor it polls, and MCL_ONFAULT (sys/mman.h
// defines it only with _GNU_SOURCE): lock what the daemon touches, not all it maps.
#include <sys/signalfd.h>
#include <sys/mman.h>
#define STATELESS_SFD_CLOEXEC 02000000
#define STATELESS_MCL_ONFAULT 4

// prctl(2) is variadic, which Swift does not import: PR_SET_IO_FLUSHER (Linux 5.6) for the
// bridge, so that its own allocations never wait on writeback to the device it serves.
#include <sys/prctl.h>
#include <linux/prctl.h>
static inline int stateless_set_io_flusher(void) { return prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0); }

// getrandom(2) with GRND_NONBLOCK: before https, is the kernel's CRNG ready yet?
#include <sys/random.h>
