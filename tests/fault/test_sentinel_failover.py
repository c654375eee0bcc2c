"""A Redis Sentinel failover under load: the master is killed (SIGKILL) while 100 clients send messages.

A master, a replica and three sentinels (quorum 2, ``down-after-milliseconds`` 1000) started by the test;
``turms serve`` with two workers on ``redis+sentinel://``. Expected: the sentinels elect the replica, every
worker follows (its subscription comes back on the new master, sessions get a resync hint), the history
checker finds no acknowledged message lost, duplicated or reordered (views included), and the unavailability
is bounded: a prober logs a fresh user in every 100 ms, and the longest run of failed logins is measured.
The figures are printed and published in docs/reliability.md.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from pathlib import Path

import pytest
from redis_topologies import sentinel_group
from workload import Workload, read_stored

from turms.client import TurmsClient, TurmsClientError

from history import check
from integration_support import Server, running
from messaging_support import SERVER_SETTINGS, server_store

pytestmark = [pytest.mark.fault, pytest.mark.slow]

#: The longest run of failed logins allowed: the sentinels' detection (1 s) and election (about 1 s), the
#: workers' reconnect backoff (at most 2 s) and a margin for a loaded 2-core machine.
MAX_LOGIN_OUTAGE_S = 10.0


async def login_prober(port: int, stop: asyncio.Event, outcomes: list[tuple[float, bool]]) -> None:
    """Log a new user in every 100 ms (a login writes the registry: it needs the Redis master)."""
    uids = itertools.count(700_000)
    while not stop.is_set():
        client = TurmsClient("127.0.0.1", port, reconnect=False, heartbeat_interval_s=0, request_timeout_s=2)
        ok = False
        try:
            await client.connect()
            await client.login(next(uids))
            ok = True
        except (TurmsClientError, OSError, TimeoutError):
            pass
        finally:
            await client.close()
        outcomes.append((time.monotonic(), ok))
        await asyncio.sleep(0.1)


def longest_outage(outcomes: list[tuple[float, bool]], after: float) -> float:
    """The longest time between a failed login's predecessor success and the next success, after ``after``."""
    worst = 0.0
    last_ok = after
    failing = False
    for t, ok in outcomes:
        if t < after:
            continue
        if ok:
            if failing:
                worst = max(worst, t - last_ok)
            last_ok, failing = t, False
        else:
            failing = True
    return worst


@pytest.mark.timeout(240)
async def test_a_killed_master_under_load_loses_no_acked_message(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    print(f"sentinel failover: seed {seed}")
    with sentinel_group(tmp_path / "redis", down_after_ms=1000) as group:
        settings = {**SERVER_SETTINGS, "redis.url": group.url}
        server_dir = tmp_path / "server"
        server_dir.mkdir()
        with running(Server(server_dir, workers=2, settings=settings)) as server:
            await server.wait_ready(within=30)
            async with server_store(server.data_dir) as store:
                workload = Workload(server.tcp_port, seed=seed)
                await workload.setup(store)
                await workload.connect()
                stop_load, stop_probe = asyncio.Event(), asyncio.Event()
                outcomes: list[tuple[float, bool]] = []
                load = asyncio.create_task(workload.run(stop_load))
                prober = asyncio.create_task(login_prober(server.tcp_port, stop_probe, outcomes))
                await asyncio.sleep(3)
                old = group.master_port()
                killed_at = time.monotonic()
                group.server(old).kill()
                deadline = killed_at + 30
                while group.master_port() == old:
                    assert time.monotonic() < deadline, "the sentinels did not fail over within 30 s"
                    await asyncio.sleep(0.05)
                failover_s = time.monotonic() - killed_at
                await asyncio.sleep(8)
                stop_probe.set()
                await prober
                stop_load.set()
                await asyncio.wait_for(load, 60)
                await workload.settle()
                stored = await read_stored(store, workload.conversations)
                anomalies = check(workload.history, stored, workload.views())
                outage = longest_outage(outcomes, killed_at - 0.2)
                failed_logins = sum(1 for t, ok in outcomes if t >= killed_at and not ok)
                print(
                    f"sentinel failover: new master after {failover_s:.2f} s; longest login outage {outage:.2f} s "
                    f"({failed_logins} of {sum(1 for t, _ in outcomes if t >= killed_at)} logins failed after the "
                    f"kill); {workload.stats()}"
                )
                await workload.close()
                assert not anomalies, [f"{a.kind}: {a.detail}" for a in anomalies[:20]]
                assert "re-subscribed to Redis after a loss" in server.log()
                assert outage < MAX_LOGIN_OUTAGE_S, outage
                assert outcomes[-1][1], "logins did not come back"
