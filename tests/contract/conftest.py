"""The store contract: one suite, run on every adapter.

``store`` is parametrized over ``sqlite`` (a fresh file) and ``mongo`` (a fresh database on FerretDB v1.24.2
with its SQLite backend, built on demand by ``scripts/ensure_ferretdb.sh``, or on ``TURMS_TEST_MONGO_URI``).
If FerretDB cannot be built or started the mongo half fails; it never skips.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from storecases import TEST_SCHEMA

from turms.storage.mongo import MongoStore
from turms.storage.port import Store
from turms.storage.sqlite import SqliteStore

from ferret_support import FerretDB


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


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = os.environ.get("TURMS_TEST_MONGO_URI")
    if env:
        yield env
        return
    ferret = FerretDB(tmp_path_factory.mktemp("ferretdb")).start()
    try:
        yield ferret.uri
    finally:
        ferret.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["sqlite", pytest.param("mongo", marks=pytest.mark.mongo)])
def store_config(request: pytest.FixtureRequest, tmp_path: Path) -> StoreConfig:
    if request.param == "sqlite":
        return StoreConfig("sqlite", str(tmp_path / "contract.sqlite3"))
    uri = request.getfixturevalue("mongo_uri")
    return StoreConfig("mongo", uri, f"t_{uuid.uuid4().hex[:16]}")


async def is_ferretdb(config: StoreConfig) -> bool:
    """Whether the MongoDB-protocol server of ``config`` is FerretDB (which has no atomic read-modify-write)."""
    if config.engine != "mongo":
        return False
    from pymongo import AsyncMongoClient

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(config.target, serverSelectionTimeoutMS=5000)
    try:
        return "ferretdbVersion" in await client.admin.command("buildInfo")
    finally:
        await client.close()


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
