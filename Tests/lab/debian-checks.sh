# shellcheck shell=bash
# Checks shared by the scenarios that boot the Debian root (debian-root, debian-nfs). Kept
# out of debian-root.sh, whose hash names the cached image: editing a check must not
# rebuild the root.

declare -A MACHINE_ID

assert_none() { # KEY-PREFIX DESCRIPTION : no REPORT line with this key
  local lines
  lines=$(report_all "$1")
  if [ -z "$lines" ]; then ok "$2"; else not_ok "$2" "$lines"; fi
}

# What every boot of the Debian root must show: multi-user, no failed unit, an error-free
# journal, journald/syslog/resolved/sshd/logind working. Records MACHINE_ID[MODE].
debian_checks() { # MODE
  local mode=$1
  assert_exited "$LAB_QEMU_TIMEOUT"
  assert_no_log 'Kernel panic' "$mode: no kernel panic"
  assert_report begin yes "$mode: stateless-report.service ran after multi-user.target"
  assert_report done yes "$mode: the report is complete (then systemctl poweroff --force)"
  assert_report multi_user active "$mode: multi-user.target reached"
  assert_report system_state running "$mode: systemctl is-system-running says running"
  assert_none 'job=' "$mode: no job left when startup finished"
  assert_none 'failed=' "$mode: systemctl --failed is empty"
  assert_none 'journal_err=' "$mode: no error-priority line in the journal (journalctl -b -p err)"
  assert_none 'journal_rofs=' "$mode: no 'Read-only file system' line in the journal"
  assert_report_match memtotal '^(9[0-9]{5}|1[0-9]{6}) kB$' "$mode: the guest has ~1 GB (-m 1024 overrides -m 512)"

  assert_report journald active "$mode: systemd-journald active"
  assert_report_match journal_lines '^[1-9][0-9]*$' "$mode: journalctl -b has lines"
  local id
  id=$(report machine_id)
  MACHINE_ID[$mode]=$id
  assert_report_match machine_id '^[0-9a-f]{32}$' "$mode: /etc/machine-id is set"
  assert_report_match journal_dirs "^/var/log/journal/$id " "$mode: the journal is persistent, in /var/log/journal/MACHINE-ID"
  [ "${2:-}" = shared ] || debian_identity_checks "$mode"
  assert_report rsyslog active "$mode: rsyslog active"
  assert_report syslog ok "$mode: a logger line reached /var/log/syslog"
  assert_report resolved active "$mode: systemd-resolved active"
  assert_report_match resolv_conf 'stub-resolv\.conf nameserver 127\.0\.0\.53$' "$mode: /etc/resolv.conf is resolved's stub"
  assert_report_match resolve '^(::1|127\.0\.0\.1) stateless-probe\.localhost$' "$mode: a name resolves through /etc/resolv.conf (resolved's stub)"
  assert_report sshd active "$mode: ssh.service active"
  assert_report run:overlay.env:FSTAB /run/stateless/fstab "$mode: the root's fstab (it lists /) is replaced by a copy that keeps / read-only"
  assert_report logind "active restarts=0" "$mode: systemd-logind active, never restarted"

  local up wall
  up=$(report multi_user_at)
  wall=$BOOT_WALL
  lab_log "$mode: multi-user.target at ${up} s guest uptime ($(report startup)); qemu wall ${wall} s"
}

# The identity files debootstrap leaves (IdentityFiles) are this machine's: D-Bus's copy
# of the machine-id holds the system's id, the snake-oil key is not the image's (made by
# stateless-snakeoil.service before the services, or kept in the state store).
debian_identity_checks() { # MODE
  local mode=$1 image_key
  assert_report_match run:state.env:SSH_HOST_KEYS '^(keygen-unit|store)$' "$mode: the image's shared SSH host keys hidden; the root's ssh-keygen -A makes this machine's (stateless-ssh-keygen.service), or its store has them"
  assert_report dbus_machine_id "$(report machine_id)" "$mode: D-Bus's machine-id (a file in the image) is the system's"
  image_key=$(sha256sum <"$DEBIAN_ROOT_TREE/etc/ssl/private/ssl-cert-snakeoil.key" | cut -c1-16)
  SNAKEOIL[$mode]=$(report snakeoil | cut -d' ' -f1)
  if [[ ${SNAKEOIL[$mode]} =~ ^[0-9a-f]{16}$ ]] && [ "${SNAKEOIL[$mode]}" != "$image_key" ]; then
    ok "$mode: the snake-oil key is this machine's ($(report snakeoil))"
  else not_ok "$mode: the snake-oil key is this machine's" "found: '$(report snakeoil)'; the image's: $image_key"; fi
  assert_report_match snakeoil_unit '^success ' "$mode: stateless-snakeoil.service succeeded or was skipped (a pair in the store)"
}
declare -A SNAKEOIL

# ip=dhcp with the root's systemd-networkd enabled for the boot: networkd takes the link
# over from our .network file without dropping the address or asking for a second lease,
# and the lease keeper sees that and exits.
debian_networkd_checks() { # MODE
  local mode=$1
  assert_report networkd active "$mode: systemd-networkd active"
  assert_report wait_online active "$mode: systemd-networkd-wait-online succeeded (the link is configured)"
  assert_report_match net_addresses '^[a-z0-9]+ 10\.0\.2\.15/24,$' "$mode: one global address, the boot's lease"
  assert_report_match net_routes '^default via 10\.0\.2\.2 ' "$mode: the default route is kept"
  assert_report_match networkctl '(^| )[a-z0-9]+:routable:configured ' "$mode: networkctl shows the link routable and configured"
  assert_report_match resolved_dns '10\.0\.2\.3' "$mode: resolved has the lease's DNS server for the link"
  assert_report keeper "" "$mode: the lease keeper has exited"
  assert_report_match keeper_log 'systemd-networkd manages the link now' "$mode: the keeper said why it left"
}
