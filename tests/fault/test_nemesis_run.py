"""Jepsen-lite on SQLite: 100 clients send about 200 messages/s to a 2-worker server while the nemesis kills
and pauses workers, restarts and blackholes Redis, drops acks and holds the SQLite write lock.

Checked afterwards (tests/fault/history.py): every acked send stored exactly once with its acked sequence id,
every unknown send at most once, every refused send absent, nothing stored that was never sent, dense
sequence ids 1..N per conversation, each sender's messages in its invoke order, and every client's view after
its resync equal to the stored history.

The default suite runs 30 s (every fault kind once); ``pytest -m fault`` runs 5 minutes. The seed is printed;
``TURMS_FAULT_SEED`` replays one, ``TURMS_FAULT_DURATION_S`` overrides the long mode's length.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from pathlib import Path

import pytest
from nemesis import ALL_FAULTS, faulty_server
from workload import Workload, read_stored

from history import check
from messaging_support import SERVER_SETTINGS, server_store

pytestmark = pytest.mark.slow


def seed_from_env() -> int:
    return int(os.environ.get("TURMS_FAULT_SEED") or random.randrange(1 << 30))


async def nemesis_run(tmp_path: Path, duration_s: float, seed: int) -> dict[str, object]:
    print(f"nemesis run: seed {seed}, {duration_s:.0f} s", flush=True)
    rng = random.Random(seed)
    async with faulty_server(tmp_path, SERVER_SETTINGS) as env, server_store(env.server.data_dir) as store:
        workload = Workload(env.client_port, seed=rng.randrange(1 << 30))
        await workload.setup(store)
        await workload.connect()
        nemesis = env.nemesis(rng)
        stop_load, stop_faults = asyncio.Event(), asyncio.Event()
        load = asyncio.create_task(workload.run(stop_load))
        faults = asyncio.create_task(nemesis.run(stop_faults))
        started = time.monotonic()
        await asyncio.sleep(duration_s)
        # A short run still injects every kind of fault once.
        await asyncio.wait_for(nemesis.round_done.wait(), 60)
        stop_faults.set()
        await faults
        stop_load.set()
        await asyncio.wait_for(load, 120)
        elapsed = time.monotonic() - started
        await workload.settle()
        stored = await read_stored(store, workload.conversations)
        anomalies = check(workload.history, stored, workload.views())
        stats = {
            "seed": seed,
            "seconds": round(elapsed, 1),
            **workload.stats(),
            "sends_per_s": round(len(workload.history.ops) / elapsed),
            "stored": len(stored),
            "faults": dict(nemesis.counts),
            "anomalies": len(anomalies),
        }
        print(f"nemesis run: {stats}", flush=True)
        await workload.close()
        assert not anomalies, f"seed {seed}: {[f'{a.kind}: {a.detail}' for a in anomalies[:20]]}"
        assert set(nemesis.counts) == set(ALL_FAULTS), nemesis.counts
        outcomes = stats["outcomes"]
        assert isinstance(outcomes, dict) and outcomes.get("ok", 0) > 0.8 * len(workload.history.ops), stats
        return stats


@pytest.mark.timeout(240)
async def test_nemesis_run_30s(tmp_path: Path) -> None:
    await nemesis_run(tmp_path, 30, seed_from_env())


@pytest.mark.fault
@pytest.mark.timeout(1200)
async def test_nemesis_run_long(tmp_path: Path) -> None:
    await nemesis_run(tmp_path, float(os.environ.get("TURMS_FAULT_DURATION_S", "300")), seed_from_env())
