# shellcheck shell=bash
# A PXE lab in a network namespace: a bridge (10.0.3.1/24) with one tap for the VM,
# dnsmasq as DHCP and TFTP server on the bridge, qemu's iPXE ROM as the firmware. The
# servers and the VM run inside the namespace (LAB_QEMU_NETNS, LAB_NFS_NETNS).
#
#   lab_pxe_start TFTP-DIR [DNSMASQ-ARGS…]   namespace + bridge + tap0 + dnsmasq; stopped on exit
#   lab_pxe_stop                             every process in the namespace, then the namespace
# Needs root, /dev/net/tun, ip, dnsmasq.

LAB_PXE_NETNS=stateless-pxe
LAB_PXE_SERVER=10.0.3.1

lab_pxe_start() {
  local tftp=$1; shift
  lab_need ip dnsmasq
  [ -c /dev/net/tun ] || lab_skip "no /dev/net/tun: the PXE lab needs a tap device"
  lab_pxe_stop
  local ns=$LAB_PXE_NETNS
  ip netns add "$ns" &&
    ip -n "$ns" link set lo up &&
    ip -n "$ns" link add br0 type bridge &&
    ip -n "$ns" addr add "$LAB_PXE_SERVER/24" dev br0 &&
    ip -n "$ns" link set br0 up &&
    ip -n "$ns" tuntap add dev tap0 mode tap &&
    ip -n "$ns" link set tap0 master br0 &&
    ip -n "$ns" link set tap0 up ||
    { echo "not ok - could not set up the namespace $ns with br0 and tap0"; exit 1; }
  lab_on_exit lab_pxe_stop
  rm -f "$LAB_WORK/pxe-dnsmasq.log" "$LAB_WORK/pxe-leases"
  ip netns exec "$ns" dnsmasq --keep-in-foreground --port=0 --interface=br0 --bind-interfaces \
    --dhcp-range=10.0.3.100,10.0.3.199,255.255.255.0,1h --dhcp-leasefile="$LAB_WORK/pxe-leases" \
    --enable-tftp --tftp-root="$tftp" --dhcp-boot=boot.ipxe --log-dhcp --log-facility="$LAB_WORK/pxe-dnsmasq.log" \
    --pid-file="$LAB_WORK/pxe-dnsmasq.pid" "$@" &
  if lab_wait_until 5 lab_listens udp 67 "$ns"; then
    lab_log "PXE lab: $ns, dnsmasq on br0 ($LAB_PXE_SERVER)"; return 0
  fi
  echo "not ok - dnsmasq did not listen on $ns:67 within 5 s (log: $LAB_WORK/pxe-dnsmasq.log)"
  exit 1
}

_lab_pxe_empty() { [ -z "$(ip netns pids "$LAB_PXE_NETNS" 2>/dev/null)" ]; }

lab_pxe_stop() {
  ip netns list 2>/dev/null | grep -qw "$LAB_PXE_NETNS" || return 0
  local pids _
  pids=$(ip netns pids "$LAB_PXE_NETNS" 2>/dev/null)
  [ -n "$pids" ] && kill $pids 2>/dev/null
  lab_wait_until 3 _lab_pxe_empty
  pids=$(ip netns pids "$LAB_PXE_NETNS" 2>/dev/null)
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null
  ip netns del "$LAB_PXE_NETNS" 2>/dev/null
}
