#!/usr/bin/env bash
# bench/relay/run.sh [relay_bench.py options...]
#
# Relay benchmark: Postfix's smtp-source -> system under test -> smtp-sink,
# for 1 KB and 50 KB messages at 1, 10 and 50 sessions, and inbound
# STARTTLS with 1 KB messages at 1 and 10 sessions, with x400gw and a
# private Postfix relay measured alternately in the same run on the same
# machine. Prints a Markdown table (messages per second end to end, CPU
# seconds per 1,000 messages, peak memory) with the machine, the command,
# and the disk's flush rate before and after (pg_test_fsync: with one
# session, each message waits for a flush).
#
# Both systems are durable: the bench PostgreSQL runs with fsync=on and
# synchronous_commit=on (its defaults), and x400gw commits every message
# before its 250; Postfix fsyncs its queue file before its 250.
#
# Everything listens on 127.0.0.1 only. Needs root (PostgreSQL runs as the
# x400gw user, smtp-sink drops to postfix, Postfix's master runs as root).
#
# Environment:
#   X400GW_BENCH_BUILD  build directory (default build/release; it is
#                       configured RelWithDebInfo and built if needed)
#   X400GW_BENCH_TLS    the servers' certificates for the STARTTLS cells,
#                       the same for both systems: rsa (default, RSA
#                       2048), ecdsa (P-256), or both (RSA and ECDSA side
#                       by side; the client takes ECDSA)
# Options after the script name are passed to relay_bench.py (see
# relay_bench.py --help), e.g. --messages 1000,2000,2000 --sizes 1,50.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../deploy/lib.sh"
cd "$X400GW_ROOT"

ensure_packages "${RUNTIME_PACKAGES[@]}" postfix procps curl
builddir=${X400GW_BENCH_BUILD:-build/release}
say "relay bench: building $builddir"
build "$builddir" -DCMAKE_BUILD_TYPE=RelWithDebInfo
gateway_bin=$X400GW_ROOT/$builddir/gateway/x400gw

pf=""
gateway=""
cleanup() {
  trap - INT TERM EXIT
  if [[ -n $gateway ]]; then kill -TERM "$gateway" 2>/dev/null && wait "$gateway" 2>/dev/null || true; fi
  if [[ -n $pf && -f $pf/etc/main.cf ]]; then postfix -c "$pf/etc" stop >/dev/null 2>&1 || true; fi
  bench_rig_stop
}
trap cleanup INT TERM EXIT

# --- The bench PostgreSQL (a fresh cluster each run, durable defaults) and
# smtp-sink, the next hop of both systems (it accepts and discards). ---
bench_rig_start bench
pg=$bench_pg
conninfo=$bench_conninfo
sink_port=$bench_sink_port
say "relay bench: PostgreSQL in $pg ($conninfo; fsync=on, synchronous_commit=on)"

# --- x400gw: defaults, except its listeners, the route and the pool. ---
work=$X400GW_ROOT/var/bench-relay
rm -rf "$work"
mkdir -p "$work"
# The same server certificates (self-signed) for both systems' STARTTLS,
# so the TLS cells compare like with like.
tls_kind=${X400GW_BENCH_TLS:-rsa}
certificate() {   # certificate NAME OPENSSL-NEWKEY-ARGS...
  local name=$1
  shift
  openssl req -x509 "$@" -nodes -keyout "$work/$name.key" -out "$work/$name.crt" -days 2 \
    -subj "/CN=bench.example" 2>/dev/null
  chmod 644 "$work/$name.key" "$work/$name.crt"
  # Postfix's smtpd_tls_chain_files: the key, then its certificate.
  cat "$work/$name.key" "$work/$name.crt" >"$work/$name.pem"
}
case $tls_kind in
  rsa) certificate tls -newkey rsa:2048; pf_chains=$work/tls.pem ;;
  ecdsa) certificate tls -newkey ec -pkeyopt ec_paramgen_curve:P-256; pf_chains=$work/tls.pem ;;
  both)
    certificate tls -newkey rsa:2048
    certificate tls-ec -newkey ec -pkeyopt ec_paramgen_curve:P-256
    pf_chains="$work/tls.pem, $work/tls-ec.pem"
    ;;
  *) say "X400GW_BENCH_TLS must be rsa, ecdsa or both, not $tls_kind"; exit 2 ;;
