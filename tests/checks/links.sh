#!/bin/sh
#  links - which shared libraries each program needs (readelf -d
#  NEEDED), checked against what its folder may use
#  (docs/architecture.md, "Folders and libraries")
#
#  Usage: links.sh [needs LIB PROGRAM | lacks LIB PROGRAM...]...
#  "needs librocksdb imq-broker" fails unless the program needs a
#  library whose name starts with librocksdb; "lacks librocksdb imqctl
#  imq-notifier" fails when any of them does. Pair a "lacks" with a
#  "needs" on a program that does use the library, so that a check
#  that could not see it (a wrong name, readelf missing) fails too.
set -u
command -v readelf > /dev/null || { echo "links: readelf missing" >&2; exit 2; }

needed () {
    readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

status=0
while [ $# -gt 0 ]; do
    mode=$1
    library=$2
    shift 2
    while [ $# -gt 0 ] && [ "$1" != needs ] && [ "$1" != lacks ]; do
        program=$1
        shift
        if [ ! -f "$program" ]; then
            echo "links: $program: not built" >&2
            status=1
            continue
        fi
        list=$(needed "$program" | tr '\n' ' ')
        name=$(basename "$program")
        if echo " $list" | grep -q " $library"; then
            has=1
        else
            has=0
        fi
        if [ "$mode" = needs ] && [ $has -eq 0 ]; then
            echo "links: $name does not need $library: $list" >&2
            status=1
        elif [ "$mode" = lacks ] && [ $has -eq 1 ]; then
            echo "links: $name needs $library: $list" >&2
            status=1
        else
            echo "$name ($mode $library): $list"
        fi
    done
done
exit $status
