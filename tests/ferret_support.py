"""A FerretDB server for tests that need a MongoDB-protocol store (importable as ``ferret_support``).

FerretDB v1 with its SQLite backend is built on demand by ``scripts/ensure_ferretdb.sh`` into the tool cache
outside the checkout (``scripts/tool_cache.sh``). :class:`FerretDB` starts one on a free loopback port with its
state in a directory of the caller's choosing; if it cannot be built or started the test fails (it never skips).
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from typing import IO

import pytest

from testlib import free_port, terminate

ROOT = Path(__file__).resolve().parents[1]


def ensure_ferretdb() -> str:
    """The FerretDB binary, built first if needed."""
    script = ROOT / "scripts" / "ensure_ferretdb.sh"
    proc = subprocess.run([str(script)], capture_output=True, text=True, timeout=1800, check=False)
    if proc.returncode != 0:
        pytest.fail(f"cannot build FerretDB (scripts/ensure_ferretdb.sh):\n{proc.stderr[-4000:]}")
    return proc.stdout.strip().splitlines()[-1]


class FerretDB:
    """One FerretDB process (SQLite backend) listening on 127.0.0.1."""

    def __init__(self, state_dir: Path, port: int = 0) -> None:
        self.state_dir = state_dir
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self, within_s: float = 30.0) -> FerretDB:
        binary = ensure_ferretdb()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._log = (self.state_dir / "ferretdb.log").open("ab")
        self.proc = subprocess.Popen(
            [
                binary,
                "--handler=sqlite",
                f"--sqlite-url=file:{self.state_dir}/",
                f"--state-dir={self.state_dir}",
                f"--listen-addr=127.0.0.1:{self.port}",
                "--debug-addr=-",
                "--telemetry=disable",
                "--log-level=warn",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + within_s
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"FerretDB exited with {self.proc.returncode}; see {self.state_dir / 'ferretdb.log'}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"FerretDB did not start listening within {within_s} s")
                time.sleep(0.05)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            terminate(proc)
        if self._log is not None:
            self._log.close()
            self._log = None
