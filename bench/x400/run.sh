#!/bin/sh
# bench/x400/run.sh [SECONDS]
#
# x400gw's P1+P22 decoder and decode + to-mime, and @wildboar/x400 1.0.6's
# decoder (nodejs), on the same 1 KB and 1 MB IPMs, one after the other.
# The build directory (X400GW_BENCH_BUILD, default build/release) must hold
# x400_bench; @wildboar/x400 is installed under it on the first run.
set -eu
secs=${1:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${X400GW_BENCH_BUILD:-$root/build/release}
work=$build/bench/x400/work
mkdir -p "$work/npm"
if [ ! -f "$work/npm/node_modules/@wildboar/x400/package.json" ]; then
    echo '{"name":"x400gw-bench","private":true}' > "$work/npm/package.json"
    (cd "$work/npm" && npm install --no-audit --no-fund --save-exact @wildboar/x400@1.0.6 >/dev/null)
fi
"$build/bench/x400/x400_bench" write "$work"
for f in ipm-1k.ber ipm-1m.ber; do
    "$build/bench/x400/x400_bench" run "$secs" "$work/$f"
    node "$here/wildboar_bench.js" "$work/npm" "$secs" "$work/$f"
done
