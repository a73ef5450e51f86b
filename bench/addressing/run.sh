#!/bin/sh
# bench/addressing/run.sh [ENTRIES] [SECONDS]
#
# Generates two 100,000-entry MIXER tables (table1 and table2), builds the
# benchmark with optimisation (g++ -O2, straight from the sources, so it
# needs no build directory) and prints load time, memory and mappings per
# second each way. Figures are recorded in docs/performance.md.
set -eu
entries=${1:-100000}
seconds=${2:-2}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$here/gen_tables.py" "$entries" "$work"
${CXX:-g++} -std=c++20 -O2 -DNDEBUG -I"$root" "$here/addressing_bench.cpp" "$root"/addressing/*.cpp \
    -o "$work/addressing_bench"
"$work/addressing_bench" "$work/table1.txt" "$work/table2.txt" "$entries" "$seconds"
