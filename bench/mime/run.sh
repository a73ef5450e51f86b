#!/bin/sh
# bench/mime/run.sh [SECONDS]
#
# Builds the two MIME benchmarks with -O2 in a scratch directory, builds
# the corpus (tests/mime/cases plus the generated torture cases), and runs
# x400gw's parser and sanitizer and GMime 3 on it in one go. Prints MB/s and
# messages per second for the whole corpus, then for the small cases alone.
set -eu
secs=${1:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${X400GW_BENCH_DIR:-$(mktemp -d)}
mkdir -p "$work/torture"

CXX=${CXX:-g++}
flags="-std=c++20 -O2 -DNDEBUG -I$root -I$here"
$CXX $flags -o "$work/mime_bench_x400gw" "$here/x400gw_bench.cpp" \
    "$root"/mime/codec.cpp "$root"/mime/describe.cpp "$root"/mime/header_codec.cpp \
    "$root"/mime/parser.cpp "$root"/mime/sanitizer.cpp "$root"/mime/unwrap.cpp
# shellcheck disable=SC2046
$CXX $flags -o "$work/mime_bench_gmime" "$here/gmime_bench.cpp" $(pkg-config --cflags --libs gmime-3.0)

/usr/bin/python3 "$root/tests/mime/gen_cases.py" torture "$work/torture"
cases="$root/tests/mime/cases"

echo "== whole corpus: $(ls "$cases"/*.eml | wc -l) cases + $(ls "$work"/torture/*.eml | wc -l) torture cases"
"$work/mime_bench_gmime" "$secs" "$cases" "$work/torture"
"$work/mime_bench_x400gw" "$secs" "$cases" "$work/torture"
echo "== small cases only"
"$work/mime_bench_gmime" "$secs" "$cases"
"$work/mime_bench_x400gw" "$secs" "$cases"
