#!/bin/sh
# mount hook (01, shell init): the network when the root needs it, then the root at
# $NEWROOT, read-only. dracut's mount loop stops once $NEWROOT is mounted.
type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh
. /lib/stateless-lib.sh

if [ -e "$STATELESS_DRACUT_ENV" ] && ! ismounted "$NEWROOT"; then
    "$STATELESS" net || die "stateless: net failed (the line above says why)"
    "$STATELESS" root || die "stateless: root failed (the line above says why)"
fi
