#!/usr/bin/env bash
# Build the OCI image (Dockerfile) from dist/ with buildah, run it, and check that it serves: GET /health on the
# health port answers 200 and a client heartbeat on the TCP port is answered. Needs root and buildah
# (apt-get install buildah); no daemon: vfs storage and chroot isolation.
#
#   scripts/build_dist.sh && scripts/build_image.sh [TAG]
#
# The base image (debian:bookworm-slim) is pulled when a registry is reachable. Where none is (this project's
# machines reach only package registries), BASE_FROM_DEBOOTSTRAP=1 builds an equivalent minimal Debian 12 root
# from Debian's own packages (debootstrap) and tags it docker.io/library/debian:bookworm-slim, so that the
# Dockerfile is built unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
version="$(.venv/bin/python -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
tag="${1:-localhost/turms-server:$version}"
bah=(buildah --storage-driver vfs)
[ "$(id -u)" = 0 ] || { echo "build_image: run as root" >&2; exit 2; }
command -v buildah >/dev/null || { echo "build_image: buildah is not installed (apt-get install buildah)" >&2; exit 2; }
ls dist/turms_server-"$version"-py3-none-any.whl dist/runtime.lock >/dev/null

base="docker.io/library/debian:bookworm-slim"
if [ "${BASE_FROM_DEBOOTSTRAP:-0}" = 1 ] && ! "${bah[@]}" inspect --type image "$base" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || { echo "build_image: debootstrap is not installed" >&2; exit 2; }
  root="$(mktemp -d)"
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  ctr="$("${bah[@]}" from scratch)"
  mnt="$("${bah[@]}" mount "$ctr")"
  cp -a "$root"/. "$mnt"/
  "${bah[@]}" umount "$ctr" >/dev/null
  "${bah[@]}" config --cmd bash "$ctr"
  "${bah[@]}" commit --quiet "$ctr" "$base" >/dev/null
  "${bah[@]}" rm "$ctr" >/dev/null
  rm -rf "$root"
  echo "build_image: base image $base built with debootstrap"
fi

pull=(--pull=missing)
[ "${BASE_FROM_DEBOOTSTRAP:-0}" = 1 ] && pull=(--pull=never)
# Behind a TLS-inspecting proxy pip needs its CA bundle: the host's PIP_CERT, mounted read-only for the build.
ca=()
if [ -n "${PIP_CERT:-}" ] && [ -f "$PIP_CERT" ]; then
  ca=(--volume "$PIP_CERT:/run/build-ca.crt:ro" --build-arg PIP_CERT=/run/build-ca.crt)
fi
# Docker's format: OCI images have no HEALTHCHECK.
"${bah[@]}" bud --quiet --format docker --isolation chroot "${pull[@]}" "${ca[@]}" -t "$tag" -f Dockerfile . >/dev/null
echo "build_image: built $tag"

# Serve: the image's command as its own user, on free loopback ports (chroot isolation shares the host's network).
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
tcp="$(free_port)"; ws="$(free_port)"; admin="$(free_port)"; health="$(free_port)"
ctr="$("${bah[@]}" from "$tag")"
log="$(mktemp)"
cleanup() {
  if [ -n "${pid:-}" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  "${bah[@]}" rm "$ctr" >/dev/null 2>&1 || true
  rm -f "$log"
}
trap cleanup EXIT
user="$("${bah[@]}" inspect --type image --format '{{.OCIv1.Config.User}}' "$tag")"
[ "$user" = "10001:10001" ] || { echo "build_image: the image runs as '$user', not 10001" >&2; exit 1; }
"${bah[@]}" run --isolation chroot --user "$user" \
  --env TURMS_GATEWAY_TCP_HOST=127.0.0.1 --env TURMS_GATEWAY_TCP_PORT="$tcp" \
  --env TURMS_GATEWAY_WEBSOCKET_HOST=127.0.0.1 --env TURMS_GATEWAY_WEBSOCKET_PORT="$ws" \
  --env TURMS_ADMIN_HTTP_PORT="$admin" --env TURMS_HEALTH_HTTP_HOST=127.0.0.1 --env TURMS_HEALTH_HTTP_PORT="$health" \
  --env TURMS_SERVER_WORKERS=1 \
  "$ctr" -- turms serve >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  if curl -sf "http://127.0.0.1:$health/health" >/dev/null; then break; fi
  kill -0 "$pid" 2>/dev/null || { echo "build_image: the container exited:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.5
done
answer="$(curl -sf "http://127.0.0.1:$health/health")" || { echo "build_image: no /health answer:" >&2; cat "$log" >&2; exit 1; }
echo "build_image: /health: $answer"
worker="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["pid"])' "$answer")"
uid="$(stat -c %u "/proc/$worker")"
[ "$uid" = 10001 ] || { echo "build_image: the worker runs as uid $uid, not 10001" >&2; exit 1; }
echo "build_image: the worker (pid $worker) runs as uid $uid"
python3 - "$tcp" <<'PY'
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) as s:
    s.sendall(b"\x00")
    assert s.recv(1) == b"\x00", "no heartbeat answer"
print("build_image: a client heartbeat was answered on the TCP port")
PY
echo "build_image: $tag serves"
