"""Rolling reload under load: 100 clients sending about 200 messages/s and a prober opening new connections
every 10 ms, then SIGHUP to the supervisor.

Expected (style-and-reliability.md B2, B6.9): no new connection is refused or reset while the workers are
replaced; each client is moved at most once (one reconnect); nothing is lost, duplicated or reordered (the
history checker, views included).
"""

from __future__ import annotations

import asyncio
import random
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from workload import Workload, read_stored

from history import check
from integration_support import Server, running
from messaging_support import SERVER_SETTINGS, server_store

pytestmark = pytest.mark.slow


async def probe(port: int, stop: asyncio.Event, results: Counter[str]) -> None:
    """Open a connection every 10 ms and exchange a heartbeat on it."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 2)
        except ConnectionRefusedError:
            results["refused"] += 1
        except (OSError, TimeoutError):
            results["connect_error"] += 1
        else:
            try:
                writer.write(b"\x00")
                reply = await asyncio.wait_for(reader.read(16), 2)
                # A heartbeat echo, or a SERVER_CLOSED notification from a worker that began draining.
                results["ok" if reply else "cut"] += 1
            except (OSError, TimeoutError):
                results["cut"] += 1
            finally:
                writer.close()
        await asyncio.sleep(0.01)


async def wait_for(condition: object, within_s: float, what: str) -> None:
    assert callable(condition)
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, f"{what} not within {within_s} s"
        await asyncio.sleep(0.05)


@pytest.mark.timeout(180)
async def test_sighup_under_load_refuses_nothing_and_moves_each_client_once(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    print(f"reload under load: seed {seed}")
    settings = {**SERVER_SETTINGS, "gateway.session.close_reconnect_jitter_ms": "1000"}
    with running(Server(tmp_path, workers=2, settings=settings)) as server:
        await server.wait_ready()
        async with server_store(server.data_dir) as store:
            workload = Workload(server.tcp_port, seed=seed)
            await workload.setup(store)
            await workload.connect()
            stop_load, stop_probe = asyncio.Event(), asyncio.Event()
            results: Counter[str] = Counter()
            load = asyncio.create_task(workload.run(stop_load))
            prober = asyncio.create_task(probe(server.tcp_port, stop_probe, results))
            await asyncio.sleep(2)
            before = server.worker_pids()
            started = time.monotonic()
            server.signal(signal.SIGHUP)
            await wait_for(lambda: server.notify.count("READY=1") >= 2, 30, "reload")
            await wait_for(lambda: not (server.worker_pids() & before), 30, "old workers gone")
            reloaded_after = time.monotonic() - started
            await asyncio.sleep(2)
            stop_probe.set()
            await prober
            stop_load.set()
            await asyncio.wait_for(load, 60)
            await workload.settle()
            stored = await read_stored(store, workload.conversations)
            anomalies = check(workload.history, stored, workload.views())
            reconnects = Counter(m.client.reconnects for m in workload.members)
            print(
                f"reload under load: reload took {reloaded_after:.2f} s; {workload.stats()}; "
                f"probes {dict(results)}; clients by reconnect count {dict(reconnects)}"
            )
            await workload.close()
            assert server.notify.count("RELOADING=1") == 1
            assert len(server.worker_pids()) == 2
            assert not anomalies, [f"{a.kind}: {a.detail}" for a in anomalies[:20]]
            assert results["refused"] == results["connect_error"] == results["cut"] == 0, results
            assert results["ok"] > 50, results
            assert max(reconnects) <= 1, reconnects
            # Every client was on an old worker, so every client moved exactly once.
            assert reconnects[1] == len(workload.members), reconnects
