"""The systemd units, the sysctl drop-in and install.sh: systemd's own verifier accepts them, install.sh stages
exactly the repository's files plus a credentials drop-in, and the unit's command lines run a real server
(READY, rolling reload, clean stop) whose system calls and socket families the unit's sandbox allows."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from turms.plugins.loader import discover
from turms.settings.storage import MONGO_GROUPS

from deploy_support import REPO, SYSTEMD_DIR, UNITS, require_tool, run, unit_values
from testlib import free_ports

#: The server's settings and its in-box plugins'.
REGISTRY = discover(installed=False).registry()

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

CREDENTIAL_RE = re.compile(r'^\s*"([a-z0-9-]+) ([a-z0-9_.]+)"\s*$', re.M)
UNIT = (SYSTEMD_DIR / "turms.service").read_text()


def _stage(root: Path, credentials: dict[str, str]) -> None:
    """install.sh into ``root`` (DESTDIR), with ``credentials`` present as the operator would put them."""
    creds = root / "etc" / "turms" / "credentials"
    creds.mkdir(parents=True)
    for name, text in credentials.items():
        (creds / name).write_text(text)
    env = {**os.environ, "DESTDIR": str(root)}
    run(["bash", str(SYSTEMD_DIR / "install.sh"), "--no-pip"], env=env)


def test_install_sh_stages_the_repository_files_and_a_credentials_dropin(tmp_path: Path) -> None:
    root = tmp_path / "root"
    _stage(
        root,
        {
            "admin-root-password": "s3cret\n",
            "gateway-jwt-key": "k" * 32,
            "redis-url": "redis://:pw@10.0.0.5:6379/0\n",
            "mongo-uri": "mongodb://turms:pw@10.0.0.11:27017/turms?replicaSet=rs0\n",
            "mongo-message-uri": "mongodb://turms:pw@10.0.0.21:27017/turms\n",
            "mongo-user-uri": "",  # empty: not configured, like an absent file
        },
    )

    assert (root / "etc/systemd/system/turms.service").read_bytes() == (SYSTEMD_DIR / "turms.service").read_bytes()
    assert (root / "etc/sysctl.d/90-turms.conf").read_bytes() == (SYSTEMD_DIR / "90-turms.conf").read_bytes()
    assert (root / "etc/turms/credentials").stat().st_mode & 0o777 == 0o700
    assert (root / "etc/turms/credentials/admin-root-password").stat().st_mode & 0o777 == 0o600

    dropin = (root / "etc/systemd/system/turms.service.d/50-credentials.conf").read_text()
    assert unit_values(dropin, "Service", "LoadCredential") == [
        "admin-root-password:/etc/turms/credentials/admin-root-password",
        "gateway-jwt-key:/etc/turms/credentials/gateway-jwt-key",
        "redis-url:/etc/turms/credentials/redis-url",
        "mongo-uri:/etc/turms/credentials/mongo-uri",
        "mongo-message-uri:/etc/turms/credentials/mongo-message-uri",
    ]
    assert unit_values(dropin, "Service", "Environment") == [
        "TURMS_ADMIN_ROOT_PASSWORD_FILE=%d/admin-root-password",
        "TURMS_GATEWAY_AUTH_JWT_KEY_FILE=%d/gateway-jwt-key",
        "TURMS_REDIS_URL_FILE=%d/redis-url",
        "TURMS_STORAGE_MONGO_URI_FILE=%d/mongo-uri",
        "TURMS_STORAGE_MONGO_MESSAGE_URI_FILE=%d/mongo-message-uri",
    ]
    for name in ("redis-url", "mongo-uri", "mongo-message-uri"):
        assert (root / "etc/turms/credentials" / name).stat().st_mode & 0o777 == 0o600
    # No secret reaches the unit's own files: only paths in $CREDENTIALS_DIRECTORY.
    assert "pw@" not in dropin


def test_install_sh_warns_about_uris_left_in_the_environment_file(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc/turms").mkdir(parents=True)
    env_file = root / "etc/turms/turms.env"
    env_file.write_text('TURMS_LOG_FORMAT="json"\nTURMS_STORAGE_MONGO_URI_FILE="/x"\n')
    env = {**os.environ, "DESTDIR": str(root)}
    proc = subprocess.run(
        ["bash", str(SYSTEMD_DIR / "install.sh"), "--no-pip"], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0 and "sets a Redis or MongoDB URI" not in proc.stderr, proc.stderr
    for line in ('TURMS_REDIS_URL="redis://:pw@h:6379/0"', 'TURMS_STORAGE_MONGO_MESSAGE_URI="mongodb://h/t"'):
        env_file.write_text(f"{line}\n")
        proc = subprocess.run(
            ["bash", str(SYSTEMD_DIR / "install.sh"), "--no-pip"], env=env, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stderr
        assert "sets a Redis or MongoDB URI: move it into" in proc.stderr, line
        assert "pw@" not in proc.stderr
        assert env_file.stat().st_mode & 0o777 == 0o600


def test_every_credential_install_sh_knows_names_a_real_file_setting() -> None:
    """A renamed setting would otherwise make the unit pass an unknown TURMS_* variable (exit 2 at start); and
    every secret setting, the database URIs included, can come from a credential."""
    entries = dict(CREDENTIAL_RE.findall((SYSTEMD_DIR / "install.sh").read_text()))
    expected = {
        "admin-root-password": "admin.root.password_file",
        "gateway-jwt-key": "gateway.auth.jwt.key_file",
        "admin-jwt-key": "admin.auth.jwt.key_file",
        "redis-url": "redis.url_file",
        "mongo-uri": "storage.mongo.uri_file",
        **{f"mongo-{g}-uri": f"storage.mongo.{g}.uri_file" for g in MONGO_GROUPS},
        "livekit-api-secret": "plugins.livekit.api_secret_file",
        "webhook-secret": "plugins.webhook.secret_file",
        "files-local-secret": "service.storage.local.secret_file",
        "s3-access-key": "service.storage.s3.access_key_file",
        "s3-secret-key": "service.storage.s3.secret_key_file",
    }
    assert entries == expected
    for key in entries.values():
        assert key in REGISTRY, key
        assert key.endswith("_file")
        # Each file stands in for a secret setting, and every secret setting has a credential.
        assert REGISTRY.get(key.removesuffix("_file")).secret, key
    secrets = {s.key for s in REGISTRY if s.secret}
    assert secrets == {key.removesuffix("_file") for key in entries.values()}
    # The unit's own variables are settings too.
    for value in unit_values(UNIT, "Service", "Environment"):
        name = value.partition("=")[0]
        assert name in REGISTRY.by_env_var(), name


def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """systemd-analyze verify, in a root that has systemd's own units, the staged files and the executables
    the units name; any warning (unknown key, bad value) fails the test, not only errors."""
    analyze = require_tool("systemd-analyze")
    root = tmp_path / "root"
    _stage(root, {"admin-root-password": "s3cret\n"})
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    for name in UNITS[1:]:
        shutil.copy(SYSTEMD_DIR / name, root / "etc/systemd/system" / name)
    (root / "etc/turms/credential-parameters").write_text("redis-url /turms/server/redis-url\n")
    for exe in ("opt/turms/venv/bin/turms", "usr/bin/redis-server", "usr/bin/mongod", "opt/turms/deploy/aws-fetch.sh"):
        path = root / exe
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    proc = subprocess.run(
        [analyze, "verify", f"--root={root}", *(f"/etc/systemd/system/{u}" for u in UNITS)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 0 and not proc.stdout.strip() and not proc.stderr.strip(), proc.stdout + proc.stderr


def test_unit_stops_within_its_own_timeout_after_the_drain() -> None:
    assert unit_values(UNIT, "Service", "Type") == ["notify"]
    assert unit_values(UNIT, "Service", "KillMode") == ["mixed"]
    assert unit_values(UNIT, "Service", "ExecReload") == [
        "/opt/turms/venv/bin/turms reload --config /etc/turms/turms.toml --pid $MAINPID"
    ]
    drain = REGISTRY.get("server.drain_timeout_s").default
    assert float(unit_values(UNIT, "Service", "TimeoutStopSec")[0]) > drain
    assert unit_values(UNIT, "Service", "RestartPreventExitStatus") == ["2 3 5"]
    # The reload command gives up (and says so) before systemd's own timeout, which ExecReload= shares.
    assert float(unit_values(UNIT, "Service", "TimeoutStartSec")[0]) > 80
    # The supervisor feeds the watchdog every half interval from a loop that turns every few milliseconds;
    # Restart=on-failure covers a watchdog timeout.
    assert int(unit_values(UNIT, "Service", "WatchdogSec")[0]) >= 10
    assert unit_values(UNIT, "Service", "Restart") == ["on-failure"]


def test_sysctl_dropin_names_real_keys_and_fits_the_unit() -> None:
    values: dict[str, str] = {}
    for line in (SYSTEMD_DIR / "90-turms.conf").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        optional = key.startswith("-")
        key = key.lstrip("-").strip()
        values[key] = value.strip()
        if not optional:
            assert Path("/proc/sys", key.replace(".", "/")).exists(), key
    assert values["net.ipv4.tcp_migrate_req"] == "1"
    assert int(values["fs.nr_open"]) >= int(unit_values(UNIT, "Service", "LimitNOFILE")[0])
    assert int(values["net.core.somaxconn"]) >= REGISTRY.get("gateway.backlog").default
    low, high = map(int, values["net.ipv4.ip_local_port_range"].split())
    reserved = {int(p) for p in values["net.ipv4.ip_local_reserved_ports"].split(",")}
    defaults = {REGISTRY.get(k).default for k in ("gateway.tcp.port", "gateway.websocket.port", "admin.http.port")}
    assert defaults <= reserved and low < high


# -- the unit's command lines against a real server --------------------------------------------------------


@dataclass
class UnitRun:
    """The unit's ExecStart, as systemd would run it, with the host paths moved into a temporary directory."""

    tmp: Path
    notify_path: Path
    argv: list[str]
    env: dict[str, str]
    state_dir: Path
    runtime_dir: Path
    ports: dict[str, int] = field(default_factory=dict)