esac
second_pair=""
[[ $tls_kind == both ]] && second_pair="second_certificate = \"$work/tls-ec.crt\"
second_key = \"$work/tls-ec.key\""
gw_port=$(free_port)
gw_admin=$(free_port)
cat >"$work/x400gw.conf" <<EOF
[server]
hostname = "x400gw.bench.example"
listen = ["127.0.0.1:$gw_port"]
admin_listen = "127.0.0.1:$gw_admin"

[tls]
certificate = "$work/tls.crt"
key = "$work/tls.key"
$second_pair

[delivery]
connections_per_hop = 20

[[route]]
domain = "*"
next_hop = "127.0.0.1:$sink_port"
EOF
"$gateway_bin" --config "$work/x400gw.conf" --database "$conninfo" 2>"$work/x400gw.log" &
gateway=$!

# --- A private Postfix relay. ---
# A fixed directory (re-created on every run) so that the one
# alternate_config_directories entry this needs in /etc/postfix/main.cf
# stays the same from run to run: postfix -c and postqueue -c refuse a
# configuration directory that the default main.cf does not list. The
# entry is added with postconf -e only when it is missing (idempotent); it
# does not start, enable or otherwise change the system's own Postfix.
pf=$X400GW_ROOT/var/bench-postfix
if [[ -f $pf/etc/main.cf ]]; then postfix -c "$pf/etc" stop >/dev/null 2>&1 || true; fi
rm -rf "$pf"
mkdir -p "$pf/etc" "$pf/queue" "$pf/data"
chown postfix "$pf/data"
acd=$(postconf -h alternate_config_directories)
if ! grep -qxF "$pf/etc" < <(tr ', ' '\n\n' <<<"$acd"); then
  say "relay bench: adding $pf/etc to alternate_config_directories in /etc/postfix/main.cf"
  postconf -e "alternate_config_directories = ${acd:+$acd, }$pf/etc"
fi
pf_port=$(free_port)
cat >"$pf/etc/main.cf" <<EOF
# Private Postfix relay for bench/relay/run.sh. Defaults otherwise,
# including durability: queue files are fsynced before the 250.
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
maillog_file = $pf/maillog
maillog_file_prefixes = $pf
myhostname = postfix.bench.example
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
biff = no
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:$sink_port
# 50 inbound sessions plus the delivery agents and helpers.
default_process_limit = 200
# anvil would allow 50 connections per client; the bench opens up to 50.
smtpd_client_connection_count_limit = 0
# Like x400gw's connections_per_hop (also Postfix's default).
default_destination_concurrency_limit = 20
smtp_destination_concurrency_limit = 20
# STARTTLS offered, not required (the TLS cells), with the same certificates.
smtpd_tls_security_level = may
smtpd_tls_chain_files = $pf_chains
EOF
cat >"$pf/etc/master.cf" <<EOF
# service         type  private unpriv chroot wakeup maxproc command
127.0.0.1:$pf_port inet n       -      n      -      -       smtpd
pickup            unix  n       -      n      60     1       pickup
cleanup           unix  n       -      n      -      0       cleanup
qmgr              unix  n       -      n      300    1       qmgr
tlsmgr            unix  -       -      n      1000?  1       tlsmgr
rewrite           unix  -       -      n      -      -       trivial-rewrite
bounce            unix  -       -      n      -      0       bounce
defer             unix  -       -      n      -      0       bounce
trace             unix  -       -      n      -      0       bounce
verify            unix  -       -      n      -      1       verify
flush             unix  n       -      n      1000?  0       flush
proxymap          unix  -       -      n      -      -       proxymap
smtp              unix  -       -      n      -      -       smtp
relay             unix  -       -      n      -      -       smtp
showq             unix  n       -      n      -      -       showq
error             unix  -       -      n      -      -       error
retry             unix  -       -      n      -      -       error
discard           unix  -       -      n      -      -       discard
anvil             unix  -       -      n      -      1       anvil
scache            unix  -       -      n      -      1       scache
postlog           unix-dgram n  -      n      -      1       postlogd
EOF
postfix -c "$pf/etc" check
postfix -c "$pf/etc" start >/dev/null 2>&1
say "relay bench: Postfix in $pf on 127.0.0.1:$pf_port, x400gw on 127.0.0.1:$gw_port (metrics $gw_admin), smtp-sink on 127.0.0.1:$sink_port"

