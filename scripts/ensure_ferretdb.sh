#!/usr/bin/env bash
# Build FerretDB v1.24.2 once into the tool cache (scripts/tool_cache.sh) and print its path.
#
# The contract suite runs the MongoDB adapter against FerretDB (SQLite backend) when TURMS_TEST_MONGO_URI is
# not set. `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` alone yields a binary that panics at
# start ("Invalid build/version/version.txt"): the release reads its version from a generated file that is not
# part of the module zip. So we fetch the module with the ordinary Go toolchain, write that one file, and build.
set -euo pipefail

VERSION="v1.24.2"
# shellcheck source=tool_cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/tool_cache.sh"
BIN_DIR="$TOOL_CACHE/ferretdb-$VERSION"
BIN="$BIN_DIR/ferretdb"

if [[ -x "$BIN" ]] && "$BIN" --version >/dev/null 2>&1; then
    echo "$BIN"
    exit 0
fi

command -v go >/dev/null || { echo "ensure_ferretdb: Go toolchain not found on PATH" >&2; exit 1; }
mkdir -p "$BIN_DIR"

# Fast path: a plain `go install` works for versions whose module zip carries version.txt.
if GOBIN="$BIN_DIR" GOFLAGS=-buildvcs=false go install "github.com/FerretDB/FerretDB/cmd/ferretdb@$VERSION" >&2 \
    && "$BIN" --version >/dev/null 2>&1; then
    echo "$BIN"
    exit 0
fi

SRC_DIR="$(go mod download -json "github.com/FerretDB/FerretDB@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -d "$SRC_DIR" ]] || { echo "ensure_ferretdb: could not download FerretDB $VERSION" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
cp -r "$SRC_DIR" "$WORK/src"
chmod -R u+w "$WORK/src"
echo "$VERSION" >"$WORK/src/build/version/version.txt"
(cd "$WORK/src" && GOFLAGS=-buildvcs=false go build -trimpath -o "$BIN.tmp" ./cmd/ferretdb) >&2
mv "$BIN.tmp" "$BIN"
"$BIN" --version >/dev/null
echo "$BIN"
