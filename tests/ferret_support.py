"""A FerretDB server for tests that need a MongoDB-protocol store (importable as ``ferret_support``).

FerretDB v1 with its SQLite backend is built on demand by ``scripts/ensure_ferretdb.sh`` into the tool cache
outside the checkout (``scripts/tool_cache.sh``). :class:`FerretDB` starts one on a free loopback port with its
state in a directory of the caller's choosing; if it cannot be built or started the test fails (it never skips).
"""

from __future__ import annotations

from pathlib import Path

from testlib import free_port
from tool_servers import ToolServer, ensure_tool, listening


class FerretDB(ToolServer):
    """One FerretDB process (SQLite backend) listening on 127.0.0.1."""

    name = "FerretDB"

    def __init__(self, state_dir: Path, port: int = 0) -> None:
        super().__init__()
        self.state_dir = state_dir
        self.port = port or free_port()

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self, within_s: float = 30.0) -> FerretDB:
        binary = ensure_tool("ferretdb")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        args = [
            binary,
            "--handler=sqlite",
            f"--sqlite-url=file:{self.state_dir}/",
            f"--state-dir={self.state_dir}",
            f"--listen-addr=127.0.0.1:{self.port}",
            "--debug-addr=-",
            "--telemetry=disable",
            "--log-level=warn",
        ]
        self.launch(args, self.state_dir / "ferretdb.log", listening(self.port), within_s)
        return self
