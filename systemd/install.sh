#!/usr/bin/env bash
# Install turms-server on a systemd host: a virtual environment per release under /opt/turms, the unit, the
# sysctl drop-in, the configuration, and a drop-in that hands the secret files in /etc/turms/credentials/ to
# the service through LoadCredential=. Run as root. Re-running upgrades the package and keeps the configuration.
#
#   install.sh --wheel WHEEL --lock LOCK [--python PYTHON] [--no-start]
#   install.sh --activate VERSION [--no-start]
#   install.sh --no-pip [--no-start]
#
#   --wheel WHEEL   the turms-server wheel (scripts/build_dist.sh builds it; a file, never a name looked up on a
#                   package index) …
#   --lock LOCK     … and the hash-pinned runtime.lock that goes with it: every dependency is installed from
#                   the lock with --require-hashes and binary wheels only (no compiler needed), the wheel itself
#                   with --no-deps --no-index. The release goes to /opt/turms/releases/<version>/ (a new
#                   virtual environment, the wheel and the lock kept beside it), then /opt/turms/venv is
#                   switched to it in one rename.
#   --activate V    point /opt/turms/venv back at an installed release (a rollback; nothing is downloaded).
#   --python PY     the interpreter that creates the venv (default: python3; 3.11 or newer: Ubuntu 22.04's
#                   python3 is 3.10, so there it must name an interpreter of your own).
#   --no-start      install and enable, but do not (re)start the service.
#   --no-pip        only the files (unit, drop-ins, configuration); /opt/turms/venv stays as it is.
#
# The unit and sysctl files are taken from this script's directory (systemd/ of a source tree, or what the
# Terraform host module wrote). The configuration is installed only when /etc/turms/turms.toml does not exist:
# turms.toml beside this script if there is one, else the release's default (`turms config docs --toml`).
#
# DESTDIR=/some/dir stages every file under that directory instead of /, and skips what changes the running
# system (user creation, sysctl, systemctl); the tests use it.
set -euo pipefail

WHEEL=""
LOCK=""
ACTIVATE=""
PYTHON="python3"
START=1
PIP=1
while [ $# -gt 0 ]; do
  case "$1" in
    --wheel) WHEEL="$2"; shift 2 ;;
    --lock) LOCK="$2"; shift 2 ;;
    --activate) ACTIVATE="$2"; shift 2 ;;
    --python) PYTHON="$2"; shift 2 ;;
    --no-start) START=0; shift ;;
    --no-pip) PIP=0; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ "$PIP" = 1 ] && [ -z "$ACTIVATE" ] && { [ -z "$WHEEL" ] || [ -z "$LOCK" ]; }; then
  echo "install.sh: give --wheel and --lock (or --activate VERSION, or --no-pip)" >&2
  exit 2
fi

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${DESTDIR:-}"
LIVE=1
[ -n "$ROOT" ] && LIVE=0
if [ "$LIVE" = 1 ] && [ "$(id -u)" != 0 ]; then
  echo "install.sh: run as root (or set DESTDIR to stage the files)" >&2
  exit 2
fi

PREFIX="$ROOT/opt/turms"
ETC="$ROOT/etc/turms"
UNIT_DIR="$ROOT/etc/systemd/system"
DROPIN_DIR="$UNIT_DIR/turms.service.d"

# Secret files the service may be given, and the setting that names each file. A credential is visible only
# to the service, in $CREDENTIALS_DIRECTORY (%d), read-only; the source stays root-only. A *_file setting
# wins over the plain one.
CREDENTIALS=(
  "admin-root-password admin.root.password_file"
  "gateway-jwt-key gateway.auth.jwt.key_file"
  "admin-jwt-key admin.auth.jwt.key_file"
  "redis-url redis.url_file"
  "mongo-uri storage.mongo.uri_file"
  "mongo-admin-uri storage.mongo.admin.uri_file"
  "mongo-user-uri storage.mongo.user.uri_file"
  "mongo-group-uri storage.mongo.group.uri_file"
  "mongo-conversation-uri storage.mongo.conversation.uri_file"
  "mongo-message-uri storage.mongo.message.uri_file"
  "mongo-conference-uri storage.mongo.conference.uri_file"
  "livekit-api-secret plugins.livekit.api_secret_file"
  "webhook-secret plugins.webhook.secret_file"
  "files-local-secret service.storage.local.secret_file"
  "s3-access-key service.storage.s3.access_key_file"
  "s3-secret-key service.storage.s3.secret_key_file"
)

# -- user --------------------------------------------------------------------------------------------------
if [ "$LIVE" = 1 ] && ! id -u turms >/dev/null 2>&1; then
  useradd --system --user-group --home-dir /var/lib/turms --no-create-home --shell /usr/sbin/nologin turms
fi

# -- package -----------------------------------------------------------------------------------------------
switch_to() {  # switch_to VERSION: /opt/turms/venv -> releases/VERSION/venv, atomically
  local target="releases/$1/venv"
  [ -x "$PREFIX/$target/bin/turms" ] || { echo "install.sh: release $1 is not installed under $PREFIX/releases" >&2; exit 2; }
  if [ -d "$PREFIX/venv" ] && [ ! -L "$PREFIX/venv" ]; then
    mv "$PREFIX/venv" "$PREFIX/venv.before-releases"  # a venv from an older install.sh
  fi
  ln -sfn "$target" "$PREFIX/venv.new"
  mv -T "$PREFIX/venv.new" "$PREFIX/venv"
  echo "install.sh: /opt/turms/venv is release $1"
}

