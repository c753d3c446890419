#!/bin/sh
# cmdline hook (00, before dracut's own root parsers): when Stateless attaches this
# boot's root, dracut's parsers for it are skipped and dracut is told the root is handled;
# the shell init's mount hook or the systemd units then run our stages.
type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh
. /lib/stateless-lib.sh

mkdir -p /run/stateless
stateless_decide
case $? in
    0)
        printf '%s\n' "$STATELESS_FACTS" > "$STATELESS_DRACUT_ENV"
        stateless_lift_devkmsg_limit
        stateless_take_over_hooks "$(stateless_fact NET)"
        # Not a form dracut's parsers know: each of them leaves it alone, and dracut's
        # "Don't know how to handle" check is satisfied.
        root="stateless:$(stateless_fact ROOT)"
        rootok=1
        unset netroot
        ;;
    1) rm -f "$STATELESS_DRACUT_ENV" ;;
    *) die "stateless: the kernel command line is not usable (the line above says which option)" ;;
esac
