#!/bin/sh
# systemd generator (systemd in the initramfs): when Stateless attaches this boot's root,
# its two units join initrd-root-fs.target, and the units that would do the same work a
# second time are switched off for this boot only:
#   systemd-volatile-root   systemd.volatile= is the overlay stage's option here
#   systemd-fsck@ROOT       the root is read-only and may be shared: never checked here
#   systemd-networkd, NetworkManager  the network, when there is one, is ours
# Arguments: the normal, early and late generator directories (systemd.generator(7)).
type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh
. /lib/stateless-lib.sh

normal=$1 early=$2
[ -n "$normal" ] && [ -n "$early" ] || exit 1
# 1: dracut's modules attach the root; 2: the cmdline hook reports the bad option.
stateless_decide > /dev/null 2>&1 || exit 0

mkdir -p "$normal/initrd-root-fs.target.requires" "$early"
for unit in stateless-root.service stateless-overlay.service; do
    ln -sf "/usr/lib/systemd/system/$unit" "$normal/initrd-root-fs.target.requires/$unit"
done

ln -sf /dev/null "$early/systemd-volatile-root.service"

# systemd 252 checks /sysroot with systemd-fsck-root.service in the initramfs, older ones
# with systemd-fsck@DEVICE.service.
fsck_units=systemd-fsck-root.service
root=$(getarg root=)
case "$root" in
    LABEL=* | UUID=* | PARTUUID=* | PARTLABEL=* | /dev/*)
        fsck_units="$fsck_units systemd-fsck@$(dev_unit_name "$(label_uuid_to_dev "$root")").service"
        ;;
esac
for unit in $fsck_units; do
    mkdir -p "$early/$unit.d"
    printf '[Unit]\n# Stateless attaches this root (read-only, maybe shared): not checked here\nConditionPathExists=!%s\n' \
        "$STATELESS_DRACUT_ENV" > "$early/$unit.d/stateless.conf"
done

# The network of the initramfs is ours when the root needs one, and none otherwise
# (networkd would still start, and its nl80211 query loads cfg80211, which logs an
# error for the missing regulatory.db into the booted system's journal).
for unit in systemd-networkd.service systemd-networkd.socket systemd-networkd-wait-online.service \
    NetworkManager.service NetworkManager-wait-online.service nm-initrd.service nm-wait-online-initrd.service; do
    ln -sf /dev/null "$early/$unit"
done
exit 0
