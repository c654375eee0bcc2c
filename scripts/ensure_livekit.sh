#!/usr/bin/env bash
# Build the LiveKit media server once into the tool cache (scripts/tool_cache.sh) and print its path.
#
# The LiveKit conference provider's tests (tests/integration/test_conference_livekit.py) create and delete
# rooms through a real LiveKit server started on loopback in dev mode. v1.13.5 is the newest release that
# builds from the Go module proxy: from v1.13.6 on, go.mod replaces pion's webrtc, dtls and ice with LiveKit's
# forks (github.com/livekit/{webrtc-pion,dtls,ice}), whose versions the proxy refuses ("403 Forbidden: This
# module version is not available"). With no replace directives, a plain `go install` builds it.
set -euo pipefail

VERSION="v1.13.5"
# shellcheck source=tool_cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/tool_cache.sh"
BIN_DIR="$TOOL_CACHE/livekit-server-$VERSION"
BIN="$BIN_DIR/livekit-server"

if [[ -x "$BIN" ]] && "$BIN" --version >/dev/null 2>&1; then
    echo "$BIN"
    exit 0
fi

command -v go >/dev/null || { echo "ensure_livekit: Go toolchain not found on PATH" >&2; exit 1; }
mkdir -p "$BIN_DIR"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# Build into a scratch directory and move the binary in whole, so an interrupted build never leaves a
# half-written binary where the check above would find it.
GOBIN="$WORK" GOFLAGS=-buildvcs=false GOTOOLCHAIN=local go install -trimpath \
    "github.com/livekit/livekit-server/cmd/server@$VERSION" >&2
mv "$WORK/server" "$BIN"
"$BIN" --version >/dev/null
echo "$BIN"
