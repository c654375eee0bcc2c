"""An in-process admin API over a real SQLite store and real Redis-backed cluster services."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient, TestServer

from turms.admin.app import AdminApi
from turms.admin.context import AdminDeps, NodeState
from turms.clock import FakeClock
from turms.cluster.blocklist import RedisBlocklist
from turms.cluster.bus import RoutingBus
from turms.cluster.ids import Snowflake
from turms.cluster.keys import Keys
from turms.cluster.live_settings import LiveSettings
from turms.cluster.membership import Membership
from turms.cluster.sessions import SessionRegistry
from turms.security.antispam import AntiSpam
from turms.security.blocklist import BlocklistService, LocalBlocklist
from turms.service.resource.backends.local import LocalObjectStore
from turms.settings import load_settings
from turms.storage.factory import open_store

ROOT_PASSWORD = "root-secret"


@dataclass
class RecordingLocalSessions:
    """The worker-local session table the bus writes to: here it records the kicks it is asked to perform."""

    closed: list[tuple[str, int]] = field(default_factory=list)

    def deliver_local(self, user_ids: Sequence[int], payload: bytes, exclude: str | None, trace: str | None) -> int:
        return 0

    def close_local(self, session_ids: Sequence[str], close_status: int, reason: str | None) -> int:
        self.closed.extend((s, close_status) for s in session_ids)
        return len(session_ids)

    def resync_all(self) -> None:
        return None


@dataclass
class AdminEnv:
    api: AdminApi
    client: TestClient  # type: ignore[type-arg]
    deps: AdminDeps
    clock: FakeClock
    local: RecordingLocalSessions


def basic(login: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}


ROOT = basic("turms", ROOT_PASSWORD)


@asynccontextmanager
async def admin_env(
    tmp_path: Path, redis_url: str, settings: dict[str, str] | None = None, *, start: bool = True
) -> AsyncIterator[AdminEnv]:
    flags = {
        "server.data_dir": str(tmp_path / "data"),
        "admin.root.password": ROOT_PASSWORD,
        "admin.auth.failed_login.burst": "1000000",
        **(settings or {}),
    }
    s = load_settings(None, env={}, flags=list(flags.items()))
    store = open_store(s)
    await store.start()
    redis = aioredis.Redis.from_url(redis_url)
    subscriber = aioredis.Redis.from_url(redis_url)
    keys = Keys("tadmin:")
    membership = Membership(redis, keys, "node-test", node_info={"worker_index": 0})
    await membership.start()
    registry = SessionRegistry(redis, keys, membership)
    local = RecordingLocalSessions()
    bus = RoutingBus(redis, subscriber, keys, membership.instance_id, registry, local)
    await bus.start()
    live = LiveSettings(s, store, bus)
    await live.start()
    clock = FakeClock()

    async def ping() -> bool:
        return bool(await redis.ping())

    node = NodeState(0, 0, lambda: True, lambda: False, lambda: 0, ping)
    blocks = LocalBlocklist()
    sync = RedisBlocklist(redis, bus, blocks, s, clock, prefix=keys.prefix)
    await sync.start()
    antispam = AntiSpam(s)
    antispam.load_words(["badword"])

    async def reload_antispam() -> None:
        antispam.load_words(["badword"])

    # The files routes over a real local backend (a directory of the test's own).
    files = LocalObjectStore(tmp_path / "files", "http://127.0.0.1:1", b"k" * 32, clock)
    await files.start()
    deps = AdminDeps(
        s,
        store,
        clock,
        Snowflake(1),
        registry,
        bus,
        membership,
        live,
        node,
        blocklist=BlocklistService(s, clock, blocks, sync),
        antispam_test=antispam.test_text,
        antispam_reload=reload_antispam,
        files=files,
    )
    api = AdminApi(deps)
    if start:
        await api.start()
    client = TestClient(TestServer(api.app()))
    await client.start_server()
    try:
        yield AdminEnv(api, client, deps, clock, local)
    finally:
        await client.close()
        await sync.stop()
        await live.stop()
        await bus.stop()
        await membership.stop()
        await store.close()
        await redis.aclose()
        await subscriber.aclose()


async def call(
    env: AdminEnv, method: str, path: str, *, headers: dict[str, str] | None = None, **kw: Any
) -> tuple[int, dict[str, Any]]:
    async with env.client.request(method, path, headers=headers if headers is not None else ROOT, **kw) as resp:
        if method == "HEAD":
            return resp.status, {}
        return resp.status, await resp.json()
