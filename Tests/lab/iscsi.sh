# shellcheck shell=bash
# iSCSI target for the VM scenarios: tgtd (Debian's tgt, user space) on a control port of
# its own. Its portal is 10.0.3.1:3260 on the host's lo: a guest on qemu's user network
# reaches that address through slirp (which connects from the host), so SendTargets
# answers with a portal the guest can use; 127.0.0.1 would be answered as itself, which
# the guest cannot reach (ENVIRONMENT.md). In the PXE lab (LAB_ISCSI_NETNS) it is the
# namespace's bridge address.
#
#   lab_iscsi_start TARGET…   TARGET: IQN=IMAGE[,chap=USER:PASS][,mutual=USER:PASS][,ro]
#                             each target's LUN 1 is IMAGE (read-write unless ro: a cached
#                             image other scenarios share); stopped on exit
#   lab_iscsi_kill            kill -9, as a crash or a restart does (no logout)
#   lab_iscsi_start_again     the same targets again (after lab_iscsi_kill)
#   lab_iscsi_stop
# The pid is kept in a file, so a helper in a subshell (restarting the target while a VM
# runs) leaves the exit hook something to stop.

LAB_ISCSI_ADDR=${LAB_ISCSI_ADDR:-10.0.3.1}
LAB_ISCSI_PORT=3260
LAB_ISCSI_CONTROL=71
LAB_ISCSI_DIR=$LAB_WORK/iscsi-target
LAB_ISCSI_TARGETS=()

_lab_tgtadm() { tgtadm -C "$LAB_ISCSI_CONTROL" --lld iscsi "$@" >>"$LAB_ISCSI_DIR/tgtadm.log" 2>&1 ||
  { echo "not ok - tgtadm $* failed (log: $LAB_ISCSI_DIR/tgtadm.log)"; exit 1; }; }

_lab_tgtd_answers() { tgtadm -C "$LAB_ISCSI_CONTROL" --op show --mode sys >/dev/null 2>&1; }

lab_iscsi_start() {
  lab_need tgtd tgtadm ip
  mkdir -p "$LAB_ISCSI_DIR"
  [ $# -gt 0 ] && LAB_ISCSI_TARGETS=("$@")
  printf '%s\n' "${LAB_ISCSI_TARGETS[@]}" >"$LAB_ISCSI_DIR/targets"
  if [ -z "${LAB_ISCSI_NETNS:-}" ] && ! ip -4 addr show dev lo | grep -q " $LAB_ISCSI_ADDR/"; then
    ip addr add "$LAB_ISCSI_ADDR/32" dev lo || { echo "not ok - cannot put $LAB_ISCSI_ADDR on lo"; exit 1; }
    touch "$LAB_ISCSI_DIR/added-address"
  fi
  lab_on_exit lab_iscsi_stop
  # One left behind by an aborted run (outside Tests/run's namespaces) would answer on the
  # control port instead: say so rather than kill what may be someone else's.
  if _lab_tgtd_answers; then
    echo "not ok - a tgtd already answers on control port $LAB_ISCSI_CONTROL (an aborted run? stop it)"; exit 1
  fi
  local run=()
  [ -n "${LAB_ISCSI_NETNS:-}" ] && run=(ip netns exec "$LAB_ISCSI_NETNS")
  # Started directly (not through a function), so that $! is tgtd itself.
  "${run[@]}" tgtd -f -C "$LAB_ISCSI_CONTROL" --iscsi "portal=$LAB_ISCSI_ADDR:$LAB_ISCSI_PORT" >"$LAB_ISCSI_DIR/tgtd.log" 2>&1 &
  echo $! >"$LAB_ISCSI_DIR/tgtd.pid"
  disown $!  # no "Killed" line from bash when a scenario kills it on purpose
  lab_wait_until 10 _lab_tgtd_answers || { echo "not ok - tgtd did not answer on control port $LAB_ISCSI_CONTROL within 10 s (log: $LAB_ISCSI_DIR/tgtd.log)"; exit 1; }
  local tid=1 t iqn rest image opt accounts=
  for t in "${LAB_ISCSI_TARGETS[@]}"; do
    iqn=${t%%=*}; rest=${t#*=}; image=${rest%%,*}
    _lab_tgtadm --op new --mode target --tid "$tid" -T "$iqn"
    _lab_tgtadm --op new --mode logicalunit --tid "$tid" --lun 1 -b "$image"
    _lab_tgtadm --op bind --mode target --tid "$tid" -I ALL
    IFS=, read -ra opts <<<"${rest#"$image"}"
    for opt in "${opts[@]}"; do
      case $opt in
        chap=*|mutual=*)
          local user=${opt#*=}; user=${user%%:*}
          case " $accounts " in *" $user "*) ;; *) _lab_tgtadm --op new --mode account --user "$user" --password "${opt#*:}"; accounts="$accounts $user" ;; esac
          if [[ $opt == mutual=* ]]; then _lab_tgtadm --op bind --mode account --tid "$tid" --user "$user" --outgoing
          else _lab_tgtadm --op bind --mode account --tid "$tid" --user "$user"; fi ;;
        ro) _lab_tgtadm --op update --mode logicalunit --tid "$tid" --lun 1 --params readonly=1 ;;
        "") ;;
        *) echo "not ok - lab_iscsi_start: unknown target option $opt"; exit 1 ;;
      esac
    done
    tid=$((tid + 1))
  done
  lab_log "iSCSI target on $LAB_ISCSI_ADDR:$LAB_ISCSI_PORT: ${LAB_ISCSI_TARGETS[*]}"
}

lab_iscsi_kill() {
  local pid
  pid=$(cat "$LAB_ISCSI_DIR/tgtd.pid" 2>/dev/null) || return 0
  kill -9 "$pid" 2>/dev/null
  lab_wait_until 10 lab_gone "$pid" || { echo "not ok - tgtd (process $pid) did not exit 10 s after SIGKILL"; exit 1; }
  rm -f "$LAB_ISCSI_DIR/tgtd.pid"
}

lab_iscsi_start_again() { mapfile -t LAB_ISCSI_TARGETS <"$LAB_ISCSI_DIR/targets"; lab_iscsi_start; }

lab_iscsi_stop() {
  lab_iscsi_kill
  if [ -e "$LAB_ISCSI_DIR/added-address" ]; then
    ip addr del "$LAB_ISCSI_ADDR/32" dev lo 2>/dev/null
    rm -f "$LAB_ISCSI_DIR/added-address"
  fi
}
