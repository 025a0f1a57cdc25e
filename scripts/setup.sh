#!/usr/bin/env bash
# Installs the npm packages and builds the project when anything changed; quick when nothing did.
# System packages (Postgres, Redis, Docker) and the Temporal CLI are ensured by `golden stack up`.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "[setup] Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules/.package-lock.json
fi

stamp=dist/.build-id
sources=(domain lib workflows activities workers api cli console scripts test bench migrations tsconfig.json package-lock.json)
if [ ! -f "$stamp" ] || [ -n "$(find "${sources[@]}" -newer "$stamp" -type f -print -quit 2>/dev/null)" ]; then
  say "building (tsc + workflow bundle)…"
  started=$(date +%s)
  npm run --silent build
  date -u +%Y-%m-%dT%H:%M:%SZ > "$stamp"
  say "built in $(( $(date +%s) - started ))s"
else
  say "build is up to date"
fi
