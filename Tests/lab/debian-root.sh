# shellcheck shell=bash
# A real distribution root for VM scenarios: stock Debian bookworm with systemd, built once
# with debootstrap and cached. Sourced by lib.sh (uses lab_kernel, lab_need, lab_skip, lab_log).
#
#   lab_debian_root             builds (once) and exports DEBIAN_ROOT_IMG (ext4, sparse),
#                               DEBIAN_ROOT_UUID, DEBIAN_ROOT_LABEL, and DEBIAN_ROOT_TREE (the
#                               same files as a directory, for the NFS export). Boot the image
#                               with snapshot=on (lab_boot does) and export the tree read-only,
#                               so neither is ever modified.
#
# Cache: $LAB_CACHE/debian-root/
#   base-HASH/                  the debootstrap tree (HASH of suite, variant, packages)
#   bookworm-KVER-HASH.img      the image (HASH of this file: changing the recipe rebuilds)
#   bookworm-KVER-HASH.tree/    its files
#
# The root stays a stock Debian: debootstrap, the test kernel's modules as an installed
# kernel leaves them, /etc/machine-id emptied as image builders ship it, no /etc/rwtab.
# The one addition is stateless-report.service: once startup has finished it prints
# `REPORT key=value` lines on ttyS0 (lib.sh's report/assert_report read them) and powers off.

DEBIAN_ROOT_SUITE=bookworm
DEBIAN_ROOT_VARIANT=minbase
# wireless-regdb: systemd-networkd asks for nl80211, which loads cfg80211, which logs an
# error-priority line on every boot without /lib/firmware/regulatory.db, with any
# initramfs; the package that ships that file is installed here so the test can insist on
# an error-free journal.
# ssl-cert: its postinst makes the snake-oil key pair in the image, as on any Debian with a
# TLS service (an identity file the boot must not share: IdentityFiles).
DEBIAN_ROOT_INCLUDE=systemd-sysv,udev,kmod,dbus,systemd-resolved,openssh-server,iproute2,rsyslog,wireless-regdb,ssl-cert
DEBIAN_ROOT_UUID=5a7e1e55-deb1-4e00-8000-00000000b00c
DEBIAN_ROOT_LABEL=DEBIAN-ROOT
DEBIAN_ROOT_SIZE=2G
DEBIAN_ROOT_HOSTNAME=stateless-debian
# A boot of this root: TCG, 1 GB; multi-user at ~23 s guest uptime, ~40 s wall per boot.
DEBIAN_ROOT_QEMU_TIMEOUT=${DEBIAN_ROOT_QEMU_TIMEOUT:-240}

# The Debian mirror of this machine's apt sources (deb822 .sources first, then one-line
# .list files), for DEBIAN_ROOT_SUITE. DEBIAN_ROOT_MIRROR overrides.
_debian_root_mirror() {
  if [ -n "${DEBIAN_ROOT_MIRROR:-}" ]; then echo "$DEBIAN_ROOT_MIRROR"; return 0; fi
  local f m
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    m=$(awk -v suite="$DEBIAN_ROOT_SUITE" 'BEGIN { RS = ""; FS = "\n" }
      { types = uris = suites = ""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^Types:/) types = $i
          else if ($i ~ /^URIs:/) uris = $i
          else if ($i ~ /^Suites:/) suites = $i
        }
        if ((types " ") ~ /[ \t]deb[ \t]/ && (suites " ") ~ ("[ \t]" suite "[ \t]")) {
          sub(/^URIs:[ \t]*/, "", uris); split(uris, u, /[ \t]+/); print u[1]; exit
        } }' "$f")
    [ -n "$m" ] && { echo "$m"; return 0; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    m=$(awk -v suite="$DEBIAN_ROOT_SUITE" '$1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) { print $i; exit } }' "$f")
    [ -n "$m" ] && { echo "$m"; return 0; }
  done
  return 1
}

