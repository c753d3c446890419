// Kernel and libc headers Glibc's Swift module does not expose: netlink (uevents) and
// reboot(2). Declarations only; nothing is linked.
#include <linux/netlink.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
