#!/usr/bin/env bash
# Set up and run the whole test suite: lint, types, generated-file freshness, the release artifacts
# (scripts/build_dist.sh), then pytest.
# Builds (once) the FerretDB binary the MongoDB-adapter tests run against, unless TURMS_TEST_MONGO_URI is set,
# the MinIO server the S3 files-backend tests run against, and the LiveKit server the conference tests run
# against (all into the tool cache, scripts/tool_cache.sh).
# Extra arguments go to pytest, e.g. `scripts/test.sh tests/unit -x`. Long fault runs: `scripts/test.sh -m fault`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
scripts/ensure_test_tools.sh
scripts/ensure_minio.sh >/dev/null
if [ -z "${TURMS_TEST_MONGO_URI:-}" ]; then
  scripts/ensure_ferretdb.sh >/dev/null
fi
scripts/ensure_livekit.sh >/dev/null
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy
echo "== generated files"
.venv/bin/python scripts/gen_proto.py --check
.venv/bin/turms config docs --check
echo "== dist (wheel, sdist, runtime lock; installed into a clean venv)"
scripts/build_dist.sh
echo "== pytest"
exec .venv/bin/python -m pytest "$@"
