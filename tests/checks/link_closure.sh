#!/bin/sh
#  link_closure - what each program is linked with, as CMake builds its
#  link line (the closure of its targets' link libraries), checked
#  against a pattern
#
#  Usage: link_closure.sh PATTERN [+|-]NAME=ITEM,ITEM,...
#  "+imq-broker=..." fails unless an item matches PATTERN (an extended
#  regular expression, case-insensitive); "-imqctl=..." fails when one
#  does. The NEEDED entries readelf shows (links.sh) can hide a library
#  that is on the link line but unused, since the toolchain links with
#  --as-needed; this check reads the link line itself.
set -u
[ $# -ge 2 ] || { echo "usage: $0 PATTERN [+|-]NAME=ITEMS..." >&2; exit 2; }
pattern=$1
shift
status=0
for argument in "$@"; do
    sign=$(printf '%s' "$argument" | cut -c1)
    rest=${argument#?}
    name=${rest%%=*}
    items=$(printf '%s' "${rest#*=}" | tr ',' ' ')
    found=
    for item in $items; do
        if printf '%s\n' "$item" | grep -Eiq "$pattern"; then
            found="$found $item"
        fi
    done
    if [ "$sign" = + ] && [ -z "$found" ]; then
        echo "link_closure: $name links nothing matching $pattern: $items" >&2
        status=1
    elif [ "$sign" = - ] && [ -n "$found" ]; then
        echo "link_closure: $name links$found" >&2
        status=1
    else
        echo "$name ($sign$pattern):${found:- none}"
    fi
done
exit $status
