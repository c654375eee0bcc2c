"""Graceful stop under load: 1,000 idle and 100 active clients, then SIGTERM to the supervisor.

Expected (style-and-reliability.md B2, B6.9): new connections are refused promptly; every session, idle or
busy, is told ``SERVER_CLOSED`` before its connection closes; every send in flight is either acked and stored
exactly once, or reported failed to the client (an error response, or the connection closed under it) and
absent from the store; the server exits 0 within the drain timeout.

The active clients send once per attempt (no retries, no reconnect), so "failed" is what the application saw.
"""

from __future__ import annotations

import asyncio
import random
import signal
import time
from pathlib import Path

import pytest
from workload import Workload, read_stored

from turms.client import TurmsClient
from turms.protocol.status import SessionCloseStatus

from history import Outcome, check
from integration_support import Server, running
from messaging_support import SERVER_SETTINGS, server_store

pytestmark = pytest.mark.slow

IDLE = 1000
DRAIN_TIMEOUT_S = 10.0


async def connect_idle(port: int, count: int, base_uid: int) -> list[TurmsClient]:
    gate = asyncio.Semaphore(50)

    async def one(uid: int) -> TurmsClient:
        async with gate:
            c = TurmsClient("127.0.0.1", port, reconnect=False, heartbeat_interval_s=0, request_timeout_s=15)
            await c.connect()
            await c.login(uid)
            return c

    return list(await asyncio.gather(*(one(base_uid + i) for i in range(count))))


async def first_refusal(port: int, within_s: float) -> float | None:
    """Seconds until a new connection is refused (None: still accepted after ``within_s``)."""
    started = time.monotonic()
    while time.monotonic() - started < within_s:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return time.monotonic() - started
        writer.close()
        await asyncio.sleep(0.005)
    return None


@pytest.mark.timeout(180)
async def test_sigterm_under_load_loses_nothing_and_exits_0(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    print(f"drain under load: seed {seed}")
    settings = {
        **SERVER_SETTINGS,
        "server.drain_timeout_s": str(DRAIN_TIMEOUT_S),
        "gateway.session.close_reconnect_jitter_ms": "1000",
    }
    with running(Server(tmp_path, workers=2, settings=settings)) as server:
        await server.wait_ready()
        async with server_store(server.data_dir) as store:
            workload = Workload(server.tcp_port, reconnect=False, send_attempts=1, attempt_timeout_s=5.0, seed=seed)
            await workload.setup(store)
            idle = await connect_idle(server.tcp_port, IDLE, 500_000)
            await workload.connect()
            stop = asyncio.Event()
            load = asyncio.create_task(workload.run(stop))
            await asyncio.sleep(3)
            before = len(workload.history.ops)
            started = time.monotonic()
            server.signal(signal.SIGTERM)
            refused_after = await first_refusal(server.tcp_port, 5.0)
            code = await server.wait_exit(DRAIN_TIMEOUT_S + 1)
            exited_after = time.monotonic() - started
            stop.set()
            await asyncio.wait_for(load, DRAIN_TIMEOUT_S)
            everyone = [*idle, *(m.client for m in workload.members)]
            await asyncio.wait_for(asyncio.gather(*(c.closed.wait() for c in everyone)), 10)
            statuses = [c.close_status for c in everyone]

            stored = await read_stored(store, workload.conversations)
            anomalies = check(workload.history, stored, {})
            stored_keys = {s.key for s in stored}
            not_ok = [op for op in workload.history.ops if op.outcome is not Outcome.OK]
            outcomes = workload.stats()["outcomes"]
            print(
                f"drain under load: {len(workload.history.ops)} sends ({before} before SIGTERM), {outcomes}; "
                f"new connections refused after {refused_after} s; exit {code} after {exited_after:.2f} s; "
                f"{statuses.count(SessionCloseStatus.SERVER_CLOSED)}/{len(everyone)} told SERVER_CLOSED"
            )
            assert code == 0
            assert exited_after < DRAIN_TIMEOUT_S + 1
            assert refused_after is not None and refused_after < 1.0
            assert not anomalies, [f"{a.kind}: {a.detail}" for a in anomalies[:20]]
            # Stronger than "unknown: at most once": whatever the client was told failed is not stored.
            assert not [op.key for op in not_ok if op.key in stored_keys]
            assert outcomes.get("ok", 0) > 0
            assert statuses == [SessionCloseStatus.SERVER_CLOSED] * len(everyone)
            for c in idle:
                await c.close()
            await workload.close()
