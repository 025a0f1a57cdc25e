#!/usr/bin/env bash
# Runs the chaos suite (test/chaos) within its time budget. The suite starts a scratch stack of its
# own and stops it at the end; if the suite is killed first (its budget ran out, Ctrl-C), this stops
# what it left: the worker processes it started (found by that stack's data dir in their
# environment) and the stack itself (`golden stack down --purge`). Usage: chaos.sh BUDGET_SECONDS
set -uo pipefail
cd "$(dirname "$0")/.."
budget=${1:-3600}
marker=.data/chaos-scratch-stack

cleanup() {
  [ -f "$marker" ] || return 0
  dir=$(cat "$marker")
  if [ -n "$dir" ] && [ -d "$dir" ]; then
    echo "[chaos] the suite left its scratch stack ($dir): stopping it"
    for pid in $(pgrep -f 'dist/workers/' || true); do
      if tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "GOLDEN_DATA_DIR=$dir"; then kill -KILL "$pid" 2>/dev/null || true; fi
    done
    env -u DOCKER_HOST -u DATABASE_URL -u REDIS_URL -u TEMPORAL_ADDRESS GOLDEN_DATA_DIR="$dir" node dist/cli/golden.js stack down --purge || true
    rm -rf "$dir"
  fi
  rm -f "$marker"
}
trap cleanup EXIT

# In the background, so a TERM or INT to this script is handled at once (passed on, then cleanup).
bash scripts/run-suite.sh chaos "$budget" dist/test/chaos &
suite=$!
trap 'kill -TERM "$suite" 2>/dev/null; wait "$suite"; exit 143' TERM
trap 'kill -TERM "$suite" 2>/dev/null; wait "$suite"; exit 130' INT
wait "$suite"
