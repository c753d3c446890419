# The dracut side of the lab (sourced after lib.sh): Debian's dracut building images for
# the test kernel from the cache, and our module installed by `make install` into a
# staging tree, never into the host's /usr/lib/dracut.

# Generators that look for the target kernel on the host itself (mkinitramfs reads
# /lib/modules/VERSION and /boot/config-VERSION; dracut's module checks run modprobe -S
# VERSION): point those paths at the cache for the duration of COMMAND. Outside Tests/run's
# namespaces (Tests/bench), links on the host, removed afterwards.
with_kernel_on_host() { # COMMAND…
  if [ "${LAB_ISOLATED:-}" = 1 ] && [ -d /lib/modules ] && [ -d /boot ]; then
    # Tests/run's own mount namespace: tmpfs over both, seen by nobody else.
    local rc=0
    mount -t tmpfs lab-modules /lib/modules && mount -t tmpfs lab-boot /boot ||
      { echo "not ok - could not mount tmpfs on /lib/modules and /boot in the scenario's namespace"; exit 1; }
    ln -s "$KDIR/lib/modules/$KVER" "/lib/modules/$KVER"
    ln -s "$KDIR/boot/config-$KVER" "/boot/config-$KVER"
    "$@" || rc=1
    umount /boot /lib/modules
    return "$rc"
  fi
  local created_link= created_dir= created_config= bound= rc=0
  # A /lib/modules/$KVER with no modules in it (linux-headers' `build` link alone, as the
  # stuck-module scenario's package leaves it): the cache's tree is bound over it meanwhile.
  if [ -d "/lib/modules/$KVER" ] && [ ! -L "/lib/modules/$KVER" ] && [ ! -d "/lib/modules/$KVER/kernel" ]; then
    mount --bind "$KDIR/lib/modules/$KVER" "/lib/modules/$KVER" && bound=1
  fi
  if [ ! -e "/lib/modules/$KVER" ]; then
    [ -d /lib/modules ] || { mkdir -p /lib/modules && created_dir=1; }
    ln -s "$KDIR/lib/modules/$KVER" "/lib/modules/$KVER" && created_link=1
  fi
  if [ ! -e "/boot/config-$KVER" ]; then
    mkdir -p /boot && ln -s "$KDIR/boot/config-$KVER" "/boot/config-$KVER" && created_config=1
  fi
  "$@" || rc=1
  [ -n "$bound" ] && umount "/lib/modules/$KVER"
  [ -n "$created_link" ] && rm -f "/lib/modules/$KVER"
  [ -n "$created_dir" ] && rmdir /lib/modules 2>/dev/null
  [ -n "$created_config" ] && rm -f "/boot/config-$KVER"
  return "$rc"
}

generate() { # NAME LOG COMMAND… : an image generator, its output in LOG
  local name=$1 log=$2; shift 2
  lab_log "$name: $* (log: $log)"
  "$@" >"$log" 2>&1 && return 0
  tail -n 20 "$log" | sed 's/^/#   /'
  echo "not ok - $name failed (log: $log)"
  return 1
}

# Tests/lab/setup installs dracut-core (dracut without the package that replaces
# initramfs-tools as the host's generator) and dracut-network.
lab_need_dracut() {
  command -v dracut >/dev/null 2>&1 && [ -d /usr/lib/dracut/modules.d/40network ] ||
    { echo "not ok - dracut missing: Tests/lab/setup installs dracut-core and dracut-network"; exit 1; }
}

