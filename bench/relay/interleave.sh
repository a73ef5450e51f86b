#!/usr/bin/env bash
# bench/relay/interleave.sh NAME=BINARY NAME=BINARY [--size KIB] [--messages N] [--rounds R]
#
# Two (or more) x400gw builds side by side on one private PostgreSQL
# (deploy/lib.sh PRIVATE_PG_SETTINGS) and one smtp-sink, one client
# alternating between them message by message: the time to 250 of one
# session's messages, with the machine's drift from run to run taken out
# (interleave.py says why). Root, like bench/relay/run.sh.
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
bench_rig_start interleave
named="${binaries[*]}"
options=""
[[ $# -gt 0 ]] && options=$(printf ' %q' "$@")
echo "- command: \`bench/relay/interleave.sh ${named//--binary /}$options\`"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
/usr/bin/python3 "$here/interleave.py" --conninfo "$bench_conninfo" --sink "127.0.0.1:$bench_sink_port" "${binaries[@]}" "$@"
