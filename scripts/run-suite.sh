#!/usr/bin/env bash
# Runs one test suite within its time budget: spec output on the terminal, TAP into
# .data/test-results/<name>.tap for the closing summary. Usage: run-suite.sh NAME BUDGET_SECONDS DIR
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1 budget=$2 dir=$3
mkdir -p .data/test-results
echo "[test] suite $name (budget ${budget}s)"
exec timeout --signal=TERM --kill-after=10 "$budget" node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination=".data/test-results/$name.tap" "$dir"