if [ -n "$ACTIVATE" ]; then
  switch_to "$ACTIVATE"
elif [ "$PIP" = 1 ]; then
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "install.sh: turms-server needs Python 3.11 or newer (tried: $PYTHON; see --python)" >&2
    exit 2
  fi
  [ -f "$WHEEL" ] || { echo "install.sh: no wheel at $WHEEL" >&2; exit 2; }
  [ -f "$LOCK" ] || { echo "install.sh: no lock file at $LOCK" >&2; exit 2; }
  name="$(basename "$WHEEL")"
  if [[ ! "$name" =~ ^turms_server-([0-9A-Za-z.+!_]+)-py3-none-any\.whl$ ]]; then
    echo "install.sh: $name is not a turms-server wheel" >&2
    exit 2
  fi
  # One directory per wheel (version and digest): the running release is never modified, and re-running with
  # the same wheel only switches to it.
  digest="$(sha256sum "$WHEEL" | cut -c1-12)"
  version="${BASH_REMATCH[1]}-$digest"
  release="$PREFIX/releases/$version"
  if [ ! -x "$release/venv/bin/turms" ] || ! "$release/venv/bin/turms" version >/dev/null 2>&1; then
    rm -rf "$release"
    mkdir -p "$release"
    trap 'rm -rf "$release"' EXIT  # a failed install leaves no half release behind
    cp "$WHEEL" "$release/$name"
    cp "$LOCK" "$release/runtime.lock"
    "$PYTHON" -m venv "$release/venv"
    pip=("$release/venv/bin/python" -m pip --disable-pip-version-check --quiet)
    "${pip[@]}" install --require-hashes --only-binary :all: -r "$release/runtime.lock"
    "${pip[@]}" install --no-deps --no-index "$release/$name"
    "$release/venv/bin/turms" version >/dev/null
    trap - EXIT
  fi
  switch_to "$version"
fi

# -- files -------------------------------------------------------------------------------------------------
install -d -m 0755 "$ETC" "$UNIT_DIR" "$DROPIN_DIR" "$ROOT/etc/sysctl.d" "$PREFIX/docs"
install -d -m 0700 "$ETC/credentials"
install -m 0644 "$SRC/turms.service" "$UNIT_DIR/turms.service"
install -m 0644 "$SRC/90-turms.conf" "$ROOT/etc/sysctl.d/90-turms.conf"
for doc in operations.md architecture.md configuration.md; do
  if [ -f "$SRC/../docs/$doc" ]; then
    install -m 0644 "$SRC/../docs/$doc" "$PREFIX/docs/$doc"
  fi
done
if [ ! -e "$ETC/turms.toml" ]; then
  if [ -f "$SRC/turms.toml" ]; then
    install -m 0644 "$SRC/turms.toml" "$ETC/turms.toml"
  elif [ -x "$PREFIX/venv/bin/turms" ]; then
    "$PREFIX/venv/bin/turms" config docs --toml > "$ETC/turms.toml"
    chmod 0644 "$ETC/turms.toml"
  fi
fi
if [ -e "$ETC/turms.env" ]; then
  chmod 0600 "$ETC/turms.env"
  if grep -Eq '^\s*TURMS_(REDIS_URL|STORAGE_MONGO_(\w+_)?URI)=' "$ETC/turms.env"; then
    echo "install.sh: $ETC/turms.env sets a Redis or MongoDB URI: move it into $ETC/credentials/" >&2
  fi
fi

# One LoadCredential= per secret file present: systemd refuses to start a unit whose credential source is
# missing, and the server refuses an empty password file, so absent secrets are simply not configured.
{
  echo "# Written by install.sh from the files in /etc/turms/credentials/; re-run it after adding one."
  echo "[Service]"
  for entry in "${CREDENTIALS[@]}"; do
    read -r name key <<<"$entry"
    if [ -s "$ETC/credentials/$name" ]; then
      chmod 0600 "$ETC/credentials/$name"
      env_var="TURMS_$(echo "$key" | tr 'a-z.' 'A-Z_')"
      echo "LoadCredential=$name:/etc/turms/credentials/$name"
      echo "Environment=$env_var=%d/$name"
    fi
  done
} > "$DROPIN_DIR/50-credentials.conf"
chmod 0644 "$DROPIN_DIR/50-credentials.conf"

[ "$LIVE" = 1 ] || exit 0

# -- activate ----------------------------------------------------------------------------------------------
sysctl --quiet --load=/etc/sysctl.d/90-turms.conf || echo "install.sh: some sysctl keys were not applied" >&2
systemctl daemon-reload
systemctl enable turms.service
if [ "$START" = 1 ]; then
  # restart, not reload: a new package version needs a new supervisor. For a configuration change alone,
  # `systemctl reload turms` replaces the workers (a new generation, then the old one drained) without
  # dropping the ports.
  systemctl restart turms.service
fi
