# deploy/lib.sh: shared by run.sh and test.sh. Sourced, not run.
#
# Installs what is missing with apt-get (idempotent: a second run installs
# nothing), builds with CMake and Ninja, and starts or stops a private
# PostgreSQL cluster as an unprivileged user (PostgreSQL refuses root).

X400GW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BIN=/usr/lib/postgresql/15/bin
PG_USER=x400gw

# What building and running need.
RUNTIME_PACKAGES=(build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libssl-dev
  libpq-dev postgresql-15 prometheus-cpp-dev libtomlplusplus-dev libcli11-dev
  libsystemd-dev libgtest-dev libsodium-dev libidn2-dev libidn-dev)
# What the tests, the fuzzers and the benchmarks add: real SMTP peers
# (swaks, Postfix's smtp-source and smtp-sink, aiosmtpd), clang's libFuzzer,
# GMime for the MIME comparison, curl for the admin port, and the two
# X.400 decoders no one here wrote that check what x400/ writes: Wireshark's
# dissectors (tshark, text2pcap) and @wildboar/x400 from the npm registry,
# run by Debian's Node.js; Net::SSLeay for swaks --tls. The package test
# (tests/package/) adds promtool, which Debian ships in prometheus (its
# server is not needed; where systemd runs, the package starts it on port
# 9090, and in a container policy-rc.d keeps it stopped), and file and
# dpkg-dev for CPack's dpkg-shlibdeps step. python3-jsonschema checks the
# REST API's answers against docs/openapi.json (JSON Schema 2020-12).
TEST_PACKAGES=(swaks postfix python3 python3-aiosmtpd python3-jsonschema clang libclang-rt-14-dev
  libgmime-3.0-dev curl procps tshark nodejs libnet-ssleay-perl libio-socket-ssl-perl
  prometheus file dpkg-dev maildrop)

say() { printf '%s\n' "$*" >&2; }

# npm: Debian's package, unless the machine's nodejs already brings its own
# (a nodejs package that ships npm conflicts with Debian's npm).
ensure_npm() {
  command -v npm >/dev/null 2>&1 || ensure_packages npm
}

# ccache hits across clones and build directories: hash paths relative to
# the checkout.
export CCACHE_BASEDIR=$X400GW_ROOT CCACHE_NOHASHDIR=1

ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  say "x400gw: installing ${missing[*]}"
  local sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  # Postfix's package asks questions and may start a service: neither is
  # wanted here, only its smtp-source and smtp-sink.
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build DIR [cmake options...]: configure once, then build everything.
build() {
  local dir=$1; shift
  if [[ ! -f $dir/build.ninja ]]; then
    cmake -S "$X400GW_ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  fi
  ninja -C "$dir" >&2
}

ensure_pg_user() {
  id -u "$PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
}

# pg_dir PREFERRED: the cluster directory, PREFERRED when the unprivileged
# user can reach it, else a directory under /var/tmp (a checkout under
# /root cannot be entered by anyone else).
pg_dir() {
  local want=$1 parent
  parent=$(dirname "$want")
  mkdir -p "$parent"
  if runuser -u "$PG_USER" -- test -x "$parent" 2>/dev/null; then
    echo "$want"
  else
    echo "/var/tmp/x400gw-$(echo -n "$want" | md5sum | cut -c1-12)/$(basename "$want")"
  fi
}

# pg_start DIR PORT [extra postgres -c settings...]: initialise if needed,
# start if not running; prints the libpq connection string. Extra settings
# come after max_connections=200 (the test cluster's, for many gateways at
# once), so they may override it. The cluster
# listens on 127.0.0.1 only and asks for a password (SCRAM-SHA-256): any
# local user could otherwise connect and read or change the queue. The
# password is generated once and kept in DIR.pass (mode 600, a libpq
# passfile), which the connection string names; it never appears on a
# command line.
pg_start() {
  local dir=$1 port=$2; shift 2
  ensure_pg_user
  mkdir -p "$dir"
  chown "$PG_USER" "$dir"
  chmod 700 "$dir"
  local passfile=$dir.pass password="" migrate=""
  if [[ -s $passfile ]]; then
    password=$(cut -d: -f5- "$passfile")
  else
    password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')
    (umask 077 && printf '127.0.0.1:*:*:%s:%s\n' "$PG_USER" "$password" >"$passfile")
    [[ -f $dir/PG_VERSION ]] && migrate=yes   # a cluster from before passwords
  fi
  chmod 600 "$passfile"
  if [[ ! -f $dir/PG_VERSION ]]; then
    local pw
    pw=$(mktemp)
    printf '%s\n' "$password" >"$pw"
    chown "$PG_USER" "$pw"
    runuser -u "$PG_USER" -- "$PG_BIN/initdb" -D "$dir" -U "$PG_USER" --auth=scram-sha-256 --pwfile="$pw" \
      --no-locale -E UTF8 >/dev/null
    rm -f "$pw"
  fi
  if ! runuser -u "$PG_USER" -- "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    local opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='' -c max_connections=200"
    local s
    for s in "$@"; do opts+=" -c $s"; done
    echo "$opts" >"$dir/x400gw.opts"   # the tests restart it with the same options
    runuser -u "$PG_USER" -- "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 -o "$opts" start >/dev/null
  fi
  # No GSSAPI: the cluster has no Kerberos, and with libpq's default
  # (gssencmode=prefer) every connection first looks for a Kerberos
  # credential cache, which maps some 0.7 MiB of Kerberos code into the
  # gateway for nothing.
  local conninfo="host=127.0.0.1 port=$port user=$PG_USER passfile=$passfile gssencmode=disable"
  if [[ -n $migrate ]]; then
    # Still on trust: set the password, then require it.
    "$PG_BIN/psql" "$conninfo dbname=postgres" -qc "ALTER ROLE $PG_USER PASSWORD '$password'" >/dev/null
    printf 'host all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\n' >"$dir/pg_hba.conf"
    runuser -u "$PG_USER" -- "$PG_BIN/pg_ctl" -D "$dir" reload >/dev/null
  fi
  if ! "$PG_BIN/psql" "$conninfo dbname=postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='x400gw'" | grep -q 1; then
    "$PG_BIN/psql" "$conninfo dbname=postgres" -qc "CREATE DATABASE x400gw" >/dev/null
  fi
  echo "$conninfo dbname=x400gw"
}

