# An OCI image of turms-server, built from the same artifacts as the hosts: the wheel and the hash-pinned
# runtime.lock that scripts/build_dist.sh writes to dist/. Nothing is installed by name from a package index.
#
#   scripts/build_dist.sh && docker build -t turms-server:0.1.0 .      (or: buildah bud, podman build)
#   docker run -p 11510:11510 -p 10510:10510 -p 8511:8511 -v turms-data:/var/lib/turms turms-server:0.1.0
#
# It runs as the unprivileged user turms (uid 10001). The data directory /var/lib/turms is a volume: the SQLite
# store and the generated root admin password live there. Without redis.url the server runs its own
# redis-server (Debian's package) on a Unix socket inside the volume. Settings: TURMS_* variables or
# `--config` with a mounted file; secrets as files (*_file settings) from your orchestrator's secret mounts.
# Pin the base image by digest in your own builds (FROM debian:bookworm-slim@sha256:…).
FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv redis-server ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 turms \
 && useradd --system --uid 10001 --gid turms --home-dir /var/lib/turms --no-create-home --shell /usr/sbin/nologin turms \
 && install -d -o turms -g turms -m 0750 /var/lib/turms

COPY dist/runtime.lock dist/turms_server-*-py3-none-any.whl /opt/turms/dist/
# PIP_CERT: a CA bundle for pip, for builders behind a TLS-inspecting proxy (mount it into the build; empty:
# the default store). It changes nothing that is installed: every file is checked against the lock's hashes.
ARG PIP_CERT=
RUN python3 -m venv /opt/turms/venv \
 && /opt/turms/venv/bin/pip install --no-cache-dir --disable-pip-version-check ${PIP_CERT:+--cert "$PIP_CERT"} \
      --require-hashes --only-binary :all: -r /opt/turms/dist/runtime.lock \
 && /opt/turms/venv/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps --no-index \
      /opt/turms/dist/turms_server-*-py3-none-any.whl \
 && /opt/turms/venv/bin/turms version

ENV PATH=/opt/turms/venv/bin:$PATH \
    TURMS_SERVER_DATA_DIR=/var/lib/turms \
    TURMS_GATEWAY_TCP_HOST=0.0.0.0 \
    TURMS_GATEWAY_WEBSOCKET_HOST=0.0.0.0 \
    TURMS_HEALTH_HTTP_ENABLED=true \
    TURMS_HEALTH_HTTP_HOST=0.0.0.0 \
    TURMS_LOG_FORMAT=json

VOLUME /var/lib/turms
WORKDIR /var/lib/turms
USER 10001:10001
# Client WebSocket, client TCP, admin API (loopback unless admin.http.host is set), health.
EXPOSE 10510 11510 8510 8511
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["python3", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8511/health', timeout=2).status != 200)"]
# SIGTERM drains (every client told SERVER_CLOSED); give the container runtime's stop timeout more than
# server.drain_timeout_s (20 s), e.g. docker stop -t 40.
STOPSIGNAL SIGTERM
ENTRYPOINT ["turms", "serve"]
