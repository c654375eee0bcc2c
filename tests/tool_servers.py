"""Servers the tests build and start (FerretDB, MinIO, LiveKit): the common part (importable as
``tool_servers``). Each is built once by its ``scripts/ensure_<name>.sh`` into the tool cache outside the
checkout (``scripts/tool_cache.sh``) and runs on loopback with its output in a log file. A server that cannot be
built or started fails the test; it never skips."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from testlib import terminate

ROOT = Path(__file__).resolve().parents[1]


def ensure_tool(name: str) -> str:
    """The binary ``scripts/ensure_<name>.sh`` prints, built first if needed."""
    script = ROOT / "scripts" / f"ensure_{name}.sh"
    proc = subprocess.run([str(script)], capture_output=True, text=True, timeout=1800, check=False)
    if proc.returncode != 0:
        pytest.fail(f"cannot build {name} ({script.relative_to(ROOT)}):\n{proc.stderr[-4000:]}")
    return proc.stdout.strip().splitlines()[-1]


def listening(port: int) -> Callable[[], bool]:
    """Ready when something accepts TCP connections on 127.0.0.1:``port``."""

    def check() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    return check


def answers_200(url: str) -> Callable[[], bool]:
    """Ready when ``url`` answers 200."""

    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    return check


class ToolServer:
    """One server process with its output in ``log_path``."""

    #: Its name in failure messages.
    name = "server"

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.log_path: Path | None = None

    def launch(
        self,
        args: list[str],
        log_path: Path,
        ready: Callable[[], bool],
        within_s: float,
        env: dict[str, str] | None = None,
    ) -> None:
        """Start ``args`` and wait until ``ready()``; fail the test if it exits or is not ready in time."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + within_s
        while not ready():
            if self.proc.poll() is not None:
                pytest.fail(f"{self.name} exited with {self.proc.returncode}; see {log_path}")
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"{self.name} was not ready within {within_s} s; see {log_path}")
            time.sleep(0.05)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            terminate(proc)
        if self._log is not None:
            self._log.close()
            self._log = None