# The private cluster's settings, for deploy/run.sh and the benchmarks
# alike (the benchmarks measure what operators run; docs/performance.md
# has the figures). The queue's working set is the messages in flight,
# which leave after delivery: 2 MB of shared buffers (256 pages) hold
# it, the kernel's page cache does the rest, and the default 128 MB,
# touched page by page as the queue's tables grow, was most of the
# memory the gateway and its PostgreSQL used. The relay bench's cells ran
# as fast with 16, 4 and 2 MB, each step less memory; a backlog of 60,000
# drained as fast with 1 MB as with 4, but 128 pages leave little room
# for what the connections may pin at once. Twenty connections (a
# gateway holds pool_threads + 3 at most, four with the default pool;
# x400gwctl's database commands one each), and no slots for what this
# cluster never runs: replication senders (a site that replicates its
# queue runs its own PostgreSQL), logical replication, background and
# parallel-query workers. PostgreSQL sizes its process table and lock
# tables for every slot (max_connections + workers + senders: 52 with
# the settings before, 24 with these) and touches them at start: 1 MiB
# of the private cluster's memory. Durability is untouched: fsync, synchronous_commit
# and full_page_writes keep their defaults.
PRIVATE_PG_SETTINGS=(shared_buffers=2MB max_connections=20 max_wal_senders=0 max_worker_processes=0
                     max_logical_replication_workers=0)

pg_stop() {
  local dir=$1
  [[ -f $dir/postmaster.pid ]] || return 0
  runuser -u "$PG_USER" -- "$PG_BIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# The benchmarks' rig: a fresh durable PostgreSQL in var/NAME-pg (fsync and
# synchronous_commit on, PRIVATE_PG_SETTINGS, then any settings given) and
# an smtp-sink for a next hop. Sets bench_pg, bench_conninfo and
# bench_sink_port; bench_rig_stop, from the caller's EXIT trap, stops both.
bench_pg=""
bench_sink=""
bench_rig_start() {
  local name=$1
  shift
  bench_pg=$(pg_dir "$X400GW_ROOT/var/$name-pg")
  pg_stop "$bench_pg"
  rm -rf "$bench_pg"
  bench_conninfo=$(pg_start "$bench_pg" "$(free_port)" fsync=on synchronous_commit=on "${PRIVATE_PG_SETTINGS[@]}" "$@")
  bench_sink_port=$(free_port)
  smtp-sink -u postfix "127.0.0.1:$bench_sink_port" 1000 &
  bench_sink=$!
}
# One line for a bench's header: the PostgreSQL clusters running besides
# the rig's. Their processes map the same server binary and libraries, and
# PSS divides a shared page among all its mappers: with another cluster
# up, the rig's cluster reads several MiB lower.
bench_other_clusters() {
  local others
  others=$(ps -C postgres -o args= | sed -n 's/.* -D \([^ ]*\).*/\1/p' | grep -vxF "$bench_pg" | tr '\n' ' ' || true)
  echo "other PostgreSQL clusters on this machine: ${others:-none}${others:+(they share the server's pages with the bench's cluster, whose PSS then reads lower: compare runs without them)}"
}
bench_rig_stop() {
  if [[ -n $bench_sink ]]; then kill -TERM "$bench_sink" 2>/dev/null && wait "$bench_sink" 2>/dev/null || true; fi
  if [[ -n $bench_pg ]]; then pg_stop "$bench_pg"; fi
}
