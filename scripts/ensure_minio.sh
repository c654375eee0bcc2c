#!/usr/bin/env bash
# Build the MinIO server once into the tool cache (scripts/tool_cache.sh) and print its path.
#
# The S3 storage backend's tests (tests/integration/test_files_*.py) run against a real MinIO started on
# loopback. MinIO publishes no semver tags, so the Go module proxy knows its commits only by pseudo-version;
# this one is the module's last (the upstream repository has since been archived; the S3 API it serves is
# what the tests need). `go install` builds it from the module zip with the ordinary Go toolchain.
set -euo pipefail

VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
# shellcheck source=tool_cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/tool_cache.sh"
BIN_DIR="$TOOL_CACHE/minio-$VERSION"
BIN="$BIN_DIR/minio"

if [[ -x "$BIN" ]] && "$BIN" --version >/dev/null 2>&1; then
    echo "$BIN"
    exit 0
fi

command -v go >/dev/null || { echo "ensure_minio: Go toolchain not found on PATH" >&2; exit 1; }
mkdir -p "$BIN_DIR"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# Build into a scratch directory and move the binary in whole, so an interrupted build never leaves a
# half-written binary where the check above would find it.
GOBIN="$WORK" GOFLAGS=-buildvcs=false GOTOOLCHAIN=local go install -trimpath "github.com/minio/minio@$VERSION" >&2
mv "$WORK/minio" "$BIN"
"$BIN" --version >/dev/null
echo "$BIN"
