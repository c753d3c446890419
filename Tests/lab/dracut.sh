# The dracut side of the lab (sourced after lib.sh): Debian's dracut building images for
# the test kernel from the cache, and our module installed by `make install` into a
# staging tree, never into the host's /usr/lib/dracut.

# Generators that look for the target kernel on the host itself (mkinitramfs reads
# /lib/modules/VERSION and /boot/config-VERSION; dracut's module checks run modprobe -S
# VERSION): point those paths at the cache for the duration of COMMAND.
with_kernel_on_host() { # COMMAND…
  local created_link= created_dir= created_config= rc=0
  if [ ! -e "/lib/modules/$KVER" ]; then
    [ -d /lib/modules ] || { mkdir -p /lib/modules && created_dir=1; }
    ln -s "$KDIR/lib/modules/$KVER" "/lib/modules/$KVER" && created_link=1
  fi
  if [ ! -e "/boot/config-$KVER" ]; then
    mkdir -p /boot && ln -s "$KDIR/boot/config-$KVER" "/boot/config-$KVER" && created_config=1
  fi
  "$@" || rc=1
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
LAB_DRACUT_STAGE=$LAB_WORK/dracut-stage
LAB_DRACUT_BASE=$LAB_WORK/dracut-base
lab_dracut_install() {
  lab_build; lab_need_dracut; lab_need make
  rm -rf "$LAB_DRACUT_STAGE" "$LAB_DRACUT_BASE"
  if ! make -C "$LAB_REPO" install PREFIX=/usr DESTDIR="$LAB_DRACUT_STAGE" >"$LAB_LOGS/make-install.log" 2>&1; then
    tail -n 20 "$LAB_LOGS/make-install.log" | sed 's/^/#   /'
    echo "not ok - make install failed (log: $LAB_LOGS/make-install.log)"; exit 1
  fi
  mkdir -p "$LAB_DRACUT_BASE"
  cp -rs /usr/lib/dracut/. "$LAB_DRACUT_BASE/"
  cp -r "$LAB_DRACUT_STAGE/usr/lib/dracut/modules.d/90stateless" "$LAB_DRACUT_BASE/modules.d/"
  export dracutbasedir=$LAB_DRACUT_BASE
  export STATELESS_BINARY=$LAB_DRACUT_STAGE/usr/bin/stateless STATELESS_DATADIR=$LAB_DRACUT_STAGE/usr/share/stateless
}

lab_dracut_image() { # OUT [dracut args…] : not host-only, the test kernel, zstd
  local out=$1; shift
  lab_kernel
  with_kernel_on_host generate dracut "$out.build.log" dracut --no-hostonly --kver "$KVER" \
    --kmoddir "$KDIR/lib/modules/$KVER" --compress zstd --force "$@" "$out" || exit 1
}
