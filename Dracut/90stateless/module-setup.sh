#!/bin/bash
# Stateless's dracut module: the same `stateless` binary as a standalone image, run from
# dracut's hooks (shell init) or as units ordered like dracut's own (systemd in the
# initramfs). See docs/dracut.md in Stateless's sources, and stateless(8).
#
# `make install` replaces @BINDIR@ and @DATADIR@; a packager's build root can point the
# module elsewhere with STATELESS_BINARY= and STATELESS_DATADIR= in dracut's environment.

# The executable: $STATELESS_BINARY, then where `make install` put it, then PATH.
stateless_binary() {
    local candidate
    for candidate in "${STATELESS_BINARY:-}" "@BINDIR@/stateless" "$(command -v stateless 2> /dev/null)"; do
        [[ $candidate && $candidate != @* && -x $candidate ]] || continue
        printf '%s\n' "$candidate"
        return 0
    done
    return 1
}

# Initramfs/ of the installed package (the default rwtab).
stateless_defaults() {
    local candidate
    for candidate in "${STATELESS_DATADIR:-}" "@DATADIR@/stateless"; do
        [[ $candidate && $candidate != @* && -d $candidate/Initramfs ]] || continue
        printf '%s\n' "$candidate/Initramfs"
        return 0
    done
    return 1
}

# Libraries the binary needs that this machine lacks, one per line ("libmnl.so.0").
stateless_missing_libraries() {
    ldd "$1" 2> /dev/null | awk '/=> not found/ { print $1 }'
}

# Where the machine keeps a library (one of dracut's $libdirs).
stateless_library_path() {
    local directory
    for directory in $libdirs; do
        [[ -e $dracutsysrootdir$directory/$1 ]] && printf '%s\n' "$directory/$1" && return 0
    done
    return 1
}

# Was the running system booted by Stateless? Its timeline survives switch-root in /run.
stateless_booted_this_system() {
    [[ -s /run/stateless/timeline ]]
}

check() {
    local binary missing
    if ! binary=$(stateless_binary); then
        derror "stateless: no stateless executable: expected \$STATELESS_BINARY, @BINDIR@/stateless or one in PATH (install it with make install, or set STATELESS_BINARY=)"
        return 1
    fi
    missing=$(stateless_missing_libraries "$binary")
    if [[ $missing ]]; then
        derror "stateless: $binary needs libraries this machine does not have: $(echo $missing) (install them, e.g. Debian's libkmod2 libblkid1 libmount1 libiscsi7 libdevmapper1.02.1 libmnl0 libext2fs2)"
        return 1
    fi
    # Never included unless asked (--add stateless), except on a host-only image of a
    # machine that Stateless itself booted: that machine's next image should boot it too.
    if [[ $hostonly ]] && stateless_booted_this_system; then
        return 0
    fi
    return 255
}

depends() {
    # Network roots need the NIC drivers (all wired ones, or this machine's with host-only).
    echo kernel-network-modules
}

installkernel() {
    # What our root kinds and writable places load themselves: filesystems, the loop and
    # nbd block devices (image files, the iSCSI bridge), overlayfs, device-mapper, NFS,
    # the raw packet sockets of the DHCP client and the firmware's iSCSI table.
    hostonly='' instmods ext4 xfs btrfs squashfs isofs erofs overlay loop nbd zram \
        dm-mod dm-snapshot nfs nfsv3 nfsv4 af_packet iscsi_ibft
}

install() {
    local binary defaults missing
    # check() ran already unless the module was forced in (--force-add): test again, so a
    # missing library stops this build rather than the boot.
    binary=$(stateless_binary) || {
        dfatal "stateless: no stateless executable (set STATELESS_BINARY= or install it)"
        exit 1
    }
    missing=$(stateless_missing_libraries "$binary")
    if [[ $missing ]]; then
        dfatal "stateless: $binary needs libraries this machine does not have: $(echo $missing)"
        exit 1
    fi
    # inst_binary follows the ELF dependencies through dracut-install, as for dracut's own.
    inst_binary "$binary" /usr/bin/stateless || {
        dfatal "stateless: installing $binary and its libraries failed"
        exit 1
    }
    # Opened with dlopen(3) by the roots that need them (SharedLibrary.swift), so the ELF
    # walk above does not find them; nbd and dm-mod are always in (installkernel).
    # dracut-install follows the dependencies of executable files only (a library is
    # mode 0644): what each links is installed from ldd's list.
    local library path dependency
    for library in libiscsi.so.7 libdevmapper.so.1.02.1; do
        if ! path=$(stateless_library_path "$library"); then
            dwarn "stateless: no $library on this machine: this image cannot boot an iSCSI root (libiscsi) or a live snapshot (libdevmapper)"
            continue
        fi
        inst_library "$path"
        for dependency in $(ldd "$dracutsysrootdir$path" 2> /dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
            inst_library "${dependency#"$dracutsysrootdir"}"
        done
    done
    if defaults=$(stateless_defaults); then
        inst_simple "$defaults/etc/stateless/rwtab.default" /etc/stateless/rwtab.default
    else
        dwarn "stateless: no Initramfs/ defaults (expected @DATADIR@/stateless/Initramfs or \$STATELESS_DATADIR): the image has no default rwtab"
    fi

    inst_simple "$moddir/stateless-lib.sh" /lib/stateless-lib.sh
    inst_hook cmdline 00 "$moddir/parse-stateless.sh"
    if dracut_module_included "systemd"; then
        inst_simple "$moddir/stateless-root.service" "$systemdsystemunitdir/stateless-root.service"
        inst_simple "$moddir/stateless-overlay.service" "$systemdsystemunitdir/stateless-overlay.service"
        inst_script "$moddir/stateless-generator.sh" "$systemdutildir/system-generators/stateless-generator"
    else
        inst_hook mount 01 "$moddir/mount-stateless.sh"
        inst_hook pre-pivot 01 "$moddir/pre-pivot-stateless.sh"
    fi
}
