"""Helpers for messaging tests against real servers: a connection-cutting TCP proxy, the server's store, and
users/groups written straight into their collections (as the user and group domains would)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from turms.client import TurmsClient
from turms.client.message import MessageService
from turms.settings import load_settings
from turms.storage.factory import open_store
from turms.storage.port import Store

from testlib import free_port

#: Server settings for messaging tests: no passwords, and no rate limits (every test client shares 127.0.0.1).
SERVER_SETTINGS = {
    "gateway.auth.type": "none",
    "security.rate_limit.ip.enabled": "false",
    "security.rate_limit.session.enabled": "false",
    "security.blocklist.auto_block.enabled": "false",
}


@asynccontextmanager
async def server_store(data_dir: Path, settings: dict[str, str] | None = None) -> AsyncIterator[Store]:
    """The store a server with ``server.data_dir = data_dir`` (and these store ``settings``, if any) uses,
    opened from the test process."""
    loaded = load_settings(None, env={}, flags=[("server.data_dir", str(data_dir)), *(settings or {}).items()])
    store = open_store(loaded)
    await store.start()
    try:
        yield store
    finally:
        await store.close()


async def make_group(store: Store, group_id: int, members: list[int], **fields: Any) -> None:
    now = datetime.now(UTC)
    await store.insert_one("group", {"_id": group_id, "tid": 0, "oid": members[0], "ac": True, "cd": now, **fields})
    for i, uid in enumerate(members):
        await store.insert_one("groupMember", {"_id": {"gid": group_id, "uid": uid}, "role": 0 if i == 0 else 2})


async def connect(port: int, user_id: int, device_type: int = 0, **kw: Any) -> TurmsClient:
    client = TurmsClient("127.0.0.1", port, request_timeout_s=10, reconnect_base_delay_s=0.05, **kw)
    await client.connect()
    await client.login(user_id, device_type=device_type)
    return client


async def messaging(port: int, user_id: int, device_type: int = 0) -> tuple[TurmsClient, MessageService]:
    client = await connect(port, user_id, device_type)
    return client, MessageService(client, user_id)


class CuttingProxy:
    """A loopback TCP proxy whose connections can be cut at will (both sides reset), to drop clients."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._pairs: list[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self.cuts = 0
        self._closed = False

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # A plain callback with a task of our own (as tests/fault/proxy.py): on Python 3.11 a task asyncio made
        # for the callback, once cancelled at the loop's teardown, left its connection open.
        if self._closed:
            writer.transport.abort()
            return
        task = asyncio.ensure_future(self._connect(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

        def connected(t: asyncio.Task[bool]) -> None:  # also when cancelled before it started
            if t.cancelled() or t.exception() is not None or not t.result():
                writer.transport.abort()

        task.add_done_callback(connected)

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Open the upstream side and start the pipes; False if the client's side is to be closed."""
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            return False
        pair = (writer, up_writer)
        if self._closed:
            self._close(pair)
            return True
        self._pairs.append(pair)
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.ensure_future(self._pipe(src, dst, pair))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return True

    async def _pipe(
        self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, pair: tuple[asyncio.StreamWriter, ...]
    ) -> None:
        try:
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._close(pair)

    def _close(self, pair: tuple[asyncio.StreamWriter, ...]) -> None:
        for w in pair:
            transport = w.transport
            if not transport.is_closing():
                transport.abort()
        with contextlib.suppress(ValueError):
            self._pairs.remove(pair)  # type: ignore[arg-type]

    def cut_random(self, rng: random.Random) -> bool:
        if not self._pairs:
            return False
        self._close(rng.choice(self._pairs))
        self.cuts += 1
        return True

    async def close(self) -> None:
        self._closed = True
        if self._server is not None:
            self._server.close()
        for pair in list(self._pairs):
            self._close(pair)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
