# shellcheck shell=bash
# Test lab library: sourced by Tests/Scenarios/*, Tests/run, Tests/demo, Tests/bench.
#
#   lab_kernel                  Debian's kernel (the version linux-image-amd64 depends on),
#                               unpacked once into .cache/kernel/VERSION; exports KVER KDIR VMLINUZ
#   lab_build                   release build of stateless + mkstateless, once; exports BIN
#   lab_image OUT [ARGS…]       mkstateless build for KVER into OUT
#   lab_testroot OUT UUID LABEL tiny busybox root (ext4) whose /sbin/init reports and powers off
#   lab_floor_image OUT         the floor: busybox as /init, reports its uptime, powers off
#   lab_boot NAME INITRD APPEND [DISK [QEMU ARGS…]]
#                               boots qemu (TCG, -no-reboot, timeout); serial log in
#                               .cache/logs/NAME.log; sets BOOT_RC BOOT_WALL BOOT_LOG
#   ok / not_ok / check / assert_* / lab_finish
#                               TAP-like assertions; lab_finish exits non-zero on any failure
#   lab_skip REASON             prerequisite missing: exit 77 (Tests/run turns it into a
#                               failure under CI=true)

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_REPO=$(cd "$LAB_DIR/../.." && pwd)
LAB_CACHE=${LAB_CACHE:-$LAB_REPO/.cache}
# Tests/run gives each scenario a work directory and a log directory of its own
# (LAB_WORK, LAB_LOGS); what scenarios share (the default image, the dracut images) is
# built once under LAB_SHARED, each piece under its lock (lab_lock).
LAB_LOGS=${LAB_LOGS:-$LAB_CACHE/logs}
LAB_WORK=${LAB_WORK:-$LAB_CACHE/work}
LAB_SHARED=$LAB_CACHE/shared
LAB_QEMU_TIMEOUT=${LAB_QEMU_TIMEOUT:-120}
mkdir -p "$LAB_CACHE" "$LAB_LOGS" "$LAB_WORK" "$LAB_SHARED/locks"

LAB_FAILS=${LAB_FAILS:-0}
LAB_PASSES=${LAB_PASSES:-0}

lab_log() { echo "# $*"; }