def _unit_run(tmp: Path, credentials: dict[str, str] | None = None) -> UnitRun:
    root = tmp / "root"
    _stage(root, {"admin-root-password": "unit-test-root-pw\n", **(credentials or {})})
    state, runtime = tmp / "state", tmp / "run"
    (runtime / "turms").mkdir(parents=True)  # RuntimeDirectory=
    # LoadCredential= copies each file into the service's private $CREDENTIALS_DIRECTORY (%d).
    creds = shutil.copytree(root / "etc/turms/credentials", tmp / "credentials")
    venv_bin = Path(sys.executable).parent
    specifiers = {"%S": str(state), "%t": str(runtime), "%d": str(creds)}

    def expand(text: str) -> str:
        text = text.replace("/opt/turms/venv/bin", str(venv_bin)).replace("/etc/turms", str(root / "etc/turms"))
        for spec, value in specifiers.items():
            text = text.replace(spec, value)
        return text

    dropin = (root / "etc/systemd/system/turms.service.d/50-credentials.conf").read_text()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TURMS_")}
    for assignment in unit_values(UNIT, "Service", "Environment") + unit_values(dropin, "Service", "Environment"):
        key, _, value = expand(assignment).partition("=")
        env[key] = value
    # What an operator's /etc/turms/turms.env would hold (EnvironmentFile=): loopback ports for the test.
    ports = dict(zip(("tcp", "ws", "admin"), free_ports(3), strict=True))
    env.update(
        {
            "TURMS_GATEWAY_TCP_HOST": "127.0.0.1",
            "TURMS_GATEWAY_TCP_PORT": str(ports["tcp"]),
            "TURMS_GATEWAY_WEBSOCKET_HOST": "127.0.0.1",
            "TURMS_GATEWAY_WEBSOCKET_PORT": str(ports["ws"]),
            "TURMS_ADMIN_HTTP_PORT": str(ports["admin"]),
            "TURMS_SERVER_WORKERS": "2",
            "TURMS_LOG_FORMAT": "text",
        }
    )
    notify_path = tmp / "notify.sock"
    env["NOTIFY_SOCKET"] = str(notify_path)
    (root / "etc/turms/turms.toml").write_bytes((REPO / "conf/turms.toml").read_bytes())
    argv = expand(unit_values(UNIT, "Service", "ExecStart")[0]).split()
    return UnitRun(tmp, notify_path, argv, env, state, runtime, ports)


