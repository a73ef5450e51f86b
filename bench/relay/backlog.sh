#!/usr/bin/env bash
# bench/relay/backlog.sh BINARY [backlog.py options...]
#
# A backlog drained: backlog.py against a fresh private PostgreSQL
# (deploy/lib.sh PRIVATE_PG_SETTINGS, plus X400GW_BACKLOG_PG, e.g.
# "shared_buffers=1MB", to compare the cluster's settings). Root, like
# bench/relay/run.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../deploy/lib.sh"
cd "$X400GW_ROOT"
ensure_packages "${RUNTIME_PACKAGES[@]}" postfix procps

binary=$1
shift
trap 'trap - INT TERM EXIT; bench_rig_stop' INT TERM EXIT
read -r -a extra <<<"${X400GW_BACKLOG_PG:-}"
bench_rig_start backlog "${extra[@]}"
echo "- command: \`${X400GW_BACKLOG_PG:+X400GW_BACKLOG_PG=\"$X400GW_BACKLOG_PG\" }bench/relay/backlog.sh $binary$([[ $# -gt 0 ]] && printf ' %q' "$@")\`"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); shared_buffers $("$PG_BIN/psql" "$bench_conninfo" -XtAc 'SHOW shared_buffers')"
/usr/bin/python3 "$here/backlog.py" --conninfo "$bench_conninfo" --binary "$binary" "$@"
