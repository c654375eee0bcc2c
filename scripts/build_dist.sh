#!/usr/bin/env bash
# Build the release artifacts into dist/ and check them, as CI does (scripts/test.sh runs this):
#
#   dist/turms_server-<version>-py3-none-any.whl   what hosts install (never a name from a package index)
#   dist/turms_server-<version>.tar.gz             the source distribution
#   dist/runtime.lock                              requirements/runtime.lock: the hash-pinned dependencies
#                                                  that go with this wheel on every host
#   dist/SHA256SUMS                                digests of the three, for the operator's artifact store
#
# Checks: twine check on both distributions; the wheel installed into a new virtual environment from the lock
# alone (every dependency hash-checked, binary wheels only, the project itself with --no-deps --no-index) and
# `turms version` and `turms config check` run from there. The build backend comes from the dev lock
# (--no-isolation): nothing unpinned is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
version="$("$py" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rm -rf dist build
"$py" -m build --no-isolation --outdir dist . >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
rm -rf build
wheel="dist/turms_server-$version-py3-none-any.whl"
sdist="dist/turms_server-$version.tar.gz"
if [ ! -f "$wheel" ] || [ ! -f "$sdist" ]; then
  echo "build_dist: expected $wheel and $sdist" >&2
  ls dist >&2
  exit 1
fi
.venv/bin/twine check --strict "$wheel" "$sdist"
cp requirements/runtime.lock dist/runtime.lock
(cd dist && sha256sum "$(basename "$wheel")" "$(basename "$sdist")" runtime.lock > SHA256SUMS)

python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes --only-binary :all: \
  -r dist/runtime.lock
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-index "$wheel"
"$work/venv/bin/python" -m pip check >/dev/null
got="$(cd "$work" && "$work/venv/bin/turms" version)"
[ "$got" = "turms-server $version" ] || { echo "build_dist: the installed wheel says '$got'" >&2; exit 1; }
(cd "$work" && "$work/venv/bin/turms" config check >/dev/null)
echo "build_dist: $wheel, $sdist and dist/runtime.lock built and checked ($got from a clean venv)"
