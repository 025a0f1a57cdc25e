#!/usr/bin/env bash
# Prints the path of a schemathesis binary, installing the pinned version from PyPI into a venv cached
# by version outside the clone on first use. Schemathesis tests the API; it is not part of the product.
set -euo pipefail
version=4.32.5
dir="${GOLDEN_TOOLS_DIR:-$HOME/.cache/golden-architecture/tools}/schemathesis-$version"
# A venv cannot be moved (its scripts name their interpreter by path): built in place, then stamped.
if [ ! -f "$dir/.complete" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  python3 -m venv "$dir/venv" >&2 || { echo "python3 -m venv failed: apt-get install python3-venv" >&2; exit 1; }
  "$dir/venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version" >&2
  touch "$dir/.complete"
fi
echo "$dir/venv/bin/schemathesis"
