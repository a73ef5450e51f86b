#!/usr/bin/env bash
# ./deploy/run.sh: install what is missing, build, and run x400gw in the
# foreground with deploy/x400gw.example.conf (or $X400GW_CONFIG). When the
# configuration names no database, a private PostgreSQL cluster is started
# under var/ for it, and stopped again when the gateway stops (Ctrl-C or
# SIGTERM). Safe to run again.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$X400GW_ROOT"

ensure_packages "${RUNTIME_PACKAGES[@]}"
say "x400gw: building (build/release)"
build build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo

config=${X400GW_CONFIG:-deploy/x400gw.example.conf}
args=(--config "$config")
pg=""
if ! grep -qE '^[[:space:]]*conninfo[[:space:]]*=[[:space:]]*"[^"]+' "$config" && [[ -z ${X400GW_DATABASE:-} ]]; then
  pg=$(pg_dir "$X400GW_ROOT/var/pg")
  say "x400gw: no database configured: starting a private PostgreSQL in $pg"
  database=$(pg_start "$pg" "${X400GW_PG_PORT:-55432}" "${PRIVATE_PG_SETTINGS[@]}")
  args+=(--database "$database")
elif [[ -n ${X400GW_DATABASE:-} ]]; then
  args+=(--database "$X400GW_DATABASE")
fi

gateway=""
stop() {
  trap - INT TERM EXIT
  [[ -n $gateway ]] && kill -TERM "$gateway" 2>/dev/null && wait "$gateway" 2>/dev/null || true
  [[ -n $pg ]] && { say "x400gw: stopping the private PostgreSQL"; pg_stop "$pg"; }
}
trap stop INT TERM EXIT

build/release/gateway/x400gw "${args[@]}" &
gateway=$!
smtp=$(grep -E '^[[:space:]]*listen[[:space:]]*=' "$config" | head -1 | sed -E 's/[[:space:]]*#.*//; s/.*=[[:space:]]*//')
admin=$(grep -E '^[[:space:]]*admin_listen[[:space:]]*=' "$config" | head -1 | sed -E 's/[[:space:]]*#.*//; s/.*=[[:space:]]*"?([^"]*)"?.*/\1/')
say "x400gw: running (pid $gateway): SMTP on $smtp, metrics on http://$admin/metrics; Ctrl-C stops it"
wait "$gateway" || true
gateway=""
