"""Admin trace ids: the admin app's X-Request-ID middleware makes the request's trace id current for the whole
handler (its log lines, the tasks it starts), and the routing bus carries it into the notifications and the
kicks the request causes, on the worker that receives them (real aiohttp server, real Redis)."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import aiohttp
import orjson
import pytest
import redis.asyncio as aioredis
from aiohttp import web

from turms.admin.app import request_id_middleware
from turms.cluster.bus import RoutingBus
from turms.cluster.keys import Keys
from turms.cluster.membership import Membership
from turms.cluster.sessions import SessionEntry, SessionRegistry
from turms.gateway.login_policy import DeviceType, LoginConflictStrategy, LoginPolicy, SimultaneousLoginStrategy
from turms.observability import trace
from turms.observability.logging import JsonFormatter

from testlib import free_port

pytestmark = pytest.mark.timeout(30)

KEYS = Keys("ttrace:")
EACH = LoginPolicy(
    SimultaneousLoginStrategy.ALLOW_ONE_DEVICE_OF_EACH_DEVICE_TYPE_ONLINE,
    LoginConflictStrategy.DISCONNECT_LOGGED_IN_DEVICES,
)


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """JSON log lines of the application loggers, as a worker writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("turms")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


async def serve(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, port


async def test_the_admin_request_id_is_current_for_the_whole_request(json_lines: io.StringIO) -> None:
    seen: list[tuple[str | None, str | None]] = []
    log = logging.getLogger("turms.admin.test")

    async def hello(request: web.Request) -> web.Response:
        async def later() -> str | None:
            await asyncio.sleep(0)
            return trace.current()

        in_task = await asyncio.create_task(later())  # a task the handler starts inherits the trace
        seen.append((trace.current(), in_task))
        log.info("handled")
        return web.Response(text="hi")

    app = web.Application(middlewares=[request_id_middleware])
    app.router.add_get("/hello", hello)
    runner, port = await serve(app)
    try:
        async with aiohttp.ClientSession() as client:
            async with client.get(f"http://127.0.0.1:{port}/hello", headers={"X-Request-ID": "abc-1"}) as r:
                assert r.status == 200 and r.headers["X-Request-ID"] == "abc-1"
            async with client.get(f"http://127.0.0.1:{port}/hello", headers={"X-Request-ID": "bad id"}) as r:
                generated = r.headers["X-Request-ID"]
                assert re.fullmatch(r"[0-9a-f]{32}", generated)
            async with client.get(f"http://127.0.0.1:{port}/hello") as r:
                fresh = r.headers["X-Request-ID"]
                assert re.fullmatch(r"[0-9a-f]{32}", fresh) and fresh != generated
            async with client.get(f"http://127.0.0.1:{port}/nowhere", headers={"X-Request-ID": "lost-1"}) as r:
                assert r.status == 404 and r.headers["X-Request-ID"] == "lost-1"
                assert (await r.json())["code"] == 1302  # RESOURCE_NOT_FOUND, in the admin envelope
    finally:
        await runner.cleanup()
    assert seen == [("abc-1", "abc-1"), (generated, generated), (fresh, fresh)]
    assert [d["trace"] for d in lines(json_lines) if d["msg"] == "handled"] == ["abc-1", generated, fresh]
    assert trace.current() is None  # nothing leaks out of a request


@dataclass
class Sessions:
    """A worker's local session table: records what it is asked to do and the trace current meanwhile."""

    delivered: list[tuple[list[int], bytes, str | None]] = field(default_factory=list)
    closed: list[tuple[list[str], int, str | None]] = field(default_factory=list)
    event: asyncio.Event = field(default_factory=asyncio.Event)

    def deliver_local(
        self, user_ids: Sequence[int], payload: bytes, exclude_session: str | None, trace_id: str | None
    ) -> int:
        self.delivered.append((list(user_ids), payload, trace_id))
        self.event.set()
        return len(user_ids)

    def close_local(self, session_ids: Sequence[str], close_status: int, reason: str | None) -> int:
        self.closed.append((list(session_ids), close_status, trace.current()))
        self.event.set()
        return len(session_ids)

    def resync_all(self) -> None:
        pass


async def until(sessions: Sessions, predicate: object, limit_s: float = 5.0) -> None:
    async def loop() -> None:
        while not predicate():  # type: ignore[operator]
            sessions.event.clear()
            await sessions.event.wait()

    await asyncio.wait_for(loop(), limit_s)


async def test_an_admin_request_s_trace_reaches_the_worker_that_closes_the_kicked_session(
    redis_url: str, json_lines: io.StringIO
) -> None:
    clients = [aioredis.Redis.from_url(redis_url) for _ in range(4)]
    runner: web.AppRunner | None = None
    buses: list[RoutingBus] = []
    try:
        ma, mb = Membership(clients[0], KEYS, "a"), Membership(clients[0], KEYS, "b")
        await ma.beat()
        await mb.beat()
        sa, sb = Sessions(), Sessions()
        bus_a = RoutingBus(clients[0], clients[1], KEYS, ma.instance_id, SessionRegistry(clients[0], KEYS, ma), sa)
        bus_b = RoutingBus(clients[2], clients[3], KEYS, mb.instance_id, SessionRegistry(clients[2], KEYS, mb), sb)
        buses = [bus_a, bus_b]
        for bus in buses:
            await bus.start()
        held_by_a = SessionEntry(DeviceType.DESKTOP, ma.instance_id, "a1", 1)
        held_by_b = SessionEntry(DeviceType.DESKTOP, mb.instance_id, "b2", 1)
        await SessionRegistry(clients[0], KEYS, ma).register(2, held_by_b, 0, EACH)

        # Worker A's admin app: a route that kicks (one session here, one on B) and notifies user 2 (on B).
        async def kick(request: web.Request) -> web.Response:
            await bus_a.kick([held_by_a, held_by_b], 600, "closed by an admin")
            await bus_a.deliver([2], b"note")
            return web.Response(text="ok")

        app = web.Application(middlewares=[request_id_middleware])
        app.router.add_delete("/sessions", kick)
        runner, port = await serve(app)
        async with aiohttp.ClientSession() as client:
            async with client.delete(f"http://127.0.0.1:{port}/sessions", headers={"X-Request-ID": "req-42"}) as r:
                assert r.status == 200
            async with client.delete(f"http://127.0.0.1:{port}/sessions") as r:
                generated = r.headers["X-Request-ID"]
        await until(sb, lambda: len(sb.closed) == 2 and len(sb.delivered) == 2)
        await asyncio.sleep(0.05)  # nothing more arrives
        assert sa.closed == [(["a1"], 600, "req-42"), (["a1"], 600, generated)]
        assert sb.closed == [(["b2"], 600, "req-42"), (["b2"], 600, generated)]
        assert sb.delivered == [([2], b"note", "req-42"), ([2], b"note", generated)]
        kicks = [
            (d["trace"], d["route"], d["sessions"], d["closed"])
            for d in lines(json_lines)
            if d["logger"] == "turms.cluster.bus"
        ]
        assert sorted(kicks) == sorted(
            [
                ("req-42", "local", ["a1"], 1),
                ("req-42", "routed", ["b2"], 1),
                (generated, "local", ["a1"], 1),
                (generated, "routed", ["b2"], 1),
            ]
        )
        # A kick outside any request (e.g. from a maintenance task) carries no trace, and says so.
        await bus_a.kick([held_by_b], 501)
        await until(sb, lambda: len(sb.closed) == 3)
        assert sb.closed[-1] == (["b2"], 501, None)
    finally:
        if runner is not None:
            await runner.cleanup()
        for bus in buses:
            await bus.stop()
        for c in clients:
            await c.aclose()
