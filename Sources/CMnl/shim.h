// libmnl (Debian's libmnl0, ~20 KB): builds and validates netlink messages, so the
// early-boot code does not hand-pack nlmsghdr/rtattr layouts. Plus the rtnetlink and
// generic netlink structures and attribute numbers it fills in.
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/if_ether.h>
// Generic netlink (the nbd driver's configuration interface: the iSCSI bridge).
#include <linux/genetlink.h>
#include <linux/nbd-netlink.h>
#include <linux/nbd.h>
