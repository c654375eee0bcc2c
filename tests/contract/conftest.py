"""The store contract: one suite, run on every adapter.

``store`` is parametrized over ``sqlite`` (a fresh file) and ``mongo`` (a fresh database on FerretDB v1.24.2
with its SQLite backend, built on demand by ``scripts/ensure_ferretdb.sh``, or on ``TURMS_TEST_MONGO_URI``).
If FerretDB cannot be built or started the mongo half fails; it never skips.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from storecases import TEST_SCHEMA

from turms.storage.mongo import MongoStore
from turms.storage.port import Store
from turms.storage.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    """An injected clock: expiry is tested by moving time, never by sleeping."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class StoreConfig:
    """Enough to open the same store from another process (see counter_worker.py)."""

    engine: str
    target: str  # the SQLite path, or the MongoDB URI
    database: str = ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _ensure_ferretdb() -> str:
    script = ROOT / "scripts" / "ensure_ferretdb.sh"
    proc = subprocess.run([str(script)], capture_output=True, text=True, timeout=1800, check=False)
    if proc.returncode != 0:
        pytest.fail(f"cannot build FerretDB (scripts/ensure_ferretdb.sh):\n{proc.stderr[-4000:]}")
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = os.environ.get("TURMS_TEST_MONGO_URI")
    if env:
        yield env
        return
    binary = _ensure_ferretdb()
    state = tmp_path_factory.mktemp("ferretdb")
    port = _free_port()
    log_file = (state / "ferretdb.log").open("wb")
    proc = subprocess.Popen(
        [
            binary,
            "--handler=sqlite",
            f"--sqlite-url=file:{state}/",
            f"--state-dir={state}",
            f"--listen-addr=127.0.0.1:{port}",
            "--debug-addr=-",
            "--telemetry=disable",
            "--log-level=warn",
        ],
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"FerretDB exited with {proc.returncode}; see {state / 'ferretdb.log'}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("FerretDB did not start listening within 30 s")
                time.sleep(0.05)
        yield f"mongodb://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log_file.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["sqlite", pytest.param("mongo", marks=pytest.mark.mongo)])
def store_config(request: pytest.FixtureRequest, tmp_path: Path) -> StoreConfig:
    if request.param == "sqlite":
        return StoreConfig("sqlite", str(tmp_path / "contract.sqlite3"))
    uri = request.getfixturevalue("mongo_uri")
    return StoreConfig("mongo", uri, f"t_{uuid.uuid4().hex[:16]}")


def open_test_store(config: StoreConfig, clock: FakeClock | None = None) -> Store:
    kwargs = {"clock": clock} if clock is not None else {}
    if config.engine == "sqlite":
        return SqliteStore(config.target, schema=TEST_SCHEMA, ttl_purge_interval_s=0, **kwargs)
    return MongoStore(
        config.target,
        database=config.database,
        schema=TEST_SCHEMA,
        ttl_purge_interval_s=0,
        server_selection_timeout_ms=5000,
        **kwargs,
    )


@pytest.fixture
async def store(store_config: StoreConfig, clock: FakeClock) -> AsyncIterator[Store]:
    s = open_test_store(store_config, clock)
    await s.start()
    try:
        yield s
    finally:
        if isinstance(s, MongoStore):
            await s.drop_databases()
        await s.close()
