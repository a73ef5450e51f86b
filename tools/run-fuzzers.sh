#!/usr/bin/env bash
# tools/run-fuzzers.sh BUILD_DIR SECONDS: runs every libFuzzer target in
# BUILD_DIR/tests/fuzz for SECONDS each, from its seeds (tests/fuzz/seeds/X/
# or seeds/X_fuzz/ for target X_fuzz) with its dictionary (tests/fuzz/X.dict)
# when they exist.
# Prints one line per target; fails when any target finds a crash.
set -uo pipefail
build=$(cd "$1" && pwd) seconds=${2:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
status=0 passed=0 failed=0
for target in "$build"/tests/fuzz/*_fuzz; do
  [[ -x $target ]] || continue
  name=$(basename "$target")
  corpus=$(mktemp -d)
  base=${name%_fuzz}
  for seeds in "$root/tests/fuzz/seeds/$base" "$root/tests/fuzz/seeds/$name"; do
    [[ -d $seeds ]] && cp -r "$seeds/." "$corpus/"
  done
  # The sanitizer also starts from whole random trees (the same each run),
  # shapes that mutating octets reaches only by chance.
  [[ $base == mime_sanitize ]] && python3 "$root/tools/mime-random-trees.py" 1 400 "$corpus"
  args=(-max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=0)
  [[ -f $root/tests/fuzz/$base.dict ]] && args+=(-dict="$root/tests/fuzz/$base.dict")
  if (cd "$corpus" && "$target" "${args[@]}" "$corpus" >"$corpus.log" 2>&1); then
    echo "fuzz $name: ok ($(grep -oE '^Done [0-9]+ runs' "$corpus.log" | tail -1 | grep -oE '[0-9]+') runs)"
    passed=$((passed + 1))
  else
    echo "fuzz $name: FAILED"; tail -40 "$corpus.log"; status=1; failed=$((failed + 1))
    # The input goes with the log (the corpus is removed below), so a failed
    # run can be reproduced: base64 -d > crash; TARGET crash.
    for crash in "$corpus"/crash-* "$corpus"/timeout-* "$corpus"/oom-* "$corpus"/leak-*; do
      [[ -f $crash ]] || continue
      echo "fuzz $name: input $(basename "$crash"), $(stat -c %s "$crash") octets, base64:"
      head -c 65536 "$crash" | base64 -w 0; echo
    done
  fi
  rm -rf "$corpus" "$corpus.log"
done
echo "fuzz: $passed passed, $failed failed"
exit $status
