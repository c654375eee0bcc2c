#!/usr/bin/env bash
# Set up and run the server on its embedded default: SQLite in ./data and a private redis-server.
# Extra arguments go to `turms serve`, e.g. `scripts/serve.sh --workers 2` or `scripts/serve.sh --demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/turms serve "$@"
