#!/usr/bin/env bash
# Create or refresh the project's virtual environment in .venv.
#   scripts/bootstrap.sh         runtime dependencies
#   scripts/bootstrap.sh test    runtime + test/lint dependencies
# Re-runs are cheap: nothing is reinstalled while pyproject.toml is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "turms-server needs Python 3.11 or newer (tried: $python)" >&2
  exit 2
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
spec="."
[ "$extra" = "test" ] && spec=".[test]"
stamp=".venv/.installed-$(echo "$spec" | tr -c 'a-z' '_')"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e "$spec"
  echo "$want" > "$stamp"
fi