# The debootstrap tree, once per suite/variant/package list (the slow, networked part).
_debian_root_base() { # sets DEBIAN_ROOT_BASE
  local key mirror tmp t0
  key=$(printf '%s\n' "$DEBIAN_ROOT_SUITE" "$DEBIAN_ROOT_VARIANT" "$DEBIAN_ROOT_INCLUDE" | sha256sum | cut -c1-12)
  DEBIAN_ROOT_BASE=$LAB_CACHE/debian-root/base-$key
  [ -e "$DEBIAN_ROOT_BASE/.complete" ] && return 0
  mirror=$(_debian_root_mirror) ||
    lab_skip "no $DEBIAN_ROOT_SUITE mirror in /etc/apt/sources.list{,.d} (set DEBIAN_ROOT_MIRROR)"
  rm -rf "$LAB_CACHE"/debian-root/base-*
  tmp=$(mktemp -d "$LAB_CACHE/debian-root/debootstrap.XXXXXX")
  lab_log "debootstrap $DEBIAN_ROOT_SUITE from $mirror (about a minute, once per cache)"
  t0=$(date +%s)
  if ! debootstrap --variant="$DEBIAN_ROOT_VARIANT" --include="$DEBIAN_ROOT_INCLUDE" \
      "$DEBIAN_ROOT_SUITE" "$tmp/root" "$mirror" >"$LAB_LOGS/debootstrap.log" 2>&1; then
    tail -n 20 "$LAB_LOGS/debootstrap.log" | sed 's/^/#   /'
    # debootstrap leaves /proc etc. mounted in the target when a package script fails.
    local m
    for m in $(awk -v r="$tmp/root/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$m"; done
    rm -rf "$tmp"
    lab_skip "debootstrap $DEBIAN_ROOT_SUITE failed (log: $LAB_LOGS/debootstrap.log)"
  fi
  lab_log "debootstrap done in $(($(date +%s) - t0)) s"
  mv "$tmp/root" "$DEBIAN_ROOT_BASE"
  rmdir "$tmp"
  touch "$DEBIAN_ROOT_BASE/.complete"
}

lab_debian_root() { # exports DEBIAN_ROOT_IMG DEBIAN_ROOT_UUID DEBIAN_ROOT_LABEL
  lab_kernel
  lab_need debootstrap mkfs.ext4 depmod flock sha256sum
  [ "$(id -u)" -eq 0 ] || lab_skip "debootstrap needs root"
  mkdir -p "$LAB_CACHE/debian-root"
  local recipe
  recipe=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)
  DEBIAN_ROOT_IMG=$LAB_CACHE/debian-root/$DEBIAN_ROOT_SUITE-$KVER-$recipe.img
  DEBIAN_ROOT_TREE=${DEBIAN_ROOT_IMG%.img}.tree
  export DEBIAN_ROOT_IMG DEBIAN_ROOT_TREE DEBIAN_ROOT_UUID DEBIAN_ROOT_LABEL
  [ -s "$DEBIAN_ROOT_IMG" ] && [ -d "$DEBIAN_ROOT_TREE" ] && return 0
  # One builder at a time (two test runs on one cache).
  exec {_debian_root_lock}>"$LAB_CACHE/debian-root/.lock"
  flock -w 1800 "$_debian_root_lock" || lab_skip "timed out waiting for $LAB_CACHE/debian-root/.lock"
  if [ ! -s "$DEBIAN_ROOT_IMG" ] || [ ! -d "$DEBIAN_ROOT_TREE" ]; then
    local t0
    t0=$(date +%s)
    _debian_root_base
    _debian_root_image "$DEBIAN_ROOT_IMG"
    lab_log "Debian root image $DEBIAN_ROOT_IMG built in $(($(date +%s) - t0)) s"
  fi
  exec {_debian_root_lock}>&-
}