# `make install PREFIX=/usr DESTDIR=$LAB_DRACUT_STAGE`, then a dracut base directory of
# links to the host's /usr/lib/dracut with the staged module added (dracut honours
# $dracutbasedir), and the module pointed at the staged binary and defaults.
# Shared by the dracut scenarios (under the lock "dracut" while they are made).
LAB_DRACUT_STAGE=$LAB_SHARED/dracut-stage
LAB_DRACUT_BASE=$LAB_SHARED/dracut-base
lab_dracut_install() {
  lab_build; lab_need_dracut; lab_need make
  lab_lock dracut
  # Once per change of what is installed: a scenario running at once may be using both.
  local key
  key=$( (cd "$LAB_REPO" && cat "$BIN/stateless" "$BIN/mkstateless" Makefile Dracut/90stateless/* man/* &&
    find Initramfs -type f -exec cat {} +) | sha256sum)
  if [ "$(cat "$LAB_DRACUT_STAGE.key" 2>/dev/null)" != "$key" ]; then
    rm -rf "$LAB_DRACUT_STAGE" "$LAB_DRACUT_BASE" "$LAB_DRACUT_STAGE.key"
    if ! make -C "$LAB_REPO" install PREFIX=/usr DESTDIR="$LAB_DRACUT_STAGE" >"$LAB_LOGS/make-install.log" 2>&1; then
      tail -n 20 "$LAB_LOGS/make-install.log" | sed 's/^/#   /'
      echo "not ok - make install failed (log: $LAB_LOGS/make-install.log)"; exit 1
    fi
    mkdir -p "$LAB_DRACUT_BASE"
    cp -rs /usr/lib/dracut/. "$LAB_DRACUT_BASE/"
    cp -r "$LAB_DRACUT_STAGE/usr/lib/dracut/modules.d/90stateless" "$LAB_DRACUT_BASE/modules.d/"
    echo "$key" >"$LAB_DRACUT_STAGE.key"
  fi
  export dracutbasedir=$LAB_DRACUT_BASE
  export STATELESS_BINARY=$LAB_DRACUT_STAGE/usr/bin/stateless STATELESS_DATADIR=$LAB_DRACUT_STAGE/usr/share/stateless
  lab_unlock dracut
}

# The images the dracut scenarios boot: built once per change of what goes in (the staged
# binary and module, the arguments, the kernel), then reused (~1 min each under TCG).
lab_dracut_image() { # OUT [dracut args…] : not host-only, the test kernel, zstd
  local out=$1 key; shift
  lab_kernel
  lab_lock dracut
  key=$( { cat "$STATELESS_BINARY" "$LAB_DRACUT_BASE"/modules.d/90stateless/*; echo "$KVER $*"; } | sha256sum)
  if [ -s "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
    lab_log "dracut image $out: up to date"
    lab_unlock dracut
    return 0
  fi
  rm -f "$out" "$out.key"
  with_kernel_on_host generate dracut "$out.build.log" dracut --no-hostonly --kver "$KVER" \
    --kmoddir "$KDIR/lib/modules/$KVER" --compress zstd --force "$@" "$out" || exit 1
  echo "$key" >"$out.key"
  lab_unlock dracut
}

# The two images: dracut's default here (systemd in the initramfs, its network module
# systemd-networkd, dracut's nfs and iscsi modules beside ours), and the shell init with
# network-legacy (dhclient), as on a distribution without systemd.
LAB_DRACUT_IMAGES=$LAB_SHARED/dracut
LAB_DRACUT_SYSTEMD_IMG=$LAB_DRACUT_IMAGES/systemd.img
LAB_DRACUT_SHELL_IMG=$LAB_DRACUT_IMAGES/shell.img
lab_dracut_images() {
  lab_dracut_install
  mkdir -p "$LAB_DRACUT_IMAGES"
  lab_dracut_image "$LAB_DRACUT_SYSTEMD_IMG" --add stateless
  lab_dracut_image "$LAB_DRACUT_SHELL_IMG" --add "stateless network-legacy" \
    --omit "systemd systemd-initrd systemd-networkd dracut-systemd"
}

# A boot of a dracut image: rd.shell=0 so that a failure takes rd.emergency=reboot at
# once (lab_boot passes it) and qemu exits.
lab_dracut_boot() { # NAME IMAGE APPEND [DISK [qemu args…]]
  local name=$1 image=$2 append=$3; shift 3
  lab_boot "$name" "$image" "rd.shell=0 $append" "$@"
}

# What every dracut boot of the busybox test root shows, whatever the root kind: the real
# init ran, our stages ran once each (the timeline as in a standalone image), the
# cmdline hook took the root over (dracut.env), the hand-off files are there.
dracut_stage_checks() { # LABEL STAGES… (the expected timeline, in order)
  local label=$1 stages; shift
  # Stage lines only: spans (module:…, wait, net:…) interleave with them.
  stages=$(report_all 'run:timeline:' | awk '$1 !~ /:/ && $1 != "wait" { printf "%s ", $1 }')
  if [ "$stages" = "$* " ]; then ok "$label: timeline: $* (once each, in order)"
  else not_ok "$label: timeline: $* (once each, in order)" "found: $stages"$'\n'"$(report_all 'run:timeline:')"; fi
  if report_all 'run:timeline:' | awk '$1 !~ /:/ && $1 != "wait" && $4 != "ok" { bad = 1 } END { exit bad }'; then ok "$label: every stage ok"
  else not_ok "$label: every stage ok" "$(report_all 'run:timeline:')"; fi
  assert_report_match run:dracut.env:ROOT '.' "$label: the cmdline hook took the root over (/run/stateless/dracut.env)"
  assert_report_match run:state.env:MACHINE_ID '.' "$label: state.env written (the overlay stage's machine state)"
}

dracut_busybox_checks() { # LABEL MODE(rwtab|overlayfs) ROOT_KIND
  local label=$1 mode=$2 kind=$3
  assert_exited
  assert_no_log 'Kernel panic' "$label: no kernel panic"
  assert_report init "/sbin/init pid=1" "$label: the real init ran as pid 1"
  assert_report done yes "$label: the report is complete"
  assert_report run:root.env:ROOT_KIND "$kind" "$label: root.env ROOT_KIND=$kind"
  assert_report run:overlay.env:OVERLAY_MODE "$mode" "$label: overlay.env OVERLAY_MODE=$mode"
  case $mode in
    rwtab)
      assert_report root_write fail "$label: / is read-only"
      assert_report writable:/var/lib/demo yes "$label: the rwtab path /var/lib/demo is writable"
      assert_report content:hello.txt "hello from the image" "$label: rwtab copies hold the image's files" ;;
    overlayfs)
      assert_report_match rootmount '^overlay / overlay .*lowerdir=/run/stateless/lower' "$label: / is an overlay over /run/stateless/lower"
      assert_report root_write ok "$label: / is writable" ;;
  esac
  lab_log "$label: real init at $(report uptime) s uptime; our stages: $(report_all 'run:timeline:' | awk '$1 !~ /:/ && $1 != "wait" { printf "%s %.2f-%.2f  ", $1, $2, $3 }')"
}
