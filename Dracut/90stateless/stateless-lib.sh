#!/bin/sh
# Shared by the cmdline hook, the shell-init hooks and the systemd generator: whether
# Stateless attaches this boot's root, and what it takes over from dracut's own modules.

STATELESS=/usr/bin/stateless
# Written by the cmdline hook when Stateless attaches the root: `stateless cmdline`'s
# facts (ROOT=, NET=, …). Its presence is the condition of the systemd units.
STATELESS_DRACUT_ENV=/run/stateless/dracut.env
# The kernel's printk_devkmsg before the hooks lifted its rate limit.
STATELESS_DEVKMSG_SAVED=/run/stateless/printk_devkmsg.saved

# Root kinds Stateless does not attach (yet): dracut's own modules keep them.
stateless_foreign_root() { # ROOT-ARGUMENT
    case "$1" in
        live:* | zfs:* | cifs:* | nbd:* | virtiofs:* | gpt-auto | fstab) return 0 ;;
    esac
    return 1
}

# Sets STATELESS_FACTS (stateless cmdline's output) and returns 0 when Stateless attaches
# the root; 1 when dracut's modules do (rd.stateless=0, a foreign root kind, no root at
# all); 2 when the command line is not usable (its one line is on the console already).
stateless_decide() {
    STATELESS_FACTS=
    getargbool 1 rd.stateless || return 1
    stateless_foreign_root "$(getarg root=)" && return 1
    STATELESS_FACTS=$("$STATELESS" cmdline) || return 2
    case "$STATELESS_FACTS" in
        *"ROOT=''"* | *"ROOT=
"*) return 1 ;;
    esac
    return 0
}

# The value of KEY in STATELESS_FACTS (one line, as `stateless cmdline` quotes it).
stateless_fact() { # KEY
    (eval "$STATELESS_FACTS" && eval "printf '%s\n' \"\${$1}\"")
}

# dracut's hooks that would attach the same root, or configure the same links, a second
# time: removed before dracut's init or dracut-cmdline.service reaches them. (source_hook
# tests each file before it sources it, so a hook removed now is skipped in this run.)
stateless_take_over_hooks() { # NET(0|1)
    local hook removed=
    set -- "$1" "$hookdir"/cmdline/*parse-block.sh "$hookdir"/cmdline/*parse-nfsroot.sh \
        "$hookdir"/cmdline/*parse-iscsiroot.sh "$hookdir"/cmdline/*dhcp-root.sh \
        "$hookdir"/initqueue/finished/devexists-*.sh
    if [ "$1" = 1 ]; then
        set -- "$@" "$hookdir"/cmdline/*parse-ip-opts.sh "$hookdir"/cmdline/*parse-ibft.sh \
            "$hookdir"/cmdline/*nm-config.sh "$hookdir"/pre-udev/*net-genrules.sh \
            "$hookdir"/pre-udev/*ifname-genrules.sh "$hookdir"/initqueue/settled/*nm-run.sh
    fi
    shift
    for hook in "$@"; do
        [ -e "$hook" ] || [ -L "$hook" ] || continue
        rm -f -- "$hook"
        removed="$removed ${hook##*/}"
    done
    [ -n "$removed" ] && info "stateless: attaches the root; dracut's hooks for it are skipped:$removed"
    return 0
}

# As PID 1 of a standalone image does: /dev/kmsg takes every line of the boot (its
# default rate limit drops lines, the fatal one included), so our applets leave the
# console to the kernel's echo instead of printing each line twice.
stateless_lift_devkmsg_limit() {
    [ -e "$STATELESS_DEVKMSG_SAVED" ] || cat /proc/sys/kernel/printk_devkmsg > "$STATELESS_DEVKMSG_SAVED" 2> /dev/null
    echo on > /proc/sys/kernel/printk_devkmsg 2> /dev/null
    return 0
}

# The booted system gets the kernel's setting back.
stateless_restore_devkmsg_limit() {
    [ -e "$STATELESS_DEVKMSG_SAVED" ] || return 0
    cat "$STATELESS_DEVKMSG_SAVED" > /proc/sys/kernel/printk_devkmsg 2> /dev/null
    rm -f "$STATELESS_DEVKMSG_SAVED"
    return 0
}
