"""Helpers for tests of several server "hosts" sharing one Redis and one store."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from turms.client import TurmsClient
from turms.cluster.connection import connect
from turms.cluster.keys import Keys
from turms.cluster.live_settings import EVENT, write_changes
from turms.cluster.pubsub import publish
from turms.settings import load_settings
from turms.storage.factory import open_store
from turms.storage.port import Store

from integration_support import Server


def host(tmp_path: Path, name: str, redis_url: str, sqlite_path: Path, **kw: Any) -> Server:
    """One "host": a ``turms serve`` process tree sharing ``redis_url`` and the SQLite file."""
    settings = {"redis.url": redis_url, "storage.sqlite.path": str(sqlite_path), **kw.pop("settings", {})}
    directory = tmp_path / name
    directory.mkdir()
    return Server(directory, settings=settings, **kw)


@asynccontextmanager
async def shared_store(sqlite_path: Path) -> AsyncIterator[Store]:
    """The hosts' store, opened from the test process."""
    settings = load_settings(None, env={}, flags=[("storage.sqlite.path", str(sqlite_path))])
    store = open_store(settings)
    await store.start()
    try:
        yield store
    finally:
        await store.close()


async def set_live_settings(store: Store, redis_url: str, changes: dict[str, Any], within_s: float = 5.0) -> None:
    """Change cluster settings as the admin API does, and wait until every live worker runs them."""
    settings = load_settings(None, env={})
    await write_changes(store, settings, changes, datetime.now(UTC))
    doc = await store.find_one("clusterSettings", {"_id": "global"})
    assert doc is not None
    version = doc["v"]
    keys = Keys()
    client = connect(redis_url)  # any topology: a cluster publishes on its sharded channels
    try:
        await publish(client, keys.broadcast_channel, b"E" + b'{"k":"' + EVENT.encode() + b'"}')
        deadline = time.monotonic() + within_s
        while True:
            live = {m.decode() for m in await client.zrange(keys.workers, 0, -1)}
            applied = {k.decode(): int(v) for k, v in (await client.hgetall(keys.settings_applied)).items()}
            if live and all(applied.get(i, -1) >= version for i in live):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"settings version {version} not applied by every worker: {applied}")
            await asyncio.sleep(0.02)
    finally:
        await client.aclose()


async def login(
    port: int, user_id: int, device: int, *, password: str = "pw", expect_ok: bool = True
) -> tuple[TurmsClient, int]:
    """A connected client and the login's response code (the client stays connected either way)."""
    client = TurmsClient("127.0.0.1", port, reconnect=False, heartbeat_interval_s=0, request_timeout_s=10)
    await client.connect()
    from turms.client.errors import ResponseError

    try:
        response = await client.login(user_id, password, device_type=device)
        code = int(response.code)
    except ResponseError as e:
        code = e.raw_code
    if expect_ok:
        assert code == 1000, f"login of {user_id} on device {device} answered {code}"
    return client, code
