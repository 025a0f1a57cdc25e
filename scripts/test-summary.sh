#!/usr/bin/env bash
# Sums the TAP summaries under .data/test-results into one closing line: "tests: N passed, N failed".
# Extra failures (a suite that died before writing its summary) are passed as $1.
set -euo pipefail
cd "$(dirname "$0")/.."
results=.data/test-results
total() { cat "$results"/*.tap 2>/dev/null | awk -v k="# $1" '$1" "$2 == k { n += $3 } END { print n + 0 }'; }
pass=$(total pass)
fail=$(( $(total fail) + ${1:-0} ))
echo "tests: $pass passed, $fail failed"