_debian_root_image() { # OUT
  local out=$1 st tmp
  st=$(mktemp -d "$LAB_CACHE/debian-root/stage.XXXXXX")
  lab_log "staging the Debian root for $KVER"
  cp -a "$DEBIAN_ROOT_BASE/." "$st/"
  rm -f "$st/.complete"

  # The test kernel's modules, as its package would install them (merged /usr: /lib → usr/lib).
  mkdir -p "$st/usr/lib/modules"
  cp -a "$KDIR/lib/modules/$KVER" "$st/usr/lib/modules/"
  depmod -b "$st" "$KVER" || { rm -rf "$st"; echo "not ok - depmod in the Debian root failed"; exit 1; }

  # As image builders ship it: an empty machine-id (systemd fills it at boot); D-Bus's copy
  # stays the file debootstrap left, with the id of the build (systemd reads it when
  # /etc/machine-id is empty: IdentityFiles); a neutral host name rather than the build host's.
  : >"$st/etc/machine-id"
  echo "$DEBIAN_ROOT_HOSTNAME" >"$st/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' \
    "$DEBIAN_ROOT_HOSTNAME" >"$st/etc/hosts"
  rm -f "$st/etc/rwtab" && rm -rf "$st/etc/rwtab.d"
  # The fstab an installer or image builder writes: it lists / (systemd would fsck it and
  # remount it read-write with these options; the initramfs must keep it read-only).
  printf '# /etc/fstab: static file system information.
UUID=%s /               ext4    errors=remount-ro 0       1
' \
    "$DEBIAN_ROOT_UUID" >"$st/etc/fstab"

  # An admin's DHCP configuration for systemd-networkd, used only on boots that enable
  # networkd; a boot's own .network (10-stateless-*) sorts first and wins on its link.
  mkdir -p "$st/etc/systemd/network"
  printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=ipv4\n' >"$st/etc/systemd/network/90-lab-dhcp.network"

  # The report: a unit that starts after multi-user.target and a script.
  cat >"$st/etc/systemd/system/stateless-report.service" <<'EOF'
[Unit]
Description=Stateless lab: report what the booted system sees, then power off
After=multi-user.target

[Service]
# simple, not oneshot: a oneshot's own start job would keep the system "starting".
Type=simple
ExecStart=/usr/local/sbin/stateless-report
StandardOutput=tty
StandardError=inherit
TTYPath=/dev/ttyS0

[Install]
WantedBy=multi-user.target
EOF
  mkdir -p "$st/etc/systemd/system/multi-user.target.wants"
  ln -sf ../stateless-report.service "$st/etc/systemd/system/multi-user.target.wants/stateless-report.service"
  mkdir -p "$st/usr/local/sbin"
  cat >"$st/usr/local/sbin/stateless-report" <<'EOF'
#!/bin/bash
# Stateless lab report: `REPORT key=value` lines on ttyS0 once startup has finished, then
# power off. Read by Tests/lab/lib.sh (report, assert_report).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C SYSTEMD_COLORS=0
R() { printf 'REPORT %s\n' "$*"; }
up() { cut -d' ' -f1 /proc/uptime; }
R "started=$(up)"
# Startup finished: no job left (bounded).
state=$(timeout 120 systemctl is-system-running --wait 2>&1)
waited=$(up)
# The serial getty may have hung up ttyS0 meanwhile: open it again.
exec >/dev/ttyS0 2>&1 </dev/null
R "begin=yes"
R "system_state=$state"
R "startup_done_at=$waited"
while IFS= read -r l; do R "job=$l"; done < <(systemctl list-jobs --no-legend --plain 2>&1)
mu=$(systemctl show -P ActiveEnterTimestampMonotonic multi-user.target)
R "multi_user=$(systemctl is-active multi-user.target)"
R "multi_user_at=$(awk -v u="$mu" 'BEGIN { printf "%.2f", u / 1000000 }')"
# When this root's systemd started (after any initramfs, its own systemd included): Tests/bench.
R "systemd_at=$(awk -v u="$(systemctl show -P UserspaceTimestampMonotonic)" 'BEGIN { printf "%.2f", u / 1000000 }')"
R "startup=$(systemd-analyze time 2>&1 | head -n 1)"
R "memtotal=$(awk '$1 == "MemTotal:" { print $2 " " $3 }' /proc/meminfo)"
R "cmdline=$(cat /proc/cmdline)"
# What the booted system wrote (overlayfs mode), before this script does anything.
upper=/run/stateless/overlay/upper
[ -d "$upper" ] && (cd "$upper" && find . -mindepth 1 -printf '/%P\n') >/run/stateless-report.before

R "machine_id=$(cat /etc/machine-id 2>&1)"
R "dbus_machine_id=$(cat /var/lib/dbus/machine-id 2>&1)"
R "snakeoil=$(sha256sum </etc/ssl/private/ssl-cert-snakeoil.key 2>&1 | cut -c1-16) $(openssl x509 -noout -subject -in /etc/ssl/certs/ssl-cert-snakeoil.pem 2>&1)"
R "snakeoil_unit=$(systemctl show -P Result stateless-snakeoil 2>&1) $(systemctl show -P ConditionResult stateless-snakeoil 2>&1)"
R "dhcp_client_id=$(grep -h '^CLIENTID=' /run/systemd/netif/leases/* 2>/dev/null | head -n 1)"
[ -r /run/stateless/identity ] && while IFS= read -r l; do R "identity=$l"; done </run/stateless/identity
R "rootmount=$(awk '$2 == "/" { l = $0 } END { print l }' /proc/mounts)"
while IFS= read -r l; do R "mount=$l"; done </proc/mounts
# Bind mounts (a mountinfo root other than /): the rwtab entries.
awk '$4 != "/" { print $4 " " $5 }' /proc/self/mountinfo | while IFS= read -r l; do R "bind=$l"; done
if touch /.stateless-probe 2>/dev/null; then R "root_write=ok"; rm -f /.stateless-probe; else R "root_write=fail"; fi

# Units and the journal.
n=0
while IFS= read -r l; do [ -n "$l" ] && { R "failed=$l"; n=$((n + 1)); }; done < <(systemctl --failed --plain --no-legend 2>&1)
R "failed_count=$n"
n=0
while IFS= read -r l; do R "journal_err=$l"; n=$((n + 1)); done < <(journalctl -b -q -p err --no-pager -o short-monotonic 2>&1)
R "journal_err_count=$n"
n=0
while IFS= read -r l; do R "journal_warn=$l"; n=$((n + 1)); done < <(journalctl -b -q -p warning..warning --no-pager -o short-monotonic 2>&1)
R "journal_warn_count=$n"
while IFS= read -r l; do R "journal_rofs=$l"; done < <(journalctl -b -q --no-pager -o short-monotonic 2>&1 | grep -F 'Read-only file system')
R "journald=$(systemctl is-active systemd-journald)"
R "journal_lines=$(journalctl -b -q --no-pager 2>/dev/null | wc -l)"
R "journal_dirs=$(ls -d /run/log/journal/* /var/log/journal/* 2>/dev/null | tr '\n' ' ')"

# Name resolution through /etc/resolv.conf (nsswitch "files dns", no nss-resolve): a name
# under .localhost is in no /etc/hosts and glibc does not synthesize it, but resolved's stub
# on 127.0.0.53 answers it (RFC 6761). (_localdnsstub is systemd >= 254; bookworm has 252.)
R "resolv_conf=$(readlink /etc/resolv.conf) $(grep -m1 '^nameserver' /etc/resolv.conf 2>&1)"
R "resolved=$(systemctl is-active systemd-resolved)"
R "hosts_nss=$(grep '^hosts:' /etc/nsswitch.conf)"
R "resolve=$(timeout 15 getent hosts stateless-probe.localhost | xargs)"

# Syslog: a marker through the journal's socket must reach /var/log/syslog.
# The network the initramfs configured, as the booted system keeps it.
R "net_addresses=$(ip -o -4 addr show scope global | awk '{ printf "%s %s,", $2, $4 }')"
R "net_links=$(ip -o link | awk -F': ' '{ printf "%s:%s ", $2, ($3 ~ /LOWER_UP/ ? "carrier" : "nocarrier") }')"
R "net_routes=$(ip -4 route | tr '\n' ',')"
R "networkd=$(systemctl is-active systemd-networkd)"
R "resolved_dns=$(resolvectl dns 2>&1 | tr '\n' ' ')"
R "wait_online=$(systemctl is-active systemd-networkd-wait-online)"
R "networkctl=$(networkctl list --no-legend --no-pager 2>&1 | awk '{ printf "%s:%s:%s ", $2, $4, $5 }')"
R "keeper=$(for p in /proc/[0-9]*; do [ "$(tr '\0' '\n' <$p/cmdline 2>/dev/null | head -n 1)" = @keep-lease ] && printf '%s ' ${p#/proc/}; done)"
R "keeper_log=$(journalctl -b -q --no-pager -o cat | grep -m1 'keep-lease:')"
R "rsyslog=$(systemctl is-active rsyslog)"
marker="stateless-report-$RANDOM$RANDOM"
logger -t stateless-report "$marker"
r=fail
for _ in $(seq 1 40); do
  if grep -qs "$marker" /var/log/syslog; then r=ok; break; fi
  sleep 0.5
done
R "syslog=$r"
R "sshd=$(systemctl is-active ssh)"
R "logind=$(systemctl is-active systemd-logind) restarts=$(systemctl show -P NRestarts systemd-logind)"

for f in /run/stateless/*.env /run/stateless/timeline; do
  [ -f "$f" ] || continue
  n=${f##*/}
  while IFS= read -r l || [ -n "$l" ]; do R "run:$n:$l"; done <"$f"
