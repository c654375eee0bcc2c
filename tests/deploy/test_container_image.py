"""The Dockerfile, read as a linter would: it installs exactly the artifacts the hosts install (the wheel from
dist/ and the hash-pinned runtime lock, nothing by name), runs as an unprivileged user, keeps its data in a
volume, checks /health, and lets the server drain on SIGTERM. (Building and running it needs a container
builder: scripts/build_image.sh does that with buildah where one is installed; docs/operations.md says
what was run.)"""

from __future__ import annotations

import re
import shlex

from turms.settings import REGISTRY

from deploy_support import REPO

DOCKERFILE = (REPO / "Dockerfile").read_text()


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, rest = line.partition(" ")
        out.append((keyword.upper(), rest.strip()))
    assert not pending, "a continuation line runs off the end"
    return out


def test_every_instruction_is_known_and_the_base_is_debian() -> None:
    known = {
        "FROM",
        "ARG",
        "RUN",
        "COPY",
        "ENV",
        "VOLUME",
        "WORKDIR",
        "USER",
        "EXPOSE",
        "HEALTHCHECK",
        "STOPSIGNAL",
        "ENTRYPOINT",
    }
    instructions = _instructions()
    assert {k for k, _ in instructions} <= known
    assert instructions[0] == ("FROM", "debian:bookworm-slim")
    assert [k for k, _ in instructions].count("FROM") == 1


def test_the_image_installs_the_same_wheel_and_lock_as_the_hosts() -> None:
    runs = " ".join(args for k, args in _instructions() if k == "RUN")
    (copy,) = [args for k, args in _instructions() if k == "COPY"]
    assert shlex.split(copy) == ["dist/runtime.lock", "dist/turms_server-*-py3-none-any.whl", "/opt/turms/dist/"]
    assert "--require-hashes --only-binary :all: -r /opt/turms/dist/runtime.lock" in " ".join(runs.split())
    assert dict(_instructions())["ARG"] == "PIP_CERT="  # a CA bundle only: the hashes still decide
    assert "--no-deps --no-index /opt/turms/dist/turms_server-*-py3-none-any.whl" in " ".join(runs.split())
    # No package installed by name from an index (only the lock's hash-checked pins and the local wheel).
    for command in re.findall(r"pip install ([^&]+)", runs):
        assert "-r /opt/turms/dist/runtime.lock" in command or "/opt/turms/dist/turms_server-" in command, command
    assert "redis-server" in runs  # the embedded default uses Debian's redis-server
    ignore = (REPO / ".dockerignore").read_text().split()
    assert ignore[ignore.index("*") :] == ["*", "!dist/runtime.lock", "!dist/turms_server-*-py3-none-any.whl"]


def test_it_runs_unprivileged_with_its_data_in_a_volume() -> None:
    instructions = dict(_instructions())
    assert instructions["USER"] == "10001:10001"
    assert "--uid 10001" in " ".join(args for kind, args in _instructions() if kind == "RUN")
    assert instructions["VOLUME"] == "/var/lib/turms"
    env = dict(item.split("=", 1) for item in shlex.split(instructions["ENV"]))
    assert env["TURMS_SERVER_DATA_DIR"] == "/var/lib/turms"
    by_env = REGISTRY.by_env_var()
    for name, value in env.items():
        if name.startswith("TURMS_"):
            REGISTRY.get(by_env[name].key).coerce(value, from_text=True)  # every variable is a valid setting
    assert instructions["ENTRYPOINT"] == '["turms", "serve"]'
    assert instructions["STOPSIGNAL"] == "SIGTERM"


def test_health_and_ports_match_the_settings() -> None:
    instructions = dict(_instructions())
    ports = {int(p) for p in instructions["EXPOSE"].split()}
    defaults = {
        REGISTRY.get(k).default
        for k in ("gateway.tcp.port", "gateway.websocket.port", "admin.http.port", "health.http.port")
    }
    assert ports == defaults
    assert f"127.0.0.1:{REGISTRY.get('health.http.port').default}/health" in instructions["HEALTHCHECK"]
