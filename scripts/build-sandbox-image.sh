#!/usr/bin/env bash
# Builds the sandbox image's root filesystem from Debian packages alone (no
# registry is needed) and writes it as a tar archive for `docker import`.
#   usage: build-sandbox-image.sh OUTPUT.tar
# Needs root and debootstrap; the mirror is the one apt already uses
# (SANDBOX_DEBIAN_MIRROR overrides it).
set -euo pipefail

out=${1:?usage: build-sandbox-image.sh OUTPUT.tar}
mirror=${SANDBOX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
# python3 + pytest and nodejs (its built-in `node --test`): what agents' tests run on, nothing more.
packages=python3,python3-pytest,nodejs

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "debootstrap is not installed (apt-get install -y debootstrap)" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sandbox-rootfs.XXXXXX")
cleanup() { rm -rf --one-file-system "$work"; }
trap cleanup EXIT
root="$work/root"

debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror"

# Nothing at run time needs apt's state, caches, docs or locales; a smaller image starts faster.
rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/log/* \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
  "$root"/usr/share/locale/* "$root"/tmp/* "$root"/var/tmp/* "$root"/debootstrap
# The code directory: a mount point for the volume each run's code arrives in.
mkdir -p "$root/code"
chmod 0755 "$root/code"

tar --numeric-owner --xattrs -C "$root" -cf "$out.partial" .
mv "$out.partial" "$out"
