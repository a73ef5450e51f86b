#!/usr/bin/env bash
# ./deploy/test.sh: install what is missing, build, start a private
# PostgreSQL, and run every test: the unit and integration tests on a
# release build and again under AddressSanitizer and UndefinedBehavior-
# Sanitizer, then each libFuzzer target briefly. Stops what it started.
# Safe to run again. X400GW_SKIP_ASAN=1 or X400GW_SKIP_FUZZ=1 skip a stage
# while iterating.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$X400GW_ROOT"

ensure_packages "${RUNTIME_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_npm
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}

pg=$(pg_dir "$X400GW_ROOT/var/test-pg")
pg_stop "$pg"
rm -rf "$pg"
port=$(free_port)
trap 'pg_stop "$pg"' EXIT
# fsync off: the tests kill the gateway, never PostgreSQL, so the
# durability they check does not depend on it, and the run is faster.
export X400GW_TEST_DSN=$(pg_start "$pg" "$port" fsync=off synchronous_commit=on full_page_writes=off)
export X400GW_TEST_PG_DIR=$pg X400GW_TEST_PG_USER=$PG_USER

run_ctest() {
  local dir=$1
  (cd "$dir" && ctest --output-on-failure --timeout 600 -j1)
}

status=0
say "x400gw: release build"
build build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo
run_ctest build/release || status=1

if [[ -z ${X400GW_SKIP_ASAN:-} ]]; then
  say "x400gw: AddressSanitizer and UndefinedBehaviorSanitizer build"
  build build/asan -DCMAKE_BUILD_TYPE=Debug -DX400GW_SANITIZE=ON
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_ctest build/asan || status=1
fi

if [[ -z ${X400GW_SKIP_FUZZ:-} ]]; then
  say "x400gw: libFuzzer targets"
  build build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DX400GW_FUZZ=ON
  tools/run-fuzzers.sh build/fuzz "${X400GW_FUZZ_SECONDS:-10}" || status=1
fi
exit $status
