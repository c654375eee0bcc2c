"""Cancellation safety of our Redis client and store wrappers (the redis-py CVE-2023-28858/9 pattern):
a call cancelled mid-flight must never make the next call on the same connection read the wrong reply."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from turms.cluster.connection import connect
from turms.settings import load_settings
from turms.storage.factory import open_store
from turms.supervisor.embedded_redis import EmbeddedRedis

from proxy import FaultProxy


async def test_redis_cancelled_calls_never_leak_replies(redis_server: EmbeddedRedis, redis_url: str) -> None:
    assert redis_server.tcp_port
    proxy = FaultProxy("127.0.0.1", redis_server.tcp_port)
    await proxy.start()
    client = connect(f"redis://127.0.0.1:{proxy.port}/0", retries=0)
    try:
        await client.set("a", "value-a")
        await client.set("b", "value-b")
        for delay in (0.05, 0.2, 0.5):
            proxy.delay_s = delay
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(client.get("a"), delay / 2)
            proxy.delay_s = 0.0
            # The reply to the cancelled GET a must not be taken for this GET b.
            assert await client.get("b") == b"value-b"
            assert await client.get("a") == b"value-a"
    finally:
        await client.aclose()
        await proxy.stop()


async def test_store_cancelled_calls_leave_the_store_consistent(tmp_path: Path) -> None:
    settings = load_settings(None, env={}, flags=[("server.data_dir", str(tmp_path))])
    store = open_store(settings)
    await store.start()
    try:
        for i in range(50):
            task = asyncio.ensure_future(store.insert_one("user", {"_id": i, "n": f"n{i}"}))
            await asyncio.sleep(0)
            if i % 2:
                task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            # Whatever happened to the cancelled insert, the next calls see their own answers.
            assert await store.find_one("user", {"_id": 10_000}) is None
            found = await store.find_one("user", {"_id": i})
            assert found is None or found["n"] == f"n{i}"
        # Cancelled inserts either happened completely or not at all.
        docs = await store.find("user", {})
        assert all(d["n"] == f"n{d['_id']}" for d in docs)
        assert {d["_id"] for d in docs} >= set(range(0, 50, 2))
    finally:
        await store.close()
