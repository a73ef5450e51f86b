#!/usr/bin/env bash
# bench/stall/run.sh [stall_bench.py options...]
#
# Does one large message stall everyone else? The time to 250 of 1 KB
# messages on 10 sessions while another session sends 50 MB messages, for
# the gateway built here and, with X400GW_BENCH_BEFORE=/path/to/x400gw, an
# earlier build measured alternately in the same run. Prints a Markdown
# table (median, p90, p99, max).
#
# The bench PostgreSQL is durable (fsync=on, synchronous_commit=on); the
# next hop is smtp-sink. Needs root, like bench/relay/run.sh.
#
# Environment:
#   X400GW_BENCH_BUILD   build directory (default build/release)
#   X400GW_BENCH_BEFORE  another x400gw binary to measure beside it
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../deploy/lib.sh"
cd "$X400GW_ROOT"

ensure_packages "${RUNTIME_PACKAGES[@]}" postfix
builddir=${X400GW_BENCH_BUILD:-build/release}
build "$builddir" -DCMAKE_BUILD_TYPE=RelWithDebInfo

trap 'trap - INT TERM EXIT; bench_rig_stop' INT TERM EXIT
bench_rig_start stall

binaries=(--binary "after=$X400GW_ROOT/$builddir/gateway/x400gw")
if [[ -n ${X400GW_BENCH_BEFORE:-} ]]; then
  binaries=(--binary "before=$X400GW_BENCH_BEFORE" "${binaries[@]}")
fi
echo "## Time to 250 beside 50 MB messages"
echo
echo "- command: \`${X400GW_BENCH_BEFORE:+X400GW_BENCH_BEFORE=$X400GW_BENCH_BEFORE }bench/stall/run.sh${*:+ $*}\`"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); x400gw $(git rev-parse --short HEAD); $(nproc) CPUs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
/usr/bin/python3 "$here/stall_bench.py" --conninfo "$bench_conninfo" --sink "127.0.0.1:$bench_sink_port" \
  "${binaries[@]}" "$@"
