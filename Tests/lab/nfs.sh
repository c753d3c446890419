# shellcheck shell=bash
# NFS server for the VM scenarios: nfs-ganesha (user space: this host has no kernel nfsd),
# bound to 127.0.0.1 or, in the PXE lab, to the namespace's bridge address; rpcbind when
# NFSv3 is served. A guest on qemu's user network reaches 127.0.0.1 as 10.0.2.2.
#
#   lab_nfs_start PROTOCOLS EXPORT…   PROTOCOLS: "4" or "3, 4" or "3"
#                                     EXPORT: PSEUDO=DIR[:ACCESS] (ACCESS: RO (default) or None)
#                                     starts the servers (LAB_NFS_NETNS: inside that namespace,
#                                     LAB_NFS_BIND: address, LAB_NFS_V4: extra NFSV4 lines,
#                                     LAB_NFS_TRANSPORTS: default TCP);
#                                     they are stopped on exit (pids tracked)
#   lab_nfs_stop
# Started servers fail the scenario loudly when they do not listen within 10 s.

LAB_NFS_DIR=$LAB_WORK/nfs-server
LAB_NFS_PIDS=()

lab_nfs_start() {
  local protocols=$1; shift
  lab_need ganesha.nfsd ss
  case $protocols in *3*) lab_need rpcbind ;; esac
  lab_nfs_stop
  mkdir -p "$LAB_NFS_DIR"
  local conf=$LAB_NFS_DIR/ganesha.conf bind=${LAB_NFS_BIND:-127.0.0.1} id=1 e pseudo rest dir access
  local run=()
  [ -n "${LAB_NFS_NETNS:-}" ] && run=(ip netns exec "$LAB_NFS_NETNS")
  {
    echo "NFS_CORE_PARAM { Protocols = $protocols; NFS_Port = 2049; MNT_Port = 20048; Bind_addr = $bind;"
    echo "  Enable_NLM = false; Enable_RQUOTA = false; Mount_Path_Pseudo = true; }"
    # Numeric owners: the client has no idmapper (see the README).
    echo "NFSV4 { Graceless = true; Lease_Lifetime = 10; Grace_Period = 10; Only_Numeric_Owners = true; ${LAB_NFS_V4:-} }"
    for e in "$@"; do
      pseudo=${e%%=*}; rest=${e#*=}; dir=${rest%%:*}; access=RO
      [[ $rest == *:* ]] && access=${rest##*:}
      echo "EXPORT { Export_Id = $id; Path = $dir; Pseudo = $pseudo; Access_Type = $access; Squash = No_Root_Squash;"
      echo "  SecType = sys; Transports = ${LAB_NFS_TRANSPORTS:-TCP}; Protocols = $protocols; FSAL { Name = VFS; } }"
      id=$((id + 1))
    done
  } >"$conf"
  rm -f "$LAB_NFS_DIR/ganesha.log"
  if "${run[@]}" ss -ltn 2>/dev/null | grep -q ":2049 "; then
    echo "not ok - something else already listens on port 2049 (a system NFS server?): $("${run[@]}" ss -ltnp | grep ':2049 ')"
    exit 1
  fi
  if [[ $protocols == *3* ]]; then
    "${run[@]}" rpcbind -f -w >"$LAB_NFS_DIR/rpcbind.log" 2>&1 &
    LAB_NFS_PIDS+=($!)
    lab_wait_until 10 lab_listens tcp 111 "${LAB_NFS_NETNS:-}" ||
      { echo "not ok - rpcbind did not listen on port 111 within 10 s (log: $LAB_NFS_DIR/rpcbind.log)"; exit 1; }
  fi
  "${run[@]}" ganesha.nfsd -F -f "$conf" -L "$LAB_NFS_DIR/ganesha.log" -p "$LAB_NFS_DIR/ganesha.pid" -N NIV_EVENT \
    >"$LAB_NFS_DIR/ganesha.out" 2>&1 &
  LAB_NFS_PIDS+=($!)
  lab_on_exit lab_nfs_stop
  if lab_wait_until 10 lab_listens tcp 2049 "${LAB_NFS_NETNS:-}"; then lab_log "NFS server ($protocols) on $bind: $*"; return 0; fi
  echo "not ok - ganesha.nfsd did not listen on $bind:2049 within 10 s (log: $LAB_NFS_DIR/ganesha.log)"
  tail -n 5 "$LAB_NFS_DIR/ganesha.log" 2>/dev/null | sed 's/^/#   /'
  exit 1
}

lab_nfs_stop() {
  local pid
  for pid in "${LAB_NFS_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${LAB_NFS_PIDS[@]}"; do
    lab_wait_until 5 lab_gone "$pid"
    kill -9 "$pid" 2>/dev/null
  done
  LAB_NFS_PIDS=()
}

# A silent TCP listener on 127.0.0.1:PORT (a server that accepts and never answers), for
# the failure twins; stopped with the NFS server.
lab_silent_listener() { # PORT
  lab_need socat
  socat "TCP-LISTEN:$1,bind=127.0.0.1,reuseaddr,fork" "SYSTEM:cat >/dev/null" >/dev/null 2>&1 &
  LAB_NFS_PIDS+=($!)
  lab_on_exit lab_nfs_stop
}
