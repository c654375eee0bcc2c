"""The server under test: a real ``turms serve`` process tree on loopback, with users created for it."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from pymongo import uri_parser
from pymongo.errors import InvalidURI

from turms.settings import load_settings
from turms.storage.factory import open_store
from turms.storage.port import Store

USER_BATCH = 2000
#: The password of every user the harness creates when the server checks passwords (``--auth password``).
BENCH_PASSWORD = "bench-password"


def mongo_uri_is_loopback(uri: str) -> bool:
    """Whether every host of a MongoDB URI is a loopback address (or ``localhost``): load goes nowhere else.
    A ``mongodb+srv`` URI names hosts only through DNS, so it never is."""
    if not uri.startswith("mongodb://"):
        return False
    try:
        hosts = [host for host, _ in uri_parser.parse_uri(uri)["nodelist"]]
    except (InvalidURI, ValueError):
        return False
    for host in hosts:
        if host == "localhost":
            continue
        try:
            if not ipaddress.ip_address(host).is_loopback:
                return False
        except ValueError:
            return False  # another name may resolve anywhere
    return bool(hosts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class BenchServer:
    workers: int = 2
    mongo_uri: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    jwt_key: str = field(default_factory=lambda: secrets.token_hex(32))
    data_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="turms-bench-")))
    tcp_port: int = field(default_factory=free_port)
    ws_port: int = field(default_factory=free_port)
    admin_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    #: On MongoDB, a database of this run's own, as the SQLite file is (each scenario starts empty).
    mongo_database: str = field(default_factory=lambda: f"turms_bench_{secrets.token_hex(4)}")
    #: Remove the temporary data directory (and the MongoDB database) when stopped.
    cleanup: bool = True
    #: ``jwt``: clients log in with a token; ``password``: with :data:`BENCH_PASSWORD`, checked against the
    #: stored scrypt hash (the server's default authentication).
    auth: str = "jwt"

    def settings(self) -> dict[str, str]:
        s = {
            "server.workers": str(self.workers),
            "server.data_dir": str(self.data_dir),
            "gateway.tcp.host": "127.0.0.1",
            "gateway.tcp.port": str(self.tcp_port),
            "gateway.websocket.host": "127.0.0.1",
            "gateway.websocket.port": str(self.ws_port),
            "admin.http.port": str(self.admin_port),
            "gateway.auth.type": self.auth,
            "gateway.auth.jwt.key": self.jwt_key,
            "gateway.session.heartbeat_timeout_s": "600",
            "gateway.session.login_timeout_s": "120",
            "gateway.session.notify_user_session_after_login": "false",
            "log.level": "WARNING",
            # The generator's clients share a few loopback addresses; per-IP limits would measure the limiter.
            "security.rate_limit.ip.enabled": "false",
            "security.rate_limit.session.enabled": "false",
            "security.connections.max_unauthenticated_per_ip": "1000000",
        }
        if self.mongo_uri:
            s["storage.mongo.uri"] = self.mongo_uri
            s["storage.mongo.database"] = self.mongo_database
        s.update(self.extra)
        return s

    @contextlib.asynccontextmanager
    async def store(self) -> AsyncIterator[Store]:
        """The store the server uses, opened from this process (to write a scenario's data, or check it)."""
        flags = [(k, v) for k, v in self.settings().items() if k.startswith(("storage.", "server.data_dir"))]
        store = open_store(load_settings(None, env={}, flags=flags))
        await store.start()
        try:
            yield store
        finally:
            await store.close()

    async def create_users(self, user_ids: range) -> None:
        """Insert the users directly into the store the server will use (JWT logins need them to exist)."""
        now = datetime.now(UTC)
        extra: dict[str, Any] = {}
        if self.auth == "password":
            from turms.security.passwords import hash_password

            # One hash (one salt) for every user: the server's cost per login is the same as with distinct salts.
            extra["pw"] = hash_password(BENCH_PASSWORD).encode()
        async with self.store() as store:
            ids = list(user_ids)
            for i in range(0, len(ids), USER_BATCH):
                docs: list[dict[str, Any]] = [
                    {"_id": uid, "n": f"u{uid}", "act": True, "rd": now, "lud": now, "pas": 0, **extra}
                    for uid in ids[i : i + USER_BATCH]
                ]
                await store.insert_many("user", docs)

    def token(self, user_id: int) -> str:
        import jwt

        return jwt.encode({"sub": str(user_id), "exp": int(time.time()) + 86_400}, self.jwt_key, algorithm="HS256")

    def start(self, timeout_s: float = 30.0) -> None:
        cmd = [sys.executable, "-m", "turms.cli", "serve"]
        for k, v in self.settings().items():
            cmd += ["--set", f"{k}={v}"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("TURMS_")}
        with (self.data_dir / "server.log").open("wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log_tail()}")
            if len(self.worker_processes()) == self.workers and self._accepting():
                return
            time.sleep(0.1)
        raise RuntimeError(f"server not ready within {timeout_s} s: {self.log_tail()}")

    def _accepting(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.tcp_port), timeout=0.5):
                return True
        except OSError:
            return False

    def log_tail(self, n: int = 2000) -> str:
        path = self.data_dir / "server.log"
        return path.read_text(errors="replace")[-n:] if path.exists() else ""

    def supervisor(self) -> psutil.Process:
        assert self.proc is not None
        return psutil.Process(self.proc.pid)

    def worker_processes(self) -> list[psutil.Process]:
        try:
            children = self.supervisor().children()
        except psutil.NoSuchProcess:
            return []
        return [p for p in children if "redis" not in p.name()]

    def all_processes(self) -> list[psutil.Process]:
        try:
            return [self.supervisor(), *self.supervisor().children()]
        except psutil.NoSuchProcess:
            return []

    def worker_rss(self) -> int:
        total = 0
        for p in self.worker_processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                total += p.memory_info().rss
        return total

    def cpu_seconds(self) -> float:
        total = 0.0
        for p in self.all_processes():
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        if self.cleanup:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            if self.mongo_uri:
                from pymongo import MongoClient

                client: MongoClient[dict[str, Any]] = MongoClient(self.mongo_uri, serverSelectionTimeoutMS=5000)
                try:
                    client.drop_database(self.mongo_database)
                finally:
                    client.close()


def run_async(coro: Any) -> Any:
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:  # pragma: no cover
        return asyncio.run(coro)
