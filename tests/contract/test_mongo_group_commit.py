"""The MongoDB adapter writes ``insert_with_sequence`` calls by group commit: one batch of a process in flight
at a time, the calls made meanwhile joined into the next one (turms.storage.mongo_sequences)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from storecases import TEST_SCHEMA

from turms.storage.mongo import MongoStore
from turms.storage.mongo_sequences import _SeqJob

pytestmark = pytest.mark.mongo


async def test_calls_during_a_batch_join_the_next_one(mongo_uri: str) -> None:
    store = MongoStore(
        mongo_uri,
        database=f"t_{uuid.uuid4().hex[:16]}",
        schema=TEST_SCHEMA,
        ttl_purge_interval_s=0,
        server_selection_timeout_ms=5000,
    )
    await store.start()
    inflight = peak = 0
    sizes: list[int] = []
    flush = store._flush_seq

    async def counted(jobs: list[_SeqJob]) -> None:
        nonlocal inflight, peak
        inflight += 1
        peak = max(peak, inflight)
        sizes.append(len(jobs))
        try:
            await flush(jobs)
        finally:
            inflight -= 1

    store._flush_seq = counted  # type: ignore[method-assign]

    async def sender(k: int) -> list[int]:
        # Each sender waits for its own ack before it sends again, as a client does; they drift apart by ticks.
        seqs = []
        for i in range(20):
            for _ in range(k % 3):
                await asyncio.sleep(0)
            conv = f"c{k % 4}"
            seqs.append(
                await store.insert_with_sequence(
                    "msgs",
                    {"_id": k * 100 + i, "conv": conv},
                    counter_key=conv,
                    field="seq",
                    tombstone={"_id": -(k * 100 + i), "conv": conv, "tomb": True},
                )
            )
        return seqs

    try:
        results = await asyncio.gather(*(sender(k) for k in range(12)))
        assert peak == 1
        assert sum(sizes) == 240
        assert len(sizes) < 240 // 4  # batches of several calls, not one round trip set per call
        for conv in ("c0", "c1", "c2", "c3"):
            docs = await store.find("msgs", {"conv": conv}, sort=[("seq", 1)])
            assert [d["seq"] for d in docs] == list(range(1, 61))
            assert not any(d.get("tomb") for d in docs)
        assert all(r == sorted(r) for r in results)  # a sender's messages are numbered in its order
    finally:
        await store.drop_databases()
        await store.close()
