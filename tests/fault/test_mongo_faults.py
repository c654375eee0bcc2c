"""The nemesis run on the MongoDB adapter: the same workload and checker as test_nemesis_run.py, with the store
on FerretDB (its SQLite backend; built by scripts/ensure_ferretdb.sh). FerretDB is slow, so the run is
smaller (20 clients, about 40 sends/s, 25 s); the SQLite lock fault becomes ``pause_store`` (FerretDB
``SIGSTOP``-ped for 2 s). A worker killed between the sequence counter and its insert leaves a hole, which
the first sync that meets it fills with a tombstone (``turms.service.message.holes``).

With ``TURMS_TEST_MONGO_URI`` pointing at a replica set, a second test steps the primary down
(``replSetStepDown``) mid-run and expects nothing acked to be lost (retryable writes, ``w: majority``). It is
skipped otherwise: a step-down needs a real replica set, which FerretDB is not.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from nemesis import MONGO_FAULTS, faulty_server
from workload import Workload, read_stored

from turms.settings import load_settings
from turms.storage.factory import open_store
from turms.storage.port import Store

from ferret_support import FerretDB
from history import check
from messaging_support import SERVER_SETTINGS

pytestmark = [pytest.mark.slow, pytest.mark.mongo]


@contextlib.asynccontextmanager
async def mongo_store(uri: str, database: str) -> AsyncIterator[Store]:
    settings = load_settings(None, env={}, flags=[("storage.mongo.uri", uri), ("storage.mongo.database", database)])
    store = open_store(settings)
    await store.start()
    try:
        yield store
    finally:
        await store.close()


async def run_on_mongo(
    tmp_path: Path,
    uri: str,
    duration_s: float,
    seed: int,
    *,
    store_pid: int | None,
    faults: tuple[str, ...] = MONGO_FAULTS,
    during: Any = None,
) -> dict[str, Any]:
    rng = random.Random(seed)
    database = f"fault_{uuid.uuid4().hex[:12]}"
    settings = {**SERVER_SETTINGS, "storage.mongo.uri": uri, "storage.mongo.database": database}
    async with faulty_server(tmp_path, settings) as env, mongo_store(uri, database) as store:
        workload = Workload(
            env.client_port, clients=20, rate_per_client=2.0, attempt_timeout_s=3.0, seed=rng.randrange(1 << 30)
        )
        await workload.setup(store)
        await workload.connect()
        if store_pid is None:
            faults = tuple(f for f in faults if f != "pause_store")
        nemesis = env.nemesis(rng, faults=faults, store_pid=store_pid, gap_s=(0.5, 1.5))
        stop_load, stop_faults = asyncio.Event(), asyncio.Event()
        load = asyncio.create_task(workload.run(stop_load))
        chaos = asyncio.create_task(nemesis.run(stop_faults))
        started = time.monotonic()
        if during is not None:
            await during()
        await asyncio.sleep(max(0.0, duration_s - (time.monotonic() - started)))
        await asyncio.wait_for(nemesis.round_done.wait(), 60)
        stop_faults.set()
        await chaos
        stop_load.set()
        try:
            await asyncio.wait_for(load, 120)
        except TimeoutError:
            raise AssertionError(f"senders stuck: {workload.stats()}\n{env.server.log()[-6000:]}") from None
        elapsed = time.monotonic() - started
        settle_error = None
        try:
            await workload.settle()
        except AssertionError as e:
            settle_error = f"{e}\n{env.server.log()[-6000:]}"
        stored = await read_stored(store, workload.conversations)
        anomalies = check(workload.history, stored, workload.views())
        stats = {
            "seed": seed,
            "seconds": round(elapsed, 1),
            **workload.stats(),
            "stored": len(stored),
            "tombstones": sum(1 for s in stored if s.tombstone),
            "faults": dict(nemesis.counts),
            "anomalies": len(anomalies),
        }
        print(f"mongo nemesis run: {stats}", flush=True)
        await workload.close()
        assert not anomalies, f"seed {seed}: {[f'{a.kind}: {a.detail}' for a in anomalies[:20]]}"
        assert settle_error is None, settle_error
        assert set(nemesis.counts) == set(faults), nemesis.counts
        return stats


async def ferret_run(tmp_path: Path, duration_s: float, faults: tuple[str, ...]) -> None:
    seed = int(os.environ.get("TURMS_FAULT_SEED") or random.randrange(1 << 30))
    print(f"mongo nemesis run: seed {seed}")
    ferret = FerretDB(tmp_path / "ferretdb").start()
    try:
        assert ferret.proc is not None
        await run_on_mongo(tmp_path, ferret.uri, duration_s, seed, store_pid=ferret.proc.pid, faults=faults)
    finally:
        ferret.stop()


@pytest.mark.timeout(240)
async def test_nemesis_run_on_ferretdb(tmp_path: Path) -> None:
    await ferret_run(tmp_path, 25, MONGO_FAULTS)


@pytest.mark.fault
@pytest.mark.timeout(900)
async def test_nemesis_run_on_ferretdb_with_worker_kills(tmp_path: Path) -> None:
    await ferret_run(tmp_path, float(os.environ.get("TURMS_FAULT_DURATION_S", "120")), MONGO_FAULTS)


@pytest.mark.timeout(300)
async def test_primary_step_down_loses_nothing_acked(tmp_path: Path) -> None:
    uri = os.environ.get("TURMS_TEST_MONGO_URI")
    if not uri:
        pytest.skip("a primary step-down needs a real replica set: set TURMS_TEST_MONGO_URI to one")
    from pymongo import AsyncMongoClient
    from pymongo.errors import PyMongoError

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, serverSelectionTimeoutMS=5000)
    try:
        hello = await client.admin.command("hello")
        if "setName" not in hello:
            pytest.skip("TURMS_TEST_MONGO_URI is not a replica set: no primary to step down")

        async def step_down() -> None:
            await asyncio.sleep(5)
            # The primary closes its connections as it steps down; the error is expected.
            with contextlib.suppress(PyMongoError):
                await client.admin.command("replSetStepDown", 10)
            print("mongo: primary stepped down", flush=True)

        seed = random.randrange(1 << 30)
        print(f"mongo step-down run: seed {seed}")
        task = asyncio.ensure_future(step_down())

        async def during() -> None:
            await task

        await run_on_mongo(tmp_path, uri, 30, seed, store_pid=None, during=during)
    finally:
        await client.close()
