#!/usr/bin/env bash
# Check that requirements/runtime.lock installs on every platform the hosts may be (needs PyPI): for x86_64 and
# aarch64 (glibc 2.36: Debian 12, Ubuntu 24.04) and CPython 3.11, 3.12 and 3.13, pip resolves every pin of the
# lock to a binary wheel whose hash is in the lock, so no host needs a compiler. Downloads about 60 MB per
# combination into a temporary directory; not part of scripts/test.sh (no network in the test suite).
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for arch in x86_64 aarch64; do
  platforms=()
  for tag in manylinux_2_36 manylinux_2_34 manylinux_2_28 manylinux_2_17 manylinux2014 manylinux_2_5 manylinux1; do
    platforms+=(--platform "${tag}_$arch")
  done
  for python in 3.11 3.12 3.13; do
    rm -rf "$work/dl"
    if .venv/bin/python -m pip download --quiet --disable-pip-version-check "${platforms[@]}" \
      --python-version "$python" --only-binary :all: --require-hashes -r requirements/runtime.lock \
      -d "$work/dl" >"$work/log" 2>&1; then
      echo "ok   $arch CPython $python: $(ls "$work/dl" | wc -l) wheels"
    else
      echo "FAIL $arch CPython $python: $(tail -1 "$work/log")"
      status=1
    fi
  done
done
exit "$status"
