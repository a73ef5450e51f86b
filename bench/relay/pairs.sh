#!/usr/bin/env bash
# bench/relay/pairs.sh NAME=BINARY NAME=BINARY [pairs.py options...]
#
# Two x400gw builds compared on one relay cell, run in turn (A B A B ...)
# against one private PostgreSQL (deploy/lib.sh PRIVATE_PG_SETTINGS, plus
# X400GW_PAIRS_PG, e.g. "shared_buffers=16MB") and one smtp-sink: how a
# single change was measured in docs/performance.md. Options after the
# binaries go to pairs.py (--size, --sessions, --messages, --pairs).
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
pg=""
sink=""
cleanup() {
  trap - INT TERM EXIT
  if [[ -n $sink ]]; then kill -TERM "$sink" 2>/dev/null && wait "$sink" 2>/dev/null || true; fi
  if [[ -n $pg ]]; then pg_stop "$pg"; fi
}
trap cleanup INT TERM EXIT
pg=$(pg_dir "$X400GW_ROOT/var/pairs-pg")
pg_stop "$pg"
rm -rf "$pg"
read -r -a extra <<<"${X400GW_PAIRS_PG:-}"
conninfo=$(pg_start "$pg" "$(free_port)" fsync=on synchronous_commit=on "${PRIVATE_PG_SETTINGS[@]}" "${extra[@]}")
sink_port=$(free_port)
smtp-sink -u postfix "127.0.0.1:$sink_port" 1000 &
sink=$!
echo "- command: \`${X400GW_PAIRS_PG:+X400GW_PAIRS_PG=\"$X400GW_PAIRS_PG\" }bench/relay/pairs.sh ${binaries[*]//--binary /}${*:+ $*}\`"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
/usr/bin/python3 "$here/pairs.py" --conninfo "$conninfo" --postmaster "$(head -1 "$pg/postmaster.pid")" \
  --sink "127.0.0.1:$sink_port" --port "$(free_port)" --admin-port "$(free_port)" "${binaries[@]}" "$@"