# Cleanups (servers, namespaces) run at exit, last registered first; each once.
LAB_EXIT_HOOKS=()
lab_on_exit() { # COMMAND
  local hook
  for hook in "${LAB_EXIT_HOOKS[@]}"; do [ "$hook" = "$1" ] && return; done
  LAB_EXIT_HOOKS+=("$1")
  trap _lab_exit_hooks EXIT
}
_lab_exit_hooks() {
  local i
  for ((i = ${#LAB_EXIT_HOOKS[@]} - 1; i >= 0; i--)); do ${LAB_EXIT_HOOKS[i]}; done
}

lab_skip() {
  echo "SKIP: $*"
  exit 77
}

# Under `Tests/run --all` (LAB_ALL=1) a scenario also boots its twins and variants; the
# CI tier boots each root kind and failure class once.
lab_all() { [ "${LAB_ALL:-}" = 1 ]; }

# One holder at a time of a shared piece (a second scenario running at once waits for
# the first to finish building it). lab_unlock NAME lets go; exit does too.
declare -A LAB_LOCKS=()
lab_lock() { # NAME
  local fd
  exec {fd}>"$LAB_SHARED/locks/$1.lock"
  flock -w 1800 "$fd" || { echo "not ok - waited 30 min for the lock $1 (another run holds it?)"; exit 1; }
  LAB_LOCKS[$1]=$fd
}
lab_unlock() { # NAME
  local fd=${LAB_LOCKS[$1]:-}
  [ -n "$fd" ] && exec {fd}>&-
  unset "LAB_LOCKS[$1]"
}

# The one readiness wait: polls COMMAND every 0.1 s until it succeeds (0) or SECONDS pass
# (1). For servers that must listen, sockets that must appear, lines a boot must print.
lab_wait_until() { # SECONDS COMMAND…
  local end=$((SECONDS + $1)); shift
  until "$@"; do
    [ "$SECONDS" -ge "$end" ] && return 1
    sleep 0.1
  done
}
# Whether something listens on PROTO (tcp or udp) PORT, in network namespace NETNS if given.
lab_listens() { # PROTO PORT [NETNS]
  local run=() flag=-ltn
  [ -n "${3:-}" ] && run=(ip netns exec "$3")
  [ "$1" = udp ] && flag=-lun
  "${run[@]}" ss "$flag" 2>/dev/null | grep -q ":$2 "
}
# Whether process PID has exited.
lab_gone() { ! kill -0 "$1" 2>/dev/null; } # PID
# A line matching ERE in FILE (a boot's log, written as the VM runs).
lab_log_has() { grep -aEq -- "$2" "$1" 2>/dev/null; } # FILE ERE
lab_wait_for_log() { lab_wait_until "$3" lab_log_has "$1" "$2"; } # FILE ERE SECONDS

lab_need() { # CMD… : each command must exist, otherwise skip (a failure under CI)
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || lab_skip "missing prerequisite '$c' (run Tests/lab/setup)"
  done
}

# --- kernel -----------------------------------------------------------------

lab_kernel() {
  if [ -n "${KVER:-}" ] && [ -n "${KDIR:-}" ] && [ -e "${VMLINUZ:-}" ]; then return 0; fi
  lab_need apt-cache apt-get dpkg-deb depmod
  local pkg
  pkg=$({ apt-cache depends linux-image-amd64 2>/dev/null || true; } |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
  if [ -z "$pkg" ]; then
    # Fall back to whatever is already cached (offline use).
    local cached
    cached=$(ls -1d "$LAB_CACHE"/kernel/*/ 2>/dev/null | sort -V | tail -1)
    [ -n "$cached" ] || lab_skip "cannot resolve linux-image-amd64 (apt-get update?) and no cached kernel"
    pkg=linux-image-$(basename "$cached")
  fi
  KVER=${pkg#linux-image-}
  KDIR=$LAB_CACHE/kernel/$KVER
  VMLINUZ=$KDIR/boot/vmlinuz-$KVER
  if [ ! -e "$VMLINUZ" ] || [ ! -d "$KDIR/lib/modules/$KVER" ]; then
    lab_log "fetching kernel $pkg into $KDIR"
    local tmp
    tmp=$(mktemp -d "$LAB_CACHE/kernel-dl.XXXXXX"); chmod 0777 "$tmp" # apt drops to _apt
    if ! (cd "$tmp" && apt-get download -q "$pkg" >/dev/null) ; then
      rm -rf "$tmp"; lab_skip "apt-get download $pkg failed"
    fi
    mkdir -p "$tmp/x"
    dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/x" || { rm -rf "$tmp"; lab_skip "dpkg-deb -x failed"; }
    rm -rf "$KDIR"; mkdir -p "$(dirname "$KDIR")"
    mv "$tmp/x" "$KDIR"; rm -rf "$tmp"
  fi
  # The .deb carries no modules.dep (postinst runs depmod): generate it once, in the cache.
  if [ ! -s "$KDIR/lib/modules/$KVER/modules.dep" ]; then
    depmod -b "$KDIR" "$KVER" || lab_skip "depmod -b $KDIR $KVER failed"
  fi
  export KVER KDIR VMLINUZ
}

# --- builds -----------------------------------------------------------------

LAB_SWIFT_RELEASE=(swift build -c release)

lab_build() {
  if [ -n "${LAB_BUILD_FAILED:-}" ]; then
    echo "not ok - release build: $LAB_BUILD_FAILED"; exit 1
  fi
  BIN=$LAB_REPO/.build/release
  if [ "${LAB_BUILT:-}" != 1 ]; then
    lab_need swift
    lab_log "release build: ${LAB_SWIFT_RELEASE[*]}"
    if ! (cd "$LAB_REPO" && "${LAB_SWIFT_RELEASE[@]}" >"$LAB_LOGS/release-build.log" 2>&1); then
      tail -n 40 "$LAB_LOGS/release-build.log" | sed 's/^/#   /'
      echo "not ok - release build failed (log: $LAB_LOGS/release-build.log)"; exit 1
    fi
    LAB_BUILT=1
  fi
  [ -x "$BIN/stateless" ] && [ -x "$BIN/mkstateless" ] ||
    { echo "not ok - release build produced no stateless/mkstateless in $BIN"; exit 1; }
  export BIN LAB_BUILT
}

lab_image() { # OUT [extra mkstateless args]
  local out=$1; shift
  lab_kernel; lab_build
  mkdir -p "$(dirname "$out")"
  # The minimal libkmod (Tests/lab/minimal-libkmod, run by setup) keeps libcrypto out.
  local libs=()
  [ -e "$LAB_CACHE/libkmod-minimal/libkmod.so.2" ] && libs=(--library-dir "$LAB_CACHE/libkmod-minimal")
  if ! "$BIN/mkstateless" build --kernel "$KVER" --sysroot "$KDIR" --output "$out" "${libs[@]}" "$@" \
      >"$out.build.log" 2>&1; then
    sed 's/^/#   /' "$out.build.log" | tail -n 40
    echo "not ok - mkstateless build failed (log: $out.build.log)"; exit 1
  fi
}

# The image every VM scenario boots, built once per build of the binaries.
lab_default_image() { # sets IMG
  lab_kernel; lab_build
  IMG=$LAB_SHARED/stateless-$KVER.img
  lab_lock default-image
  if [ ! -s "$IMG" ] || [ "$BIN/stateless" -nt "$IMG" ] || [ "$BIN/mkstateless" -nt "$IMG" ]; then
    lab_log "building $IMG"
    lab_image "$IMG" ${LAB_IMAGE_ARGS:-}
  fi
  lab_unlock default-image
  export IMG
}

# --- the test root ----------------------------------------------------------

# Fixed facts of the test root the scenarios assert against.
LAB_OLD_MTIME_TEXT="2001-02-03 04:05:06 UTC"
LAB_OLD_MTIME=$(date -u -d "$LAB_OLD_MTIME_TEXT" +%s)
LAB_FILE_MTIME_TEXT="2020-01-02 03:04:05 UTC"
LAB_FILE_MTIME=$(date -u -d "$LAB_FILE_MTIME_TEXT" +%s)
# tmpfs (where rwtab copies live) stores security.* and trusted.* xattrs, but user.* only
# from Linux 6.6 on (bookworm's kernel is 6.1): the copy is asserted with an SELinux label,
# the user.* one is only reported.
LAB_XATTR_NAME=security.selinux
LAB_XATTR_VALUE=system_u:object_r:var_lib_t:s0
LAB_UXATTR_NAME=user.stateless.demo
LAB_UXATTR_VALUE=copied-user-xattr
# The machine-id the test root carries, as an image built by an installer would: shared.
LAB_SHARED_MACHINE_ID=0123456789abcdef0123456789abcdef

_lab_copy_elf() { # STAGING PROGRAM : copy a dynamic program and its libraries at their paths
  local st=$1 prog=$2 lib
  rm -f "$st$prog"; install -D -m 0755 "$prog" "$st$prog"
  for lib in $(ldd "$prog" | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }'); do
    [ -e "$st$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$st$lib"
  done
}

# A minimal 64-bit little-endian ELF executable header for MACHINE (62 x86_64, 183
# aarch64), with a PT_INTERP program header naming LOADER when it is not empty. It never
# runs: switch-root must recognise what is wrong with it before anything is destroyed.
_lab_fake_elf() { # MACHINE LOADER > FILE
  local machine=$1 loader=$2 phnum=0
  le() { local v=$1 n=$2 i; for ((i = 0; i < n; i++)); do printf "\\x$(printf %02x $((v >> (8 * i) & 255)))"; done; }
  [ -n "$loader" ] && phnum=1
  printf '\x7fELF\x02\x01\x01'; le 0 9            # magic, 64-bit, LE, version; padding
  le 2 2; le "$machine" 2; le 1 4; le 0 8            # ET_EXEC, e_machine, version, entry
  le 64 8; le 0 8; le 0 4; le 64 2                   # phoff, shoff, flags, ehsize
  le 56 2; le "$phnum" 2; le 64 2; le 0 2; le 0 2    # phentsize, phnum, shentsize, shnum, shstrndx
  if [ -n "$loader" ]; then
    le 3 4; le 4 4; le 120 8; le 120 8; le 120 8     # PT_INTERP, flags, offset, vaddr, paddr
    le $((${#loader} + 1)) 8; le $((${#loader} + 1)) 8; le 1 8
    printf '%s\0' "$loader"
  fi
}

# The test root's tree is made once (again when this file or, for the variant with the
# binary, the binary changes) and shared; each image of it gets its own UUID and label.
lab_testroot() { # OUT.img UUID LABEL
  local out=$1 uuid=$2 label=$3 key
  lab_need mkfs.ext4
  local tree=$LAB_SHARED/testroot${LAB_TESTROOT_STATELESS:+-stateless}
  [ "${LAB_TESTROOT_STATELESS:-}" = 1 ] && lab_build
  key=$(cat "${BASH_SOURCE[0]}" ${LAB_TESTROOT_STATELESS:+"$BIN/stateless"} | sha256sum)
  lab_lock testroot
  if [ "$(cat "$tree.key" 2>/dev/null)" != "$key" ]; then
    rm -rf "$tree" "$tree.key"
    lab_testroot_tree "$tree"
    echo "$key" >"$tree.key"
  fi
  lab_unlock testroot
  rm -f "$out"
  mkdir -p "$(dirname "$out")"
  mkfs.ext4 -q -F -d "$tree" -U "$uuid" -L "$label" "$out" 64M || { echo "not ok - mkfs.ext4 of the test root failed"; exit 1; }
}

lab_testroot_tree() { # DIR : the test root's files (as lab_testroot's image holds them) in DIR
  local st=$1
  lab_need busybox setfattr getfattr
  mkdir -p "$st"/{bin,sbin,usr/bin,usr/sbin,etc/rwtab.d,proc,sys,dev,run,tmp,sysroot,root}
  chmod 1777 "$st/tmp"

  # busybox (static) + applet symlinks, the way `busybox --install -s` lays them out.
  install -m 0755 "$(readlink -f "$(command -v busybox)")" "$st/bin/busybox"
  local a
  for a in $(busybox --list-full); do
    # /sbin/init is our script; never leave an absolute link we could write through.
    case "$a" in bin/busybox|sbin/init|linuxrc) continue ;; esac
    mkdir -p "$st/$(dirname "$a")"
    [ -e "$st/$a" ] || ln -s /bin/busybox "$st/$a"
  done
  # busybox has no getfattr applet: bring the real one (dynamic, with its libraries).
  _lab_copy_elf "$st" "$(readlink -f "$(command -v getfattr)")"
  # Guard: staging must never have written through to the host (absolute symlinks).
  [ "$(stat -c %s "$(readlink -f "$(command -v busybox)")")" -gt 100000 ] ||
    { echo "not ok - host busybox looks damaged: reinstall busybox-static"; exit 1; }
  [ -e "$st/usr/bin/getfattr" ] || ln -sf "$(readlink -f "$(command -v getfattr)")" "$st/usr/bin/getfattr"
  mknod -m 0600 "$st/dev/console" c 5 1 2>/dev/null || true
  mknod -m 0666 "$st/dev/null" c 1 3 2>/dev/null || true
  # systemd's switch-root (a dracut image with systemd) takes only an OS tree: os-release.
  printf 'NAME="Stateless test root"\nID=stateless-test\n' >"$st/etc/os-release"

  # --- rwtab ---
  cat >"$st/etc/rwtab" <<'EOF'
# Test root rwtab (Fedora readonly-root format).
empty	/var/tmp
dirs	/var/cache/demo
files	/var/lib/demo
files	/var/lib/demo/nested
EOF
  printf 'empty /srv/scratch\n' >"$st/etc/rwtab.d/extra"
  # Entries that are symlinks, or below one, as stock distributions have them: left as
  # they are (a bind mount cannot replace a link); one whose link climbs out is refused.
  cat >"$st/etc/rwtab.d/symlinks" <<'EOF2'
files	/etc/resolv.conf
files	/etc/mtab
empty	/var/lib/dangling
empty	/var/lock/subsys
files	/srv/climb/passwd
EOF2
  mkdir -p "$st/var/lib" "$st/srv"
  ln -s ../run/resolv.conf "$st/etc/resolv.conf"
  ln -s /proc/self/mounts "$st/etc/mtab"
  ln -s /nonexistent/dangling "$st/var/lib/dangling"
  ln -s /run/lock "$st/var/lock"
  ln -s ../../../etc "$st/srv/climb"

  # empty: the image content must be hidden.
  mkdir -p "$st/var/tmp" "$st/srv/scratch"
  chmod 1777 "$st/var/tmp"
  echo "must not be visible" >"$st/var/tmp/image-file"
  echo "must not be visible" >"$st/srv/scratch/image-file"
  # dirs: the tree, not the files.
  mkdir -p "$st/var/cache/demo/a/b" "$st/var/cache/demo/c"
  echo f1 >"$st/var/cache/demo/top.txt"
  echo f2 >"$st/var/cache/demo/a/file.txt"
  echo f3 >"$st/var/cache/demo/a/b/deep.txt"
  chmod 0750 "$st/var/cache/demo/c"
  chown 1234:5678 "$st/var/cache/demo/c"
  # files: a writable copy with owner, mode, mtime, symlinks and xattrs.
  mkdir -p "$st/var/lib/demo/sub" "$st/var/lib/demo/nested"
  echo "hello from the image" >"$st/var/lib/demo/hello.txt"
  echo "sub content" >"$st/var/lib/demo/sub/inner.txt"
  ln -s hello.txt "$st/var/lib/demo/link"
  echo "secret" >"$st/var/lib/demo/secret"
  chmod 0640 "$st/var/lib/demo/secret"
  chown 1234:5678 "$st/var/lib/demo/secret"
  echo "old" >"$st/var/lib/demo/old.txt"
  touch -d "$LAB_OLD_MTIME_TEXT" "$st/var/lib/demo/old.txt"
  echo "nested content" >"$st/var/lib/demo/nested/n.txt"
  # Fixed times everywhere under /var and /srv (so copies can be compared exactly), one old.
  find "$st/var" "$st/srv" -exec touch -h -d "$LAB_FILE_MTIME_TEXT" {} +
  touch -d "$LAB_OLD_MTIME_TEXT" "$st/var/lib/demo/old.txt"
  setfattr -n "$LAB_XATTR_NAME" -v "$LAB_XATTR_VALUE" "$st/var/lib/demo/hello.txt"
  setfattr -n "$LAB_UXATTR_NAME" -v "$LAB_UXATTR_VALUE" "$st/var/lib/demo/hello.txt"

  # --- machine state: a statetab path, and the identity every client would share ---
  mkdir -p "$st/var/lib/keep" "$st/etc/ssh" "$st/etc/statetab.d"
  echo "seed from the image" >"$st/var/lib/keep/seed"
  printf '# Test root statetab\n/var/lib/keep\n' >"$st/etc/statetab"
  printf '/var/lib/keep/inner\n/var/lib/not-in-image\n' >"$st/etc/statetab.d/extra"
  echo "$LAB_SHARED_MACHINE_ID" >"$st/etc/machine-id"
  echo "Port 22" >"$st/etc/ssh/sshd_config"
  echo "the image's shared key" >"$st/etc/ssh/ssh_host_ed25519_key"
  echo "the image's shared key" >"$st/etc/ssh/ssh_host_ed25519_key.pub"
  chmod 0600 "$st/etc/ssh/ssh_host_ed25519_key"
  # More identity an image built the usual way carries (IdentityFiles): D-Bus's copy of the
  # machine-id, a random seed marked creditable, open-iscsi's initiator name,
  # NetworkManager's secret and a dhclient lease, each in a directory no rwtab line names.
  mkdir -p "$st/var/lib/dbus" "$st/var/lib/systemd" "$st/etc/iscsi" "$st/var/lib/NetworkManager" "$st/var/lib/dhcp"
  echo "$LAB_SHARED_MACHINE_ID" >"$st/var/lib/dbus/machine-id"
  printf 'the image%.0s' $(seq 1 64) >"$st/var/lib/systemd/random-seed"
  setfattr -n user.random-seed-creditable -v 1 "$st/var/lib/systemd/random-seed"
  echo "InitiatorName=iqn.1993-08.org.debian:01:shared" >"$st/etc/iscsi/initiatorname.iscsi"
  echo "the image's shared secret" >"$st/var/lib/NetworkManager/secret_key"
  printf '[main]\nNetworkingEnabled=true\n' >"$st/var/lib/NetworkManager/NetworkManager.state"
  echo "lease { fixed-address 10.0.2.99; }" >"$st/var/lib/dhcp/dhclient.leases"

  # A package database as Debian's (dpkg's file lists), for the audit's package names.
  mkdir -p "$st/var/lib/app" "$st/var/lib/dpkg/info"
  printf '/.\n/var\n/var/lib\n/var/lib/app\n' >"$st/var/lib/dpkg/info/demo-app.list"
  printf '/.\n/var\n/var/lib\n/var/lib/demo\n' >"$st/var/lib/dpkg/info/demo-data.list"
  # LAB_TESTROOT_STATELESS=1: the stateless binary in the root, for `stateless audit` and
  # `stateless update`.
  if [ "${LAB_TESTROOT_STATELESS:-}" = 1 ]; then
    lab_build
    _lab_copy_elf "$st" "$BIN/stateless"
    strip "$st$BIN/stateless"
    # `stateless update` checks release signatures with libhogweed, opened with dlopen
    # (every Debian install has it: libhogweed6, through gnutls).
    _lab_copy_elf "$st" "$(ldd "$BIN/stateless" | awk '/libnettle/ { sub("libnettle.so.8", "libhogweed.so.6", $3); print $3 }')"
    mkdir -p "$st/usr/bin" && ln -sf "$BIN/stateless" "$st/usr/bin/stateless"
  fi

  # --- /sbin/init: report what the booted system sees, then power off ---
  rm -f "$st/sbin/init"
  sed -e "s|@XATTR@|$LAB_XATTR_NAME|g" -e "s|@UXATTR@|$LAB_UXATTR_NAME|g" >"$st/sbin/init" <<'EOF'
#!/bin/sh
# Test root init: print `REPORT key=value` lines on the console, then power off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
[ -r /proc/uptime ] || mount -t proc proc /proc 2>/dev/null
read up _ </proc/uptime
exec </dev/console >/dev/console 2>&1 || exec >/dev/kmsg 2>&1
R() { echo "REPORT $*"; }
R "uptime=$up"
R "init=$0 pid=$$"
R "modprobe_path=$(cat /proc/sys/kernel/modprobe 2>&1)"
R "memavailable=$(awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo)"
# lab.wait=PATH: wait (30 s at most) until PATH exists, e.g. a flag the host writes on the
# NFS export after changing something there; then drop the caches so reads go to the root.
wait_for=$(sed -n 's/.*lab\.wait=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ -n "$wait_for" ]; then
  R "lab_waiting=$wait_for"
  i=0
  # Dropping dentries each round: NFS caches "no such file" for up to a minute.
  while [ ! -e "$wait_for" ] && [ $i -lt 150 ]; do echo 2 >/proc/sys/vm/drop_caches; sleep 0.2; i=$((i + 1)); done
  if [ -e "$wait_for" ]; then R "lab_waited=yes"; else R "lab_waited=no"; fi
  sync; echo 3 >/proc/sys/vm/drop_caches
fi
# lab.pause=SECONDS: wait, then drop the caches, so the reads below go to the root device
# afresh (the host restarts an iSCSI target meanwhile).
pause=$(sed -n 's/.*lab\.pause=\([0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$pause" ]; then
  R "lab_pausing=$pause"
  sleep "$pause"
  sync; echo 3 >/proc/sys/vm/drop_caches
  read t _ </proc/uptime; R "lab_resumed=$t"
fi
[ -r /etc/image-version ] && R "image_version=$(cat /etc/image-version)"
# lab.ejected: wait (30 s at most) until the CD drive has no medium (the host ejects it
# through the qemu monitor), then read every file of the root from its device afresh.
if grep -q 'lab\.ejected' /proc/cmdline; then
  i=0
  while dd if=/dev/sr0 of=/dev/null bs=2048 count=1 2>/dev/null && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
  if dd if=/dev/sr0 of=/dev/null bs=2048 count=1 2>/dev/null; then R "ejected=no"; else R "ejected=yes"; fi
  sync; echo 3 >/proc/sys/vm/drop_caches
  R "readall=$(find / -xdev -type f ! -path '/proc/*' ! -path '/sys/*' -exec cat {} + 2>&1 >/dev/null | wc -l) errors, $(find / -xdev -type f | wc -l) files"
fi
# lab.throughput=PATH (Tests/bench): seconds to read PATH from the root, then from the same
# image on /dev/vda, caches dropped before each.
big=$(sed -n 's/.*lab\.throughput=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ -n "$big" ]; then
  secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
  sync; echo 3 >/proc/sys/vm/drop_caches
  read t0 _ </proc/uptime; cat "$big" >/dev/null; read t1 _ </proc/uptime
  R "read_root=$(secs "$t0" "$t1") $(stat -c %s "$big")"
  mkdir -p /run/lab-disk && mount -o ro /dev/vda /run/lab-disk && echo 3 >/proc/sys/vm/drop_caches &&
    { read t0 _ </proc/uptime; cat "/run/lab-disk$big" >/dev/null; read t1 _ </proc/uptime; R "read_disk=$(secs "$t0" "$t1")"; }
fi
# lab.randread=N (Tests/bench, with /usr/bin/randread in the root): N random 4 KiB direct
# reads of the root's device, then of /dev/vda (the same image), the same offsets.
count=$(sed -n 's/.*lab\.randread=\([0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$count" ] && [ -x /usr/bin/randread ]; then
  dev=$(awk '$2 == "/" && $1 ~ /^\/dev\// { d = $1 } END { print d }' /proc/mounts)
  R "randread_root=$(randread "$dev" "$count" 2>&1)"
  [ -b /dev/vda ] && R "randread_disk=$(randread /dev/vda "$count" 2>&1)"
fi
# The NFS client's reads from the server (the bench's bytes on the wire of an NFS-loop root).
R "nfs_read_bytes=$(awk '$1 == "device" && $5 == "/run/stateless/nfs" { f = 1 } f && $1 == "bytes:" { print $6; exit }' /proc/self/mountstats 2>/dev/null)"
[ -r /etc/lab-machine ] && R "lab_machine=$(cat /etc/lab-machine)"
R "args=$*"
# Machine state: the identity, and the statetab path. lab.state=NAME leaves a file in the
# statetab path and, when the machine has no SSH host key yet, makes one (as ssh-keygen -A).
R "machine_id=$(cat /etc/machine-id 2>&1)"
R "ssh_files=$(ls /etc/ssh 2>&1 | tr '\n' ' ')"
R "ssh_key=$(cat /etc/ssh/ssh_host_ed25519_key.pub 2>&1)"
R "dbus_machine_id=$(cat /var/lib/dbus/machine-id 2>&1)"
R "random_seed=$(head -c 9 /var/lib/systemd/random-seed 2>&1 | od -An -tx1 | tr -d ' \n') credit=$(getfattr --absolute-names --only-values -n user.random-seed-creditable /var/lib/systemd/random-seed 2>/dev/null)"
R "iscsi_name=$(cat /etc/iscsi/initiatorname.iscsi 2>&1)"
R "nm_files=$(ls -A /var/lib/NetworkManager 2>&1 | tr '\n' ' ')"
R "dhcp_files=$(ls -A /var/lib/dhcp 2>&1 | tr '\n' ' ')"
touch /var/lib/NetworkManager/secret_key 2>/dev/null && R "nm_write=ok" || R "nm_write=fail"
[ -r /run/stateless/identity ] && while IFS= read -r l; do R "identity=$l"; done </run/stateless/identity
state=$(sed -n 's/.*lab\.state=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ -n "$state" ]; then
  echo "written on boot $state" >"/var/lib/keep/boot-$state" && R "state_write=ok" || R "state_write=fail"
  [ -e /etc/ssh/ssh_host_ed25519_key.pub ] || echo "key of $state" >/etc/ssh/ssh_host_ed25519_key.pub
fi
# lab.fill=DIR:KB writes KB KiB into DIR (a tmpfs size limit must stop it with ENOSPC).
fill=$(sed -n 's/.*lab\.fill=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ -n "$fill" ]; then
  R "fill=$(dd if=/dev/zero of="${fill%%:*}/.fill" bs=1024 count="${fill##*:}" conv=fsync 2>&1 >/dev/null | grep -v records | tr '\n' ' ')$?"
  rm -f "${fill%%:*}/.fill"
  # The journal's commit is what fails on a full snapshot store: make it happen now.
  sync
fi
# lab.audit: write inside and outside the declared places, then run the write audit.
if grep -q 'lab\.audit' /proc/cmdline; then
  echo data >/var/lib/app/data; echo added >/var/lib/demo/added; echo etc >/etc/written-by-init
  stateless audit --save >/run/audit.saved 2>&1; R "audit_status=$?"
  while IFS= read -r l; do R "audit_saved=$l"; done </run/audit.saved
  stateless audit 2>&1 | while IFS= read -r l; do R "audit=$l"; done
fi
# lab.update: a cached client's background sync, as its timer runs it.
if grep -q 'lab\.update' /proc/cmdline; then
  stateless update >/run/update.out 2>&1; R "update_status=$?"
  while IFS= read -r l; do R "update=$l"; done </run/update.out
fi
# lab.mark=NAME leaves /lab-mark-NAME in the root (a persistent overlay keeps it).
mark=$(sed -n 's/.*lab\.mark=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$mark" ] && echo "$mark" >"/lab-mark-$mark"
R "marks=$(ls / | grep '^lab-mark-' | tr '\n' ' ')"
R "swaps=$(awk 'NR > 1 { printf "%s ", $1 }' /proc/swaps)"
R "keep=$(ls /var/lib/keep 2>&1 | tr '\n' ' ')"
R "keep_seed=$(cat /var/lib/keep/seed 2>&1)"
[ -d /sys/kernel ] || mount -t sysfs sysfs /sys 2>/dev/null
R "rootmount=$(awk '$2 == "/" { l = $0 } END { print l }' /proc/mounts)"
while read -r l; do R "mount=$l"; done </proc/mounts
if touch /.probe 2>/dev/null; then R "root_write=ok"; rm -f /.probe; else R "root_write=fail"; fi
for p in /var/tmp /srv/scratch /var/cache/demo /var/cache/demo/a/b /var/lib/demo /var/lib/demo/nested; do
  if touch "$p/.probe" 2>/dev/null; then R "writable:$p=yes"; rm -f "$p/.probe"; else R "writable:$p=no"; fi
done
for p in /var/tmp /srv/scratch; do R "entries:$p=$(ls -A "$p" 2>&1 | tr '\n' ' ')"; done
R "tree:/var/cache/demo=$(cd /var/cache/demo 2>/dev/null && find . | sort | tr '\n' ' ')"
R "stat:/var/cache/demo/c=$(stat -c '%a %u %g %F' /var/cache/demo/c 2>&1)"
for f in hello.txt secret old.txt sub/inner.txt nested/n.txt; do
  R "content:$f=$(cat /var/lib/demo/$f 2>&1)"
  R "stat:$f=$(stat -c '%a %u %g %Y %F' /var/lib/demo/$f 2>&1)"
done
R "link=$(readlink /var/lib/demo/link 2>&1)"
for l in /etc/resolv.conf /etc/mtab /var/lib/dangling /var/lock /srv/climb; do R "symlink:$l=$(readlink $l 2>&1)"; done
R "symlink_mounts=$(awk '$2 ~ /resolv|mtab|dangling|lock|climb/ { printf "%s ", $2 }' /proc/mounts)"
R "linkcontent=$(cat /var/lib/demo/link 2>&1)"
R "xattr=$(getfattr --absolute-names --only-values -n @XATTR@ /var/lib/demo/hello.txt 2>&1)"
R "uxattr=$(getfattr --absolute-names --only-values -n @UXATTR@ /var/lib/demo/hello.txt 2>&1)"
# A write to a copied file must not reach the disk (it is read-only anyway): just check it works.
if echo changed >/var/lib/demo/hello.txt 2>/dev/null; then R "copy_write=ok"; else R "copy_write=fail"; fi
for f in /run/stateless/*; do
  [ -f "$f" ] || continue
  n=${f##*/}
  while IFS= read -r l || [ -n "$l" ]; do R "run:$n:$l"; done <"$f"
done
if [ -d /run/stateless/lower ]; then
  if touch /run/stateless/lower/.probe 2>/dev/null; then R "lower_write=ok"; else R "lower_write=fail"; fi
fi
R "modules=$(awk '{ printf "%s ", $1 }' /proc/modules)"
# The network as the initramfs left it (busybox ip): links with state, IPv4 addresses, routes.
R "net_links=$(ip -o link 2>&1 | awk -F': ' '{ printf "%s:%s:%s ", $2, ($3 ~ /[<,]UP[,>]/ ? "up" : "down"), ($3 ~ /LOWER_UP/ ? "carrier" : "nocarrier") }')"
R "net_addresses=$(ip -o -4 addr 2>&1 | awk '{ printf "%s %s,", $2, $4 }')"
R "net_routes=$(ip -4 route 2>&1 | tr '\n' ',')"
R "hostname=$(hostname)"
R "bridge=$(for p in /proc/[0-9]*; do [ "$(tr '\0' '\n' <$p/cmdline 2>/dev/null | head -n 1)" = @iscsi-bridge ] && printf '%s:%s ' ${p#/proc/} "$(awk '/^VmRSS/ { print $2 }' $p/status)"; done)"
if [ -e /sys/block/nbd0/ro ]; then
  R "nbd_ro=$(cat /sys/block/nbd0/ro)"
  # lab.nbdwrite=SECTOR: write a sector of the LUN through the bridge, flush, read it back
  # (the host then finds it in the target's image).
  sector=$(sed -n 's/.*lab\.nbdwrite=\([0-9]*\).*/\1/p' /proc/cmdline)
  if [ -n "$sector" ]; then
    echo "written through the iscsi bridge" >/run/lab-sector
    if dd if=/run/lab-sector of=/dev/nbd0 bs=512 seek="$sector" count=1 conv=sync,notrunc,fsync 2>/dev/null &&
       blockdev --flushbufs /dev/nbd0 && [ "$(dd if=/dev/nbd0 bs=512 skip="$sector" count=1 2>/dev/null | head -n 1)" = "written through the iscsi bridge" ]
    then R "nbd_write=ok"; else R "nbd_write=fail"; fi
  fi
fi
R "keeper=$(for p in /proc/[0-9]*; do [ "$(tr '\0' '\n' <$p/cmdline 2>/dev/null | head -n 1)" = @keep-lease ] && printf '%s ' ${p#/proc/}; done)"
for f in /run/systemd/network/* /run/NetworkManager/system-connections/*; do [ -f "$f" ] && R "netfile=$f"; done
R "done=yes"
sync
poweroff -f
sleep 5
echo o >/proc/sysrq-trigger
EOF
  chmod 0755 "$st/sbin/init"

  # Inits that exist but cannot run, for fail-init-cannot-run: a script whose interpreter
  # is missing, an ELF for another architecture, an ELF whose program loader is missing.
  printf '#!/nonexistent/bash\necho unreachable\n' >"$st/sbin/init-script"
  _lab_fake_elf 183 "" >"$st/sbin/init-aarch64"
  _lab_fake_elf 62 /lib/ld-musl-x86_64.so.1 >"$st/sbin/init-musl"
  chmod 0755 "$st/sbin/init-script" "$st/sbin/init-aarch64" "$st/sbin/init-musl"
}

lab_uuid() { cat /proc/sys/kernel/random/uuid; }

lab_partitioned_disk() { # OUT FS_IMAGE PARTUUID PARTLABEL : a GPT disk whose partition 1 holds FS_IMAGE
  local out=$1 fs=$2 partuuid=$3 name=$4 sectors
  lab_need sfdisk
  sectors=$(( ($(stat -c %s "$fs") + 511) / 512 ))
  rm -f "$out"
  truncate -s $(( (2048 + sectors + 2048) * 512 )) "$out"
  printf 'label: gpt\nstart=2048, size=%s, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=%s, name="%s"\n' \
    "$sectors" "$partuuid" "$name" | sfdisk -q "$out" ||
    { echo "not ok - sfdisk could not partition $out"; exit 1; }
  dd if="$fs" of="$out" bs=512 seek=2048 conv=notrunc status=none
}

# Sizes are reported in decimal megabytes, the unit of the README's budgets.
lab_mb() { awk -v s="$1" 'BEGIN { printf "%.2f MB", s / 1000000 }'; }

# The floor an initramfs is measured against (Tests/bench): the host's static busybox as
# /init, which reports its uptime (`REPORT uptime=`, as the test root's init does) and
# powers off. Nothing an initramfs could leave out: what the kernel spends before any
# /init runs, unpacking a 1 MB image included.
lab_floor_image() { # OUT
  local out=$1 tree
  lab_need busybox cpio zstd
  tree=$(mktemp -d "$LAB_WORK/floor.XXXXXX")
  mkdir -p "$tree/bin" "$tree/dev" "$tree/proc"
  install -m 0755 "$(readlink -f "$(command -v busybox)")" "$tree/bin/busybox"
  cat >"$tree/init" <<'FLOOR'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
read up _ </proc/uptime
echo "REPORT uptime=$up"
while read -r key value _; do [ "$key" = MemAvailable: ] && echo "REPORT memavailable=$value"; done </proc/meminfo
echo "REPORT done=yes"
/bin/busybox poweroff -f
FLOOR
  chmod 0755 "$tree/init"
  (cd "$tree" && find . | cpio -o -H newc -R 0:0 --quiet | zstd -19 -q -c) >"$out.partial" &&
    mv "$out.partial" "$out" || { rm -rf "$tree"; echo "not ok - floor image $out"; exit 1; }
  rm -rf "$tree"
}

# --- qemu -------------------------------------------------------------------

lab_boot() { # NAME INITRD APPEND [DISK [extra qemu args…]]
  local name=$1 initrd=$2 append=$3 disk=${4:-}
  shift $(($# < 4 ? $# : 4))
  lab_kernel
  # A fatal error halts by default (the message stays on screen); the lab's boots reboot
  # after 1 s instead, so that qemu (-no-reboot) exits. A scenario sets LAB_EMERGENCY=""
  # to see the defaults.
  local emergency=${LAB_EMERGENCY-rd.emergency=reboot stateless.emergency-delay=1}
  local args=(-m 512 -nographic -no-reboot -kernel "$VMLINUZ" -initrd "$initrd"
    -append "console=ttyS0 panic=-1 $emergency ${LAB_KERNEL_APPEND:-} $append")
  [ -n "$disk" ] && args+=(-drive "file=$disk,if=virtio,format=raw,snapshot=on")
  args+=("$@")
  lab_qemu "$name" "${args[@]}"
}

# KVM when it works on this machine, else TCG: decided once (Tests/run exports LAB_ACCEL)
# by booting the kernel under KVM for at most 15 s — /dev/kvm can exist and still hang
# (ENVIRONMENT: it does on some of these machines).
lab_probe_accel() { # prints kvm or tcg
  lab_kernel >/dev/null
  if [ -r /dev/kvm ] && [ -w /dev/kvm ] &&
     timeout 15 qemu-system-x86_64 -enable-kvm -cpu host -m 256 -nographic -no-reboot -kernel "$VMLINUZ" \
       -append "console=ttyS0 panic=-1 init=/nonexistent" </dev/null 2>&1 | grep -aq -m1 'Linux version'; then
    echo kvm
  else
    echo tcg
  fi
}

# Runs qemu with ARGS as lab_boot does (log, bound, timing; LAB_QEMU_NETNS: inside that
# network namespace), for boots that bring their own -kernel or none (PXE).
lab_qemu() { # NAME QEMU-ARGS…
  local name=$1; shift
  local args=("$@") run=()
  lab_need qemu-system-x86_64 timeout
  [ -n "${LAB_QEMU_NETNS:-}" ] && run=(ip netns exec "$LAB_QEMU_NETNS")
  [ "${LAB_ACCEL:-tcg}" = kvm ] && args=(-enable-kvm -cpu host "${args[@]}")
  BOOT_LOG=$LAB_LOGS/$name.log
  {
    echo "### ${run[*]} qemu-system-x86_64 ${args[*]}"
  } >"$BOOT_LOG"
  local t0 t1
  t0=$(date +%s.%N)
  if [ "${LAB_BOOT_TEE:-}" = 1 ]; then
    timeout "$LAB_QEMU_TIMEOUT" "${run[@]}" qemu-system-x86_64 "${args[@]}" <"${LAB_BOOT_INPUT:-/dev/null}" 2>&1 | tr -d '\r' | tee -a "$BOOT_LOG"
  else
    timeout "$LAB_QEMU_TIMEOUT" "${run[@]}" qemu-system-x86_64 "${args[@]}" <"${LAB_BOOT_INPUT:-/dev/null}" 2>&1 | stdbuf -oL tr -d '\r' >>"$BOOT_LOG"
  fi
  BOOT_RC=${PIPESTATUS[0]}
  t1=$(date +%s.%N)
  BOOT_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  echo "### qemu exit=$BOOT_RC wall=${BOOT_WALL}s" >>"$BOOT_LOG"
  lab_log "boot $name: qemu exit=$BOOT_RC wall=${BOOT_WALL}s log=$BOOT_LOG"
  export BOOT_RC BOOT_WALL BOOT_LOG
}

# Starts the VM paused (qemu -S) with a monitor, sends COMMANDS (one per line) and `cont`
# as soon as the monitor listens: for what must hold before the guest runs, such as a
# NIC's link being off (`set_link`). Usage: lab_boot_with_monitor "COMMANDS" NAME INITRD
# APPEND DISK [qemu args…]
lab_boot_with_monitor() {
  local commands=$1; shift
  lab_need socat
  local sock=$LAB_WORK/$1.monitor
  rm -f "$sock"
  (
    lab_wait_until 10 test -S "$sock"
    printf '%s\ncont\n' "$commands" | socat - "UNIX-CONNECT:$sock" >"$LAB_WORK/$1.monitor.log" 2>&1
  ) &
  local sender=$!
  lab_boot "$@" -S -monitor "unix:$sock,server,nowait"
  wait "$sender" 2>/dev/null
}

# Boots as lab_boot does, with a monitor; once the boot log has a line matching ERE,
# sends COMMANDS (one per line) to the monitor, as an admin would act at that moment
# (eject a CD once the image is in RAM). Usage: lab_boot_monitor_on ERE "COMMANDS" NAME
# INITRD APPEND DISK [qemu args…]
lab_boot_monitor_on() {
  local pattern=$1 commands=$2; shift 2
  lab_need socat
  local sock=$LAB_WORK/$1.monitor log=$LAB_LOGS/$1.log
  rm -f "$sock" "$log"
  (
    lab_wait_for_log "$log" "$pattern" 120 && printf '%s\n' "$commands" | socat - "UNIX-CONNECT:$sock" >"$LAB_WORK/$1.monitor.log" 2>&1
  ) &
  local sender=$!
  lab_boot "$@" -monitor "unix:$sock,server,nowait"
  wait "$sender" 2>/dev/null
}

# --- assertions -------------------------------------------------------------

ok() { LAB_PASSES=$((LAB_PASSES + 1)); echo "ok - $*"; }

not_ok() { # DESCRIPTION [DETAIL]
  LAB_FAILS=$((LAB_FAILS + 1))
  echo "not ok - $1"
  [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/#   /'
  if [ -n "${BOOT_LOG:-}" ] && [ -f "$BOOT_LOG" ] && [ -z "${LAB_EXCERPT_SHOWN:-}" ]; then
    LAB_EXCERPT_SHOWN=1
    echo "#   --- last lines of $BOOT_LOG ---"
    tail -n 40 "$BOOT_LOG" | sed 's/^/#   | /'
  fi
  return 0
}

check() { # DESCRIPTION COMMAND… : ok when the command succeeds
  local d=$1; shift
  if "$@"; then ok "$d"; else not_ok "$d"; fi
}

# The value of `REPORT KEY=value` (first occurrence) in the last boot log.
# Shell quoting around a value (KEY='v' / KEY="v" in the .env files) is removed.
report() {
  awk -v k="REPORT $1=" 'index($0, k) {
    v = substr($0, index($0, k) + length(k))
    if (v ~ /^".*"$/ || v ~ /^\x27.*\x27$/) v = substr(v, 2, length(v) - 2)
    print v; exit }' "$BOOT_LOG"
}
report_all() { # KEY-PREFIX : all values of REPORT lines starting with the prefix
  awk -v k="REPORT $1" 'index($0, k) { print substr($0, index($0, k) + length(k)) }' "$BOOT_LOG"
}
has_reports() { grep -q 'REPORT ' "$BOOT_LOG"; }

# The one check that a failed boot never reached the root's init: its test init prints
# REPORT lines before anything else.
assert_no_init() { # [LABEL]
  local what="${1:+$1: }the root's init did not run"
  if has_reports; then not_ok "$what" "$(grep -a 'REPORT ' "$BOOT_LOG" | head -n 3)"
  else ok "$what (no REPORT lines)"; fi
}

assert_report() { # KEY EXPECTED [DESCRIPTION]
  local got
  got=$(report "$1")
  if [ "$got" = "$2" ]; then ok "${3:-$1 = $2}"
  else not_ok "${3:-$1 = $2}" "expected: REPORT $1=$2"$'\n'"found:    REPORT $1=$got"; fi
}

assert_report_match() { # KEY ERE [DESCRIPTION]
  local got
  got=$(report "$1")
  if printf '%s' "$got" | grep -Eq -- "$2"; then ok "${3:-$1 ~ /$2/}"
  else not_ok "${3:-$1 ~ /$2/}" "expected: REPORT $1=… matching /$2/"$'\n'"found:    REPORT $1=$got"; fi
}

assert_report_nomatch() { # KEY ERE [DESCRIPTION]
  local got
  got=$(report "$1")
  if ! printf '%s' "$got" | grep -Eq -- "$2"; then ok "${3:-$1 !~ /$2/}"
  else not_ok "${3:-$1 !~ /$2/}" "expected REPORT $1=… not matching /$2/"$'\n'"found:    REPORT $1=$got"; fi
}

assert_log() { # ERE [DESCRIPTION] : the boot log has a matching line
  if grep -Eq -- "$1" "$BOOT_LOG"; then ok "${2:-log matches /$1/}"
  else not_ok "${2:-log matches /$1/}" "no line of $BOOT_LOG matches /$1/"; fi
}

assert_no_log() { # ERE [DESCRIPTION]
  local hit
  hit=$(grep -Em3 -- "$1" "$BOOT_LOG")
  if [ -z "$hit" ]; then ok "${2:-log has no /$1/}"
  else not_ok "${2:-log has no /$1/}" "unexpected: $hit"; fi
}

# The init powered off or rebooted on its own, within the qemu timeout.
# Seconds between the kernel timestamps of the first lines matching START_ERE and END_ERE.
log_span() {
  awk -v a="$1" -v b="$2" '
    function stamp(line) {  # the kernel timestamp, also after console text on the same line
      if (!match(line, /\[ *[0-9]+\.[0-9]+\]/)) return ""
      line = substr(line, RSTART + 1, RLENGTH - 2); sub(/^ */, "", line); return line + 0 }
    s == "" && $0 ~ a { s = stamp($0) }
    s != "" && e == "" && $0 ~ b { e = stamp($0) }
    END { if (s != "" && e != "") printf "%.3f", e - s }' "$BOOT_LOG"
}

assert_order() { # DESCRIPTION ERE… : lines matching each ERE appear in this order
  local description=$1 missing
  shift
  missing=$(awk -v n=$# 'BEGIN { for (i = 1; i <= n; i++) pattern[i] = ARGV[i]; ARGC = 1; next_one = 1 }
    next_one <= n && $0 ~ pattern[next_one] { next_one++ }
    END { if (next_one <= n) print pattern[next_one] }' "$@" <"$BOOT_LOG")
  if [ -z "$missing" ]; then ok "$description"
  else not_ok "$description" "no line matching /$missing/ after the ones before it"; fi
}

assert_exited() { # [MAX_SECONDS]
  local max=${1:-$LAB_QEMU_TIMEOUT}
  if [ "$BOOT_RC" = 124 ] || [ "$BOOT_RC" = 137 ]; then
    not_ok "qemu exited by itself (killed by timeout after ${LAB_QEMU_TIMEOUT}s)"
  elif [ "$BOOT_RC" != 0 ]; then
    not_ok "qemu exited by itself (exit status $BOOT_RC)"
  elif awk -v w="$BOOT_WALL" -v m="$max" 'BEGIN { exit !(w > m) }'; then
    not_ok "qemu exited by itself within ${max}s (took ${BOOT_WALL}s)"
  else
    ok "qemu exited by itself in ${BOOT_WALL}s (bound ${max}s)"
  fi
}

# A `stateless: ` line on the console that contains every given fixed string.
assert_stateless_error() { # STRING…
  local lines line s hit= missing
  lines=$(grep -a 'stateless: ' "$BOOT_LOG" | sed 's/^.*stateless: /stateless: /' | awk '!seen[$0]++')
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    missing=
    for s in "$@"; do
      case "$line" in *"$s"*) ;; *) missing=1 ;; esac
    done
    [ -z "$missing" ] && { hit=$line; break; }
  done <<<"$lines"
  if [ -z "$hit" ] && grep -aq 'suppressed due to ratelimiting' "$BOOT_LOG"; then
    lines="$lines"$'\n'"(the kernel dropped /dev/kmsg lines: 'printk: … suppressed due to ratelimiting')"
  elif [ -z "$hit" ] && [ -n "$lines" ]; then
    lines="$lines"$'\n'"(if the line went only to /dev/kmsg, the kernel's printk_devkmsg ratelimit may have dropped it)"
  fi
  if [ -n "$hit" ]; then
    ok "clear error line: $hit"
  elif [ -z "$lines" ]; then
    not_ok "a 'stateless: ' error line containing: $*" "no line starting with 'stateless: ' in the console log"
  else
    not_ok "a 'stateless: ' error line containing: $*" "found instead (last lines):"$'\n'"$(tail -n 6 <<<"$lines")"
  fi
}

lab_finish() {
  lab_log "$LAB_PASSES passed, $LAB_FAILS failed assertions"
  [ "$LAB_FAILS" -eq 0 ]
  exit $?
}

# --- a reference initramfs (busybox + insmod), for checking the lab itself -----

# A plain busybox initramfs that mounts /dev/vda read-only and switch_roots into it,
# without rwtab. Used to check the test root and the qemu line independently of /init.
lab_mini_initrd() { # OUT
  local out=$1 st m ko
  lab_kernel
  st=$(mktemp -d "$LAB_WORK/mini.XXXXXX")
  mkdir -p "$st"/{bin,dev,proc,sys,sysroot,mod}
  install -m 0755 "$(readlink -f "$(command -v busybox)")" "$st/bin/busybox"
  for m in sh mount mkdir insmod switch_root sleep cat echo; do ln -s busybox "$st/bin/$m"; done
  : >"$st/mod/order"
  for ko in $(for m in virtio_pci virtio_blk ext4; do
      modprobe -d "$KDIR" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
    done | awk '!seen[$0]++'); do
    cp "$ko" "$st/mod/"
    basename "$ko" >>"$st/mod/order"
  done
  cat >"$st/init" <<'EOS'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
for m in $(cat /mod/order); do insmod /mod/$m; done
i=0; while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
mount -t ext4 -o ro /dev/vda /sysroot || { echo "mini: mount failed"; exec sh; }
mount -t tmpfs run /sysroot/run
mount --move /dev /sysroot/dev; mount --move /proc /sysroot/proc; mount --move /sys /sysroot/sys
exec switch_root /sysroot /sbin/init
EOS
  chmod 0755 "$st/init"
  (cd "$st" && find . | cpio -o -H newc --quiet) | zstd -q -19 -f -o "$out"
  rm -rf "$st"
}

# A real distribution root (Debian bookworm, debootstrap, cached): lab_debian_root.
source "$LAB_DIR/debian-root.sh"
