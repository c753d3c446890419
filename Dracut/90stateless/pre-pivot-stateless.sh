#!/bin/sh
# pre-pivot hook (01, shell init): the writable places and the machine's state on the
# root before dracut switches to it.
type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh
. /lib/stateless-lib.sh

if [ -e "$STATELESS_DRACUT_ENV" ]; then
    "$STATELESS" overlay || die "stateless: overlay failed (the line above says why)"
    stateless_restore_devkmsg_limit
fi
