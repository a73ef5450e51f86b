#!/usr/bin/env bash
# bench/relay/pairs.sh NAME=BINARY NAME=BINARY [pairs.py options...]
#
# Two x400gw builds compared on one relay cell, run in turn (A B A B ...)
# against one private PostgreSQL (deploy/lib.sh PRIVATE_PG_SETTINGS, plus
# X400GW_PAIRS_PG, e.g. "shared_buffers=16MB") and one smtp-sink: how a
# single change was measured in docs/performance.md. Options after the
# binaries go to pairs.py (--size, --sessions, --messages, --pairs, --tls
# for the STARTTLS cell, --set NAME:SECTION.KEY=VALUE for a setting of one
# binary's configuration, --sql NAME:STATEMENT for a statement run on the
# database before each of its runs, --threads, --processes and --gaps
# MS,... for the context switches, each process's CPU and the commit's
# time after idle pauses; the same binary under two names compares two
# settings, or two schemas). With --interleave first, the builds run side
# by side instead, for differences too small for runs in turn
# (interleave.py: --size, --messages, --rounds).
# Root, like bench/relay/run.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../deploy/lib.sh"
cd "$X400GW_ROOT"
ensure_packages "${RUNTIME_PACKAGES[@]}" postfix procps

binaries=()
while [[ $# -gt 0 && $1 == *=* ]]; do
  binaries+=(--binary "$1")
  shift
done
trap 'trap - INT TERM EXIT; bench_rig_stop' INT TERM EXIT
read -r -a extra <<<"${X400GW_PAIRS_PG:-}"
bench_rig_start pairs "${extra[@]}"
named="${binaries[*]}"
options=""
[[ $# -gt 0 ]] && options=$(printf ' %q' "$@")
echo "- command: \`${X400GW_PAIRS_PG:+X400GW_PAIRS_PG=\"$X400GW_PAIRS_PG\" }bench/relay/pairs.sh ${named//--binary /}$options\`"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- $(bench_other_clusters)"
echo
if [[ ${1:-} == --interleave ]]; then
  shift
  /usr/bin/python3 "$here/interleave.py" --conninfo "$bench_conninfo" --sink "127.0.0.1:$bench_sink_port" "${binaries[@]}" "$@"
  exit
fi
/usr/bin/python3 "$here/pairs.py" --conninfo "$bench_conninfo" --postmaster "$(head -1 "$bench_pg/postmaster.pid")" \
  --sink "127.0.0.1:$bench_sink_port" --tls-source "$X400GW_ROOT/build/release/bench/relay/x400gw_tls_source" --psql "$PG_BIN/psql" --port "$(free_port)" --admin-port "$(free_port)" "${binaries[@]}" "$@"
