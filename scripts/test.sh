#!/usr/bin/env bash
# The whole test suite: set-up if needed, the stack's services, lint, typecheck, then each suite
# within its time budget. Prints one closing line: "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
node dist/cli/golden.js stack up --services-only

echo "[test] lint"
npx eslint . --max-warnings=0
echo "[test] typecheck"
npx tsc -p tsconfig.json --noEmit

results=.data/test-results
rm -rf "$results" && mkdir -p "$results"
failed_suites=()

# suite name, time budget in seconds, folder of compiled test files
run_suite() {
  local name=$1 budget=$2 dir=$3
  echo "[test] suite $name (budget ${budget}s)"
  if ! timeout --signal=TERM --kill-after=10 "$budget" node --test --test-concurrency=1 \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$results/$name.tap" "$dir"; then
    failed_suites+=("$name")
  fi
}

run_suite unit 120 dist/test/unit
run_suite workflows 300 dist/test/workflows
run_suite integration 900 dist/test/integration

# Sum the TAP summaries of every suite into one closing line.
total() { cat "$results"/*.tap 2>/dev/null | awk -v k="# $1" '$1" "$2 == k { n += $3 } END { print n + 0 }'; }
pass=$(total pass)
fail=$(total fail)
if [ "${#failed_suites[@]}" -gt 0 ] && [ "$fail" -eq 0 ]; then fail=${#failed_suites[@]}; fi
echo "tests: $pass passed, $fail failed"
[ "${#failed_suites[@]}" -eq 0 ] || { echo "[test] failed suites: ${failed_suites[*]}" >&2; exit 1; }
