"""A MinIO server for tests of the S3 files backend (importable as ``minio_support``).

MinIO is built on demand by ``scripts/ensure_minio.sh`` into the tool cache outside the checkout
(``scripts/tool_cache.sh``), as FerretDB is. :class:`MinIO` starts one on a free loopback port with its data in a
directory of the caller's choosing; if it cannot be built or started the test fails (it never skips).
"""

from __future__ import annotations

import os
from pathlib import Path

from testlib import free_port
from tool_servers import ToolServer, answers_200, ensure_tool

ACCESS_KEY = "turms-test"
SECRET_KEY = "turms-test-secret-key"


class MinIO(ToolServer):
    """One single-drive MinIO process listening on 127.0.0.1 (S3 API only; the console is off)."""

    name = "MinIO"

    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.port = free_port()

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
        binary = ensure_tool("minio")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "MINIO_ROOT_USER": ACCESS_KEY,
            "MINIO_ROOT_PASSWORD": SECRET_KEY,
            "MINIO_BROWSER": "off",
            "MINIO_UPDATE": "off",
            "MINIO_CI_CD": "1",
        }
        args = [binary, "server", "--quiet", "--address", f"127.0.0.1:{self.port}", str(self.data_dir)]
        self.launch(
            args, self.data_dir.parent / "minio.log", answers_200(self.endpoint + "/minio/health/ready"), within_s, env
        )
        return self
