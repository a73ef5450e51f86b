#!/bin/bash
# Lists the messages whose output differs between two builds of x400gwctl.
#
#   tools/mime-output-diff.sh OLD_X400GWCTL NEW_X400GWCTL DIR...
#
# For every *.eml under the DIRs, compares `mime sanitize`, `mime sanitize
# --7bit` and `mime structure` of the two binaries; prints one DIFF line per
# mode and message that differs, then a count. docs/mime.md gives what it
# found when a change was meant to leave output as it was, or to change it
# only for one class of input.
set -u
if [ $# -lt 3 ]; then
  sed -n '2,9p' "$0" >&2
  exit 2
fi
old=$1 new=$2
shift 2
files=0 differences=0
while IFS= read -r -d '' f; do
  files=$((files + 1))
  for mode in "sanitize" "sanitize --7bit" "structure"; do
    # shellcheck disable=SC2086 # $mode is two words on purpose
    if ! cmp -s <("$old" mime $mode < "$f" 2>/dev/null) <("$new" mime $mode < "$f" 2>/dev/null); then
      echo "DIFF [$mode] $f"
      differences=$((differences + 1))
    fi
  done
done < <(find "$@" -name '*.eml' -print0)
echo "$files files, $differences differences"
