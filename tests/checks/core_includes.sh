#!/bin/sh
#  core_includes - the deterministic core includes and links no I/O
#  library (docs/architecture.md, "Folders and libraries")
#
#  Usage: core_includes.sh COMMON_DIR LINK_LIBRARIES...
#  Reads every .c and .h under COMMON_DIR/core and, through the quoted
#  includes that name a file of common/ or common/core/, every header
#  they pull in: none may include a ZeroMQ, czmq, libraft, libuv, HTTP
#  (libmicrohttpd, libcurl) header, a header of imq_common (which pulls
#  in czmq), or a broker, worker or tool header. LINK_LIBRARIES (the
#  link lists of imq_core and imq_base, from CMake) may name none of
#  those libraries either. Before the real check, the same checks run
#  on a made-up core holding a forbidden include and link, and must
#  refuse it, so that a check that cannot fail fails.
set -u

#  Headers the core must not include, as an extended regular expression
#  over the name between the quotes or angle brackets
libraries='zmq\.h|czmq\.h|zmq_.*\.h|raft\.h|raft/.*|uv\.h|uv/.*'
libraries="$libraries|microhttpd\.h|curl/.*"
#  imq_common's headers, which pull in czmq, and the users' headers
#  (im_proto_status.h, the statuses alone, includes nothing; the walk
#  below would find czmq through any header that did)
ours='im_classes\.h|im_proto(_private)?\.h|im_client\.h|im_log_limit\.h'
ours="$ours|imb_.*|imw_.*|imqctl.*|imh_.*"
forbidden="^($libraries|$ours)\$"
#  Libraries its link list must not hold
forbidden_links='zmq|raft|libuv|::UV$|microhttpd|curl|imq_common|imq_broker'
forbidden_links="$forbidden_links|imq_worker"

#  sed script: the name each #include line gives
include_name='s/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]'
include_name="$include_name"'\([^>"]*\)[>"].*/\1/p'

#  Prints "file: name" for each forbidden include reached from the
#  files of dir/core; dir is a common/ directory. Returns 0 when none.
check_dir () {
    dir=$1
    seen=$(mktemp) || exit 2
    todo=$(find "$dir/core" -name '*.[ch]' | sort)
    found=0
    while [ -n "$todo" ]; do
        next=
        for file in $todo; do
            grep -qxF "$file" "$seen" && continue
            echo "$file" >> "$seen"
            names=$(sed -n "$include_name" "$file")
            for name in $names; do
                if echo "$name" | grep -Eq "$forbidden"; then
                    echo "$file: includes $name"
                    found=1
                fi
                for place in "$dir/core/$name" "$dir/$name"; do
                    [ -f "$place" ] && next="$next $place"
                done
            done
        done
        todo=$next
    done
    rm -f "$seen"
    return $found
}

#  Prints each forbidden library of the arguments; 0 when none
check_links () {
    found=0
    for library in "$@"; do
        if echo "$library" | grep -Eiq "$forbidden_links"; then
            echo "links $library"
            found=1
        fi
    done
    return $found
}

[ $# -ge 1 ] || { echo "usage: $0 COMMON_DIR LINK_LIBRARIES..." >&2; exit 2; }
common=$1
shift
[ -d "$common/core" ] || { echo "$0: no $common/core" >&2; exit 2; }

#  The checks must refuse a core that reaches czmq through a header
fake=$(mktemp -d) || exit 2
mkdir "$fake/core"
printf '#include "im_fake.h"\n' > "$fake/core/imc_fake.c"
printf '#include <czmq.h>\n' > "$fake/im_fake.h"
if check_dir "$fake" > /dev/null; then
    echo "core_includes: the include check let czmq.h through" >&2
    rm -r "$fake"
    exit 1
fi
rm -r "$fake"
if check_links PkgConfig::ROCKSDB PkgConfig::CZMQ > /dev/null; then
    echo "core_includes: the link check let czmq through" >&2
    exit 1
fi

status=0
check_dir "$common" || status=1
check_links "$@" || status=1
if [ $status -ne 0 ]; then
    echo "core_includes: common/core reaches an I/O library (above)" >&2
    exit 1
fi
files=$(find "$common/core" -name '*.[ch]' | wc -l)
echo "core_includes: $files files and their headers; links: $*"
