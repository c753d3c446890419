# shellcheck shell=bash
# Live media for the VM scenarios: ISO 9660 images made with xorriso, holding the test
# root in the layouts distributions ship (README "Live media").
#
#   lab_live_iso OUT.iso LABEL DIR   an ISO of DIR with that volume id (Rock Ridge)
#   lab_live_squash_tree DIR [PAD]   DIR/LiveOS/squashfs.img: the test root itself (with
#                                    PAD MiB of random data in /pad.bin, if given), and
#                                    DIR/LiveOS/root.erofs: the same as erofs (without PAD)
#   lab_live_rootfs_tree DIR         DIR/LiveOS/squashfs.img holding LiveOS/rootfs.img, an
#                                    ext4 image of the test root (the older layout)

lab_live_iso() {
  local out=$1 label=$2 dir=$3
  lab_need xorriso
  rm -f "$out"
  xorriso -as mkisofs -quiet -R -V "$label" -o "$out" "$dir" >/dev/null 2>&1 ||
    { echo "not ok - xorriso $out"; exit 1; }
}

lab_live_squash_tree() {
  local dir=$1 pad=${2:-} tree
  lab_need mksquashfs mkfs.erofs
  tree=$(mktemp -d "$LAB_WORK/livetree.XXXXXX")
  lab_testroot_tree "$tree"
  mkdir -p "$dir/LiveOS"
  if [ -z "$pad" ]; then
    mkfs.erofs --quiet -zlz4hc "$dir/LiveOS/root.erofs" "$tree" >/dev/null || { echo "not ok - mkfs.erofs"; exit 1; }
  else
    head -c $((pad << 20)) /dev/urandom >"$tree/pad.bin"
  fi
  mksquashfs "$tree" "$dir/LiveOS/squashfs.img" -noappend -quiet >/dev/null || { echo "not ok - mksquashfs"; exit 1; }
  rm -rf "$tree"
}

lab_live_rootfs_tree() {
  local dir=$1 inner
  lab_need mksquashfs
  inner=$(mktemp -d "$LAB_WORK/liveinner.XXXXXX")
  mkdir -p "$inner/LiveOS" "$dir/LiveOS"
  lab_testroot "$inner/LiveOS/rootfs.img" "$(lab_uuid)" ST-LIVE-ROOT
  mksquashfs "$inner" "$dir/LiveOS/squashfs.img" -noappend -quiet >/dev/null || { echo "not ok - mksquashfs"; exit 1; }
  rm -rf "$inner"
}

# lab_httpd DIR [--drop-after BYTES]: Tests/lab/httpd.py serving DIR on 127.0.0.1 (the
# guest's 10.0.2.2) until the scenario ends; sets HTTPD_PORT and HTTPD_LOG (a line a
# request). A second call replaces the first server.
lab_httpd() {
  local dir=$1; shift
  lab_need python3
  [ -n "${HTTPD_PID:-}" ] && kill "$HTTPD_PID" 2>/dev/null
  HTTPD_LOG=$LAB_WORK/httpd.$$.log
  local portfile=$LAB_WORK/httpd.$$.port
  rm -f "$HTTPD_LOG" "$portfile"
  python3 "$LAB_REPO/Tests/lab/httpd.py" "$dir" "$portfile" "$HTTPD_LOG" "$@" &
  HTTPD_PID=$!
  lab_on_exit "kill $HTTPD_PID"
  lab_wait_until 5 test -s "$portfile"
  [ -s "$portfile" ] || { echo "not ok - lab_httpd: the server did not start"; exit 1; }
  HTTPD_PORT=$(cat "$portfile")
  touch "$HTTPD_LOG"
  lab_log "httpd on 127.0.0.1:$HTTPD_PORT serving $dir${*:+ ($*)}"
}
