#!/usr/bin/env bash
# bench/addressing/gateway_memory.sh [ENTRIES] [RELOADS]
#
# What a large MIXER table costs the running gateway: a domain-to-or table
# of ENTRIES entries (default 200,000, about 7 MB), the gateway started
# with it on a fresh bench PostgreSQL, and its PSS (/proc/PID/smaps_rollup)
# read idle after start, at its highest during RELOADS (default 3) SIGHUP
# reloads of the same table one after another (sampled every 50 ms), and
# idle after the last. For the gateway built
# here and, with X400GW_BENCH_BEFORE=/path/to/x400gw, another build in
# turn. Prints a Markdown table; figures are in docs/performance.md ("A
# SIGHUP with a large table"). Needs root, like the other benchmarks.
#
# Environment:
#   X400GW_BENCH_BUILD   build directory (default build/release)
#   X400GW_BENCH_BEFORE  another x400gw binary to measure beside it
set -euo pipefail
entries=${1:-200000}
reloads=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../deploy/lib.sh"
cd "$X400GW_ROOT"

ensure_packages "${RUNTIME_PACKAGES[@]}" postfix curl
builddir=${X400GW_BENCH_BUILD:-build/release}
build "$builddir" -DCMAKE_BUILD_TYPE=RelWithDebInfo

gateway=""
cleanup() {
  trap - INT TERM EXIT
  if [[ -n $gateway ]]; then kill -TERM "$gateway" 2>/dev/null && wait "$gateway" 2>/dev/null || true; fi
  bench_rig_stop
}
trap cleanup INT TERM EXIT
bench_rig_start memory

work=$X400GW_ROOT/var/bench-memory
rm -rf "$work"
mkdir -p "$work"
/usr/bin/python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write(f"d{i}.test#O$Org{i}.ADMD$BTT.C$TC#\n")' "$work/domain-to-or.txt" "$entries"
port=$(free_port)
admin=$(free_port)
cat >"$work/x400gw.conf" <<EOF
[server]
hostname = "x400gw.bench.example"
listen = ["127.0.0.1:$port"]
admin_listen = "127.0.0.1:$admin"

[addressing]
gateway_domain = "mixer.example"
gateway_or = "C=TC; ADMD=BTT; O=SMTP-GW"
tables = { domain-to-or = "$work/domain-to-or.txt" }

[[route]]
domain = "*"
next_hop = "127.0.0.1:$bench_sink_port"
EOF

pss_mib() {
  awk '/^Pss:/ {printf "%.0f", $2 / 1024}' "/proc/$1/smaps_rollup"
}

# measure NAME BINARY: one table row.
measure() {
  local name=$1 bin=$2 log="$work/$1.log" idle peak after now
  : >"$log"
  "$bin" --config "$work/x400gw.conf" --database "$bench_conninfo" 2>"$log" &
  gateway=$!
  until curl -sf "http://127.0.0.1:$admin/readyz" >/dev/null; do
    kill -0 "$gateway" 2>/dev/null || { say "$name did not start:"; cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  sleep 1
  idle=$(pss_mib "$gateway")
  peak=$idle
  for ((n = 1; n <= reloads; n++)); do
    kill -HUP "$gateway"
    until (($(grep -c "reload: mapping tables replaced" "$log") >= n)); do
      now=$(pss_mib "$gateway")
      ((now > peak)) && peak=$now
      sleep 0.05
    done
  done
  sleep 1
  after=$(pss_mib "$gateway")
  kill -TERM "$gateway"
  wait "$gateway" || true
  gateway=""
  echo "| $name | $idle | $peak | $after |"
}

echo "## The gateway's memory with a $entries-entry table"
echo
echo "- command: \`${X400GW_BENCH_BEFORE:+X400GW_BENCH_BEFORE=$X400GW_BENCH_BEFORE }bench/addressing/gateway_memory.sh${*:+ $*}\`"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); x400gw $(git rev-parse --short HEAD), $builddir; $(nproc) CPUs"
echo "- table: $work/domain-to-or.txt, $(du -k "$work/domain-to-or.txt" | cut -f1) kB"
echo
echo "| binary | PSS idle after start, MiB | highest during $reloads SIGHUP reloads | idle after the last |"
echo "|---|---:|---:|---:|"
if [[ -n ${X400GW_BENCH_BEFORE:-} ]]; then
  measure before "$X400GW_BENCH_BEFORE"
fi
measure after "$X400GW_ROOT/$builddir/gateway/x400gw"
