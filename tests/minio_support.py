"""A MinIO server for tests of the S3 files backend (importable as ``minio_support``).

MinIO is built on demand by ``scripts/ensure_minio.sh`` into the tool cache outside the checkout
(``scripts/tool_cache.sh``), as FerretDB is. :class:`MinIO` starts one on a free loopback port with its data in a
directory of the caller's choosing; if it cannot be built or started the test fails (it never skips).
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

import pytest

from testlib import free_port, terminate

ROOT = Path(__file__).resolve().parents[1]
ACCESS_KEY = "turms-test"
SECRET_KEY = "turms-test-secret-key"


def ensure_minio() -> str:
    """The MinIO binary, built first if needed."""
    script = ROOT / "scripts" / "ensure_minio.sh"
    proc = subprocess.run([str(script)], capture_output=True, text=True, timeout=1800, check=False)
    if proc.returncode != 0:
        pytest.fail(f"cannot build MinIO (scripts/ensure_minio.sh):\n{proc.stderr[-4000:]}")
    return proc.stdout.strip().splitlines()[-1]


class MinIO:
    """One single-drive MinIO process listening on 127.0.0.1 (S3 API only; the console is off)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> dict[str, str]:
        """Server settings that select this MinIO as the files backend."""
        return {
            "service.storage.backend": "s3",
            "service.storage.s3.endpoint": self.endpoint,
            "service.storage.s3.access_key": ACCESS_KEY,
            "service.storage.s3.secret_key": SECRET_KEY,
        }

    def start(self, within_s: float = 60.0) -> MinIO:
        binary = ensure_minio()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._log = (self.data_dir.parent / "minio.log").open("ab")
        env = {
            **os.environ,
            "MINIO_ROOT_USER": ACCESS_KEY,
            "MINIO_ROOT_PASSWORD": SECRET_KEY,
            "MINIO_BROWSER": "off",
            "MINIO_UPDATE": "off",
            "MINIO_CI_CD": "1",
        }
        self.proc = subprocess.Popen(
            [binary, "server", "--quiet", "--address", f"127.0.0.1:{self.port}", str(self.data_dir)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + within_s
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"MinIO exited with {self.proc.returncode}; see {self.data_dir.parent / 'minio.log'}")
            try:
                with urllib.request.urlopen(self.endpoint + "/minio/health/ready", timeout=1) as resp:
                    if resp.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"MinIO was not ready within {within_s} s")
            time.sleep(0.1)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            terminate(proc)
        if self._log is not None:
            self._log.close()
            self._log = None
