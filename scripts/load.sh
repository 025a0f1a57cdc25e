#!/usr/bin/env bash
# Runs the 10x load test (test/load) within its time budget. The suite stops what it starts (the API,
# Prometheus, `golden scale --run` and its worker processes); if it is killed first (budget over,
# Ctrl-C), this stops what it left: every process whose environment carries this run's
# GOLDEN_LOAD_RUN marker. Usage: load.sh [BUDGET_SECONDS]   (LOAD_SCALE=ci for the short run)
set -uo pipefail
cd "$(dirname "$0")/.."
# Budget: 330 s for LOAD_SCALE=ci (the run takes about four minutes), 900 s for the full run (about ten).
if [ "${LOAD_SCALE:-}" = ci ]; then budget=${1:-330}; else budget=${1:-900}; fi
# Given to the suite only: this script and its subshells must not carry it themselves.
run="load-$(date +%s)-$$"

leftovers() {
  for environ in /proc/[0-9]*/environ; do
    pid=${environ#/proc/}; pid=${pid%/environ}
    # Kernel threads and processes gone meanwhile cannot be read: the subshell keeps that quiet.
    if (tr '\0' '\n' < "$environ") 2>/dev/null | grep -qx "GOLDEN_LOAD_RUN=$run"; then echo "$pid"; fi
  done
}

cleanup() {
  pids=$(leftovers)
  [ -z "$pids" ] && return 0
  echo "[load] the suite left processes of run $run: stopping $(echo $pids)"
  kill -TERM $pids 2>/dev/null || true
  sleep 15
  pids=$(leftovers)
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
}
trap cleanup EXIT

# In the background, so a TERM or INT to this script is handled at once (passed on, then cleanup).
GOLDEN_LOAD_RUN="$run" bash scripts/run-suite.sh load "$budget" dist/test/load &
suite=$!
trap 'kill -TERM "$suite" 2>/dev/null; wait "$suite"; exit 143' TERM
trap 'kill -TERM "$suite" 2>/dev/null; wait "$suite"; exit 130' INT
wait "$suite"
