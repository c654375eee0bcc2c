#!/usr/bin/env bash
# Create or refresh the project's virtual environment in .venv, from the hash-pinned lock files.
#   scripts/bootstrap.sh         runtime dependencies (requirements/runtime.lock)
#   scripts/bootstrap.sh test    runtime + test/lint/build tools (requirements/dev.lock)
# Re-runs are cheap: nothing is reinstalled while the lock file and pyproject.toml are unchanged.
# The locks are refreshed with scripts/lock.sh (see the README).
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "turms-server needs Python 3.11 or newer (tried: $python)" >&2
  exit 2
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
lock="requirements/runtime.lock"
[ "$extra" = "test" ] && lock="requirements/dev.lock"
stamp=".venv/.installed-$(basename "$lock")"
want="$(cat "$lock" pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  # Every package, the build backend included, comes from the lock and is checked against its hashes; the
  # project itself is then installed in place without resolving anything.
  # pip's output is shown only when something fails (a newcomer's console stays readable).
  log="$(mktemp)"
  trap 'rm -f "$log"' EXIT
  echo "installing the locked dependencies into .venv ($lock)..." >&2
  if ! { .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --only-binary :all: \
      -r "$lock" && .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
      --no-build-isolation -e .; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "bootstrap: installing into .venv failed (above)" >&2
    exit 1
  fi
  echo "$want" > "$stamp"
fi