class Notify:
    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.setblocking(False)
        self.messages: list[str] = []

    def count(self, assignment: str) -> int:
        while True:
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except BlockingIOError:
                break
        return sum(1 for m in self.messages if assignment in m.split("\n"))

    async def wait(self, assignment: str, count: int, proc: subprocess.Popen[bytes], log: Path) -> None:
        deadline = time.monotonic() + 30
        while self.count(assignment) < count:
            assert proc.poll() is None, f"exited {proc.returncode}:\n{_log(log)}"
            assert time.monotonic() < deadline, f"no {assignment} #{count}:\n{_log(log)}"
            await asyncio.sleep(0.02)


def _log(path: Path) -> str:
    return path.read_text(errors="replace")


@pytest.fixture
def unit_run(tmp_path: Path) -> Iterator[UnitRun]:
    yield _unit_run(tmp_path)


def _start(prefix: list[str], u: UnitRun) -> tuple[subprocess.Popen[bytes], Path]:
    log = u.tmp / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*prefix, *u.argv], env=u.env, stdin=subprocess.DEVNULL, stdout=out, stderr=out, cwd=u.tmp
        )
    return proc, log


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill what the test started (strace's tracees survive strace, so every descendant by pid)."""
    try:
        descendants = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    if proc.poll() is None:
        proc.kill()
    for child in descendants:
        with contextlib.suppress(psutil.Error):
            child.kill()
    proc.wait(10)
    psutil.wait_procs(descendants, timeout=10)


async def test_execstart_serves_reloads_with_execreload_and_stops_cleanly(unit_run: UnitRun) -> None:
    notify = Notify(unit_run.notify_path)
    proc, log = _start([], unit_run)
    try:
        await notify.wait("READY=1", 1, proc, log)
        # StateDirectory= and RuntimeDirectory= are where the unit points the server.
        assert (unit_run.state_dir / "turms" / "turms.sqlite3").exists()
        assert (unit_run.runtime_dir / "turms" / "turms.pid").read_text().strip() == str(proc.pid)
        # The root admin took its password from the credential, so none was generated.
        assert not (unit_run.state_dir / "turms" / "admin-root-password").exists()
        reader, writer = await asyncio.open_connection("127.0.0.1", unit_run.ports["tcp"])
        writer.write(b"\x00")  # a heartbeat is answered with an empty frame
        assert await asyncio.wait_for(reader.readexactly(1), 5) == b"\x00"
        writer.close()

        workers = {p.pid for p in psutil.Process(proc.pid).children() if "redis" not in p.name()}
        reload_cmd = _reload_cmd(unit_run, proc.pid)
        done = await asyncio.to_thread(
            subprocess.run, reload_cmd, env=unit_run.env, capture_output=True, text=True, timeout=60, check=False
        )
        # systemctl reload returns only once the new generation serves: READY=1 has been sent again by then.
        assert done.returncode == 0, done.stderr + _log(log)
        assert "reload done" in done.stderr
        assert notify.count("RELOADING=1") == 1 and notify.count("READY=1") == 2
        after = {p.pid for p in psutil.Process(proc.pid).children() if "redis" not in p.name()}
        assert len(after - workers) == 2, (workers, after)

        proc.send_signal(signal.Signals[unit_values(UNIT, "Service", "KillSignal")[0]])
        code = await asyncio.to_thread(proc.wait, float(unit_values(UNIT, "Service", "TimeoutStopSec")[0]))
        assert code == 0, _log(log)
        assert notify.count("STOPPING=1") == 1
    finally:
        _kill(proc)
        notify.sock.close()


def _reload_cmd(u: UnitRun, pid: int) -> list[str]:
    """ExecReload= as systemd would run it (same paths and environment as ExecStart=)."""
    cmd = unit_values(UNIT, "Service", "ExecReload")[0].replace("$MAINPID", str(pid))
    cmd = cmd.replace("/opt/turms/venv/bin", str(Path(sys.executable).parent))
    return cmd.replace("/etc/turms", str(u.tmp / "root/etc/turms")).split()


async def test_execreload_fails_on_a_configuration_the_server_does_not_take(unit_run: UnitRun) -> None:
    """`systemctl reload` fails, with the cause, on an invalid configuration (refused before any signal) and on
    a valid one whose new workers cannot boot (the supervisor aborts the roll); the running workers stay."""
    notify = Notify(unit_run.notify_path)
    proc, log = _start([], unit_run)
    toml = unit_run.tmp / "root/etc/turms/turms.toml"
    try:
        await notify.wait("READY=1", 1, proc, log)
        workers = {p.pid for p in psutil.Process(proc.pid).children() if "redis" not in p.name()}

        toml.write_text("[server]\ndrain_timeout_s = -1\n")
        bad = await asyncio.to_thread(
            subprocess.run,
            _reload_cmd(unit_run, proc.pid),
            env=unit_run.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert bad.returncode == 2, bad.stderr
        assert "configuration error, nothing reloaded" in bad.stderr and "server.drain_timeout_s" in bad.stderr
        assert notify.count("RELOADING=1") == 0  # nothing was signalled

        # Valid, but the new workers cannot bind: an address this host does not have.
        toml.write_text('[admin.http]\nhost = "192.0.2.1"\n')
        aborted = await asyncio.to_thread(
            subprocess.run,
            _reload_cmd(unit_run, proc.pid),
            env=unit_run.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert aborted.returncode == 1, aborted.stderr + _log(log)
        assert "reload failed: aborted, the running workers stay" in aborted.stderr
        assert "192.0.2.1" in aborted.stderr
        now = {p.pid for p in psutil.Process(proc.pid).children() if "redis" not in p.name()}
        assert workers <= now, (workers, now)
        reader, writer = await asyncio.open_connection("127.0.0.1", unit_run.ports["tcp"])
        writer.write(b"\x00")
        assert await asyncio.wait_for(reader.readexactly(1), 5) == b"\x00"
        writer.close()
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 40) == 0, _log(log)
    finally:
        _kill(proc)
        notify.sock.close()


async def test_execstart_takes_the_redis_url_from_its_credential(tmp_path: Path, redis_url: str) -> None:
    """The redis-url credential reaches the server through LoadCredential= and redis.url_file: the server uses
    that Redis and starts no embedded one, even with a stale redis.url left in the environment file."""
    import redis as syncredis

    u = _unit_run(tmp_path, {"redis-url": f"{redis_url}\n"})
    assert u.env["TURMS_REDIS_URL_FILE"] == str(tmp_path / "credentials" / "redis-url")
    u.env["TURMS_REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there: the credential must win
    notify = Notify(u.notify_path)
    proc, log = _start([], u)
    try:
        await notify.wait("READY=1", 1, proc, log)
        names = [p.name() for p in psutil.Process(proc.pid).children(recursive=True)]
        assert names and not any(n in ("redis-server", "valkey-server") for n in names), names
        assert not (u.state_dir / "turms" / "redis").exists()
        client = syncredis.Redis.from_url(redis_url)
        try:
            assert client.keys("turms:*"), "the server wrote nothing to the Redis of the credential"
        finally:
            client.close()
        reader, writer = await asyncio.open_connection("127.0.0.1", u.ports["tcp"])
        writer.write(b"\x00")
        assert await asyncio.wait_for(reader.readexactly(1), 5) == b"\x00"
        writer.close()
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 40) == 0, _log(log)
        assert redis_url not in _log(log)  # the URL (which may carry a password) is not logged
    finally:
        _kill(proc)
        notify.sock.close()


async def test_execstart_refuses_an_unreadable_uri_credential(tmp_path: Path) -> None:
    """A credential the server cannot read is a configuration error (exit 2, which the unit does not restart),
    naming the setting, before any worker starts."""
    u = _unit_run(tmp_path, {"mongo-uri": "mongodb://turms:pw@10.0.0.11:27017/turms\n"})
    (tmp_path / "credentials" / "mongo-uri").unlink()
    proc, log = _start([], u)
    try:
        code = await asyncio.to_thread(proc.wait, 30)
        text = _log(log)
        assert code == 2, text
        assert "storage.mongo.uri_file" in text and "cannot read" in text, text
        assert "2" in unit_values(UNIT, "Service", "RestartPreventExitStatus")[0].split()
    finally:
        _kill(proc)


SYSCALL_RE = re.compile(r"^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]", re.M)
SOCKET_RE = re.compile(r"\bsocket\((AF_[A-Z0-9]+)")


def _allowed_syscalls(analyze: str) -> tuple[set[str], set[str]]:
    """Expand the unit's SystemCallFilter= with systemd's own tables: (allowed, denied)."""

    def expand(group: str, seen: set[str]) -> set[str]:
        out: set[str] = set()
        listing = run([analyze, "syscall-filter", group])
        for line in listing.splitlines()[1:]:
            item = line.strip()
            if not item or item.startswith("#"):
                continue
            if item.startswith("@"):
                if item not in seen:
                    seen.add(item)
                    out |= expand(item, seen)
            else:
                out.add(item)
        return out

    allowed: set[str] = set()
    denied: set[str] = set()
    for value in unit_values(UNIT, "Service", "SystemCallFilter"):
        negate = value.startswith("~")
        for group in value.lstrip("~").split():
            names = expand(group, {group}) if group.startswith("@") else {group}
            (denied if negate else allowed).update(names)
    return allowed - denied, denied


async def test_server_syscalls_and_socket_families_fit_the_unit_sandbox(unit_run: UnitRun) -> None:
    """Run ExecStart under strace through start, a client heartbeat and a stop, and check every system call
    is allowed by SystemCallFilter= and every socket() family by RestrictAddressFamilies= (the embedded
    redis-server is exec'd in the same sandbox, so it is covered too)."""
    strace = require_tool("strace")
    analyze = require_tool("systemd-analyze")
    trace = unit_run.tmp / "strace.txt"
    notify = Notify(unit_run.notify_path)
    unit_run.env["TURMS_SERVER_WORKERS"] = "1"
    unit_run.env["TURMS_SERVER_WORKER_BOOT_TIMEOUT_S"] = "60"
    proc, log = _start([strace, "-f", "-qq", "-o", str(trace)], unit_run)
    try:
        await notify.wait("READY=1", 1, proc, log)
        reader, writer = await asyncio.open_connection("127.0.0.1", unit_run.ports["tcp"])
        writer.write(b"\x00")
        assert await asyncio.wait_for(reader.readexactly(1), 5) == b"\x00"
        writer.close()
        # Stop the server, not strace: strace exits with its tracee's status once the tree is gone.
        (supervisor,) = psutil.Process(proc.pid).children()
        supervisor.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 40) == 0, _log(log)
    finally:
        _kill(proc)
        notify.sock.close()

    text = trace.read_text(errors="replace")
    used = set(SYSCALL_RE.findall(text)) - {"exited", "killed", "resumed"}
    # The test runs as root (the venv's interpreter lives under /root, which another user cannot reach), and
    # SQLite hands its -wal/-shm/-journal files to the owner of the database with fchown only when
    # geteuid() == 0. Under User=turms it never calls it, so root's fchown(fd, 0, 0) is not the unit's.
    # The arguments are read from the call's own line: under -f a call can be split by another process's
    # line ("fchown(33, 0, 0 <unfinished ...>"), so nothing past the line's end is part of it.
    if os.geteuid() == 0 and all(owner == ("0", "0") for owner in re.findall(r"fchown\(\d+, (-?\d+), (-?\d+)", text)):
        used.discard("fchown")
    assert {"clone", "execve", "prctl", "setsockopt", "epoll_wait"} & used, "strace recorded nothing useful"
    allowed, denied = _allowed_syscalls(analyze)
    assert not (used & denied), f"denied by SystemCallFilter=~: {sorted(used & denied)}"
    assert used <= allowed, f"not in the unit's SystemCallFilter=: {sorted(used - allowed)}"

    families = set(SOCKET_RE.findall(text))
    permitted = set(unit_values(UNIT, "Service", "RestrictAddressFamilies")[0].split())
    assert families, "no socket() call traced"
    assert families <= permitted, f"socket families outside RestrictAddressFamilies=: {families - permitted}"
