"""A slow Redis subscriber: Redis drops it at its pub/sub output-buffer limit; it re-subscribes and its
clients resync with zero loss.

Redis runs with ``client-output-buffer-limit pubsub 1mb 512kb 5``. 100 clients send messages carrying 16 KiB
of records (heavy pushes) while one worker is ``SIGSTOP``-ped for 8 s: the notifications routed to it pile up
in Redis until Redis closes its subscription. After ``SIGCONT`` the worker must re-subscribe (measured through
``PUBSUB NUMSUB``) and tell its sessions to resync, so that, before the test asks any client to resync,
every client's view already equals the stored history (style-and-reliability.md B6.8).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from workload import Workload, read_stored

from turms.cluster.keys import Keys
from turms.storage.port import Store
from turms.supervisor.embedded_redis import EmbeddedRedis

from history import check
from integration_support import Server, running
from messaging_support import SERVER_SETTINGS, server_store
from testlib import free_port

pytestmark = pytest.mark.slow

PAUSE_S = 8.0
MAX_PAUSE_S = 16.0
PADDING = 12 * 1024  # under the 16 KiB request frame limit


async def subscribers(redis: aioredis.Redis, channel: str) -> int:
    counts = await redis.pubsub_numsub(channel)
    return int(counts[0][1])


@pytest.mark.timeout(180)
async def test_dropped_subscriber_resubscribes_and_clients_lose_nothing(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    print(f"slow subscriber: seed {seed}")
    rng = random.Random(seed)
    settings = {**SERVER_SETTINGS, "server.worker_heartbeat_timeout_s": "30"}
    redis_config = {"client-output-buffer-limit": "pubsub 1mb 512kb 5"}
    # No proxies: their buffers would hold back the backlog that Redis must see grow.
    embedded = EmbeddedRedis(tmp_path / "redis", tcp_port=free_port(), extra_config=redis_config)
    embedded.start()
    try:
        server = Server(tmp_path, workers=2, settings={**settings, "redis.url": embedded.url})
        with running(server):
            await server.wait_ready()
            async with server_store(server.data_dir) as store:
                await scenario(server, embedded, store, rng)
    finally:
        embedded.stop()


def acked(workload: Workload) -> int:
    return int(workload.stats()["outcomes"].get("ok", 0))


async def pause_outside_write_lock(server: Server, workload: Workload, rng: random.Random) -> int:
    """SIGSTOP a worker that does not hold the SQLite write lock; returns its pid.

    Both workers write to one SQLite file. A worker stopped inside its ``BEGIN IMMEDIATE`` … ``COMMIT``
    holds the lock, so every write of the host waits (until the supervisor kills it): sends stop, no
    notifications flow, and the backlog this test needs never builds. Such a pause is released and retried.
    """
    for _ in range(8):
        victim = rng.choice(sorted(server.worker_pids()))
        os.kill(victim, signal.SIGSTOP)
        await asyncio.sleep(0.3)  # sends in flight on the victim's side finish or stall
        before = acked(workload)
        await asyncio.sleep(1.0)
        if acked(workload) - before >= 5:
            return victim
        os.kill(victim, signal.SIGCONT)
        await asyncio.sleep(1.0)
    raise AssertionError(f"every pause stalled the host's writes: {workload.stats()}")


async def scenario(server: Server, embedded: EmbeddedRedis, store: Store, rng: random.Random) -> None:
    redis = aioredis.Redis.from_url(embedded.url)
    broadcast = Keys().broadcast_channel
    workload = Workload(server.tcp_port, padding_bytes=PADDING, seed=rng.randrange(1 << 30))
    await workload.setup(store)
    await workload.connect()
    assert await subscribers(redis, broadcast) == 2
    stop = asyncio.Event()
    load = asyncio.create_task(workload.run(stop))
    await asyncio.sleep(2)
    victim = await pause_outside_write_lock(server, workload, rng)
    paused = time.monotonic() - 1.3  # when the victim was stopped
    dropped_after: float | None = None
    try:
        # At least PAUSE_S; longer (bounded) if a loaded machine made the backlog grow slowly.
        while True:
            elapsed = time.monotonic() - paused
            if dropped_after is None and await subscribers(redis, broadcast) < 2:
                dropped_after = elapsed
            if elapsed >= (PAUSE_S if dropped_after is not None else MAX_PAUSE_S):
                break
            await asyncio.sleep(0.1)
    finally:
        os.kill(victim, signal.SIGCONT)
    resumed = time.monotonic()
    while await subscribers(redis, broadcast) < 2:
        assert time.monotonic() - resumed < 10, "the dropped worker did not re-subscribe"
        await asyncio.sleep(0.02)
    resubscribed_after = time.monotonic() - resumed
    await asyncio.sleep(3)
    stop.set()
    try:
        await asyncio.wait_for(load, 60)
    except TimeoutError:
        raise AssertionError(f"senders stuck: {workload.stats()}\n{server.log()[-5000:]}") from None
    # Let pushes still queued on the loaded server, and pulls triggered by its resync hint (and by sequence
    # gaps), arrive; no test-driven resync. A message whose push was lost with nothing later to reveal the gap
    # never arrives, and the check below finds it missing.
    quiet_after = await workload.quiesce()
    stored = await read_stored(store, workload.conversations)
    before_resync = check(workload.history, stored, workload.views())
    hinted = sum(1 for m in workload.members if m.resync_hints)
    print(
        f"slow subscriber: dropped by Redis {dropped_after} s into the pause, re-subscribed "
        f"{resubscribed_after:.2f} s after SIGCONT; {hinted} clients told to resync; views quiet after "
        f"{quiet_after:.1f} s; {sum(m.messages.sync_failures for m in workload.members)} syncs failed and were "
        f"retried; {workload.stats()}"
    )
    await workload.settle()
    after_resync = check(workload.history, await read_stored(store, workload.conversations), workload.views())
    await workload.close()
    await redis.aclose()
    assert dropped_after is not None, "Redis never dropped the paused subscriber"
    assert resubscribed_after < 3.0
    assert hinted >= 10, "the re-subscribed worker did not tell its sessions to resync"
    assert not before_resync, [f"{a.kind}: {a.detail}" for a in before_resync[:20]]
    assert not after_resync, [f"{a.kind}: {a.detail}" for a in after_resync[:20]]
    assert "re-subscribed to Redis after a loss" in server.log()