# The disk's flush rate, which bounds what one session can commit (one
# fdatasync a message, for both systems): pg_test_fsync's figure for one
# 8 kB write, next to the bench PostgreSQL's directory.
flush_rate() {
  local f
  f="$(dirname "$pg")/x400gw-bench-fsync.test"
  "$PG_BIN/pg_test_fsync" -s 1 -f "$f" 2>/dev/null |
    awk '$1 == "fdatasync" && $2 ~ /^[0-9.]+$/ {printf "%.0f fdatasync a second (%s us each)", $2, $4; exit}'
  rm -f "$f"
}

cmd="bench/relay/run.sh${*:+ $*}"
[[ -n ${X400GW_BENCH_BUILD:-} ]] && cmd="X400GW_BENCH_BUILD=$X400GW_BENCH_BUILD $cmd"
[[ -n ${X400GW_BENCH_TLS:-} ]] && cmd="X400GW_BENCH_TLS=$X400GW_BENCH_TLS $cmd"
echo "## Relay benchmark"
echo
echo "- command: \`$cmd\`"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM"
echo "- x400gw: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (working tree with uncommitted changes)'), $builddir ($(grep -m1 CMAKE_BUILD_TYPE: "$builddir/CMakeCache.txt" | sed 's/.*=//')); Postfix $(postconf -dh mail_version); PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')"
echo "- bench PostgreSQL: fsync=$("$PG_BIN/psql" "$conninfo" -tAc 'SHOW fsync'), synchronous_commit=$("$PG_BIN/psql" "$conninfo" -tAc 'SHOW synchronous_commit'), full_page_writes=$("$PG_BIN/psql" "$conninfo" -tAc 'SHOW full_page_writes'), shared_buffers=$("$PG_BIN/psql" "$conninfo" -tAc 'SHOW shared_buffers'), max_connections=$("$PG_BIN/psql" "$conninfo" -tAc 'SHOW max_connections') (deploy/lib.sh PRIVATE_PG_SETTINGS); x400gw [delivery] connections_per_hop=20, other keys default"
echo "- STARTTLS cells: X400GW_BENCH_TLS=$tls_kind, the same certificate$([[ $tls_kind == both ]] && echo s) for both systems"
echo "- disk before: $(flush_rate) (pg_test_fsync -s 1)"
echo "- load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- $(bench_other_clusters)"
echo
/usr/bin/python3 "$here/relay_bench.py" \
  --x400gw-smtp "127.0.0.1:$gw_port" --x400gw-metrics "http://127.0.0.1:$gw_admin/metrics" \
  --x400gw-pids "$gateway,$(head -1 "$pg/postmaster.pid")" \
  --postfix-smtp "127.0.0.1:$pf_port" --postfix-maillog "$pf/maillog" \
  --postfix-pids "$(head -1 "$pf/queue/pid/master.pid" | tr -d ' ')" \
  --x400gw-log "$work/x400gw.log" \
  --tls-source "$X400GW_ROOT/$builddir/bench/relay/x400gw_tls_source" \
  "$@" || status=$?
echo
echo "- load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- disk after: $(flush_rate) (pg_test_fsync -s 1)"
echo "- x400gw log: $(wc -l <"$work/x400gw.log") lines, $(grep -Ec ' (warning|error|fatal): |refused|status=(deferred|bounced|quarantined)' "$work/x400gw.log" || true) of them warnings, errors or deferrals ($work/x400gw.log)"
echo "- Postfix maillog: $(grep -Eic 'warning|error|fatal|status=(deferred|bounced)' "$pf/maillog" || true) warnings, errors or deferrals ($pf/maillog)"
exit "${status:-0}"