done

# Measuring. overlayfs mode: every path in the upper dir, i.e. written by the booted system
# (`upper=TYPE PATH`, TYPE as find's %y: d, f, l, c = whiteout), as upper_report= the ones
# that appeared while this script ran. rwtab mode: what changed in the writable copies since
# the switch to the root.
if [ -d "$upper" ]; then
  (cd "$upper" && find . -mindepth 1 -printf '%y /%P\n' | sort -k2) |
    awk 'NR == FNR { before[$0]; next }
      { p = substr($0, 3); print "REPORT " ((p in before) ? "upper" : "upper_report") "=" $0 }' \
      /run/stateless-report.before -
fi
if [ -d /run/stateless/writable ]; then
  (cd /run/stateless/writable && find . -mindepth 1 -newer /run/stateless/switch-root.env | sort) |
    while IFS= read -r p; do R "rw_changed=${p#.}"; done
fi
R "uptime=$(up)"
R "done=yes"
sync
systemctl poweroff --force
EOF
  chmod 0755 "$st/usr/local/sbin/stateless-report"

  # For systemd.volatile=yes and root=tmpfs mount.usr=: the root carries its /etc and /var
  # in /usr, the factory-reset layout systemd documents (/usr/share/factory/), from which
  # the initramfs fills the empty tmpfs root. apt's package caches and lists stay out.
  rm -rf "$st/usr/share/factory/etc" "$st/usr/share/factory/var"
  mkdir -p "$st/usr/share/factory"
  cp -a "$st/etc" "$st/usr/share/factory/etc"
  cp -a "$st/var" "$st/usr/share/factory/var"
  rm -rf "$st/usr/share/factory/var/cache/apt/"*.bin "$st/usr/share/factory/var/lib/apt/lists/"*

  tmp=$out.tmp
  rm -f "$tmp"
  if ! mkfs.ext4 -q -F -d "$st" -U "$DEBIAN_ROOT_UUID" -L "$DEBIAN_ROOT_LABEL" "$tmp" "$DEBIAN_ROOT_SIZE" >/dev/null; then
    rm -rf "$st" "$tmp"; echo "not ok - mkfs.ext4 of the Debian root failed"; exit 1
  fi
  # Older recipes/kernels: keep one image and one tree only.
  rm -rf "$LAB_CACHE/debian-root/$DEBIAN_ROOT_SUITE"-*.img "$LAB_CACHE/debian-root/$DEBIAN_ROOT_SUITE"-*.tree
  mv "$st" "${out%.img}.tree"
  mv "$tmp" "$out"
}
