#!/usr/bin/env bash
# Refresh the hash-pinned lock files from pyproject.toml's ranges (needs PyPI):
#
#   requirements/dev.lock       runtime + test tools + build backend: scripts/bootstrap.sh and CI install this
#   requirements/runtime.lock   runtime + build backend: hosts (systemd/install.sh, Terraform) install this
#
#   scripts/lock.sh             keep every pin that still satisfies pyproject.toml; add what is new
#   scripts/lock.sh --upgrade   move every package to its newest allowed release
#
# Both are universal (every platform and every Python >= 3.11): each pin carries the hashes of all its files on
# PyPI, so `pip install --require-hashes` works on x86_64 and arm64 and on any supported CPython. The runtime
# lock is resolved inside the dev lock's pins, so the two never disagree on a version.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test >/dev/null
upgrade=()
[ "${1:-}" = "--upgrade" ] && upgrade=(--upgrade)
common=(--universal --python-version 3.11 --generate-hashes --quiet --no-header --annotation-style line)
.venv/bin/uv pip compile "${common[@]}" "${upgrade[@]}" --extra test \
  pyproject.toml requirements/build.in -o requirements/dev.lock
.venv/bin/uv pip compile "${common[@]}" --constraint requirements/dev.lock \
  pyproject.toml requirements/build.in -o requirements/runtime.lock
echo "lock files refreshed: requirements/dev.lock requirements/runtime.lock"
