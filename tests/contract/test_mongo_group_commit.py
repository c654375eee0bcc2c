"""The MongoDB adapter writes ``insert_with_sequence`` calls by group commit: one batch of a process in flight
at a time, the calls made meanwhile joined into the next one, and a batch far slower than usual does not hold
back the next (turms.storage.mongo_sequences)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from storecases import TEST_SCHEMA

from turms.storage import mongo_sequences
from turms.storage.mongo import MongoStore
from turms.storage.mongo_sequences import _SeqJob

pytestmark = pytest.mark.mongo


@pytest.fixture
async def store(mongo_uri: str) -> AsyncIterator[MongoStore]:
    s = MongoStore(
        mongo_uri,
        database=f"t_{uuid.uuid4().hex[:16]}",
        schema=TEST_SCHEMA,
        ttl_purge_interval_s=0,
        server_selection_timeout_ms=5000,
    )
    await s.start()
    try:
        yield s
    finally:
        await s.drop_databases()
        await s.close()


async def _send(store: MongoStore, mid: int, conv: str) -> int:
    return await store.insert_with_sequence(
        "msgs",
        {"_id": mid, "conv": conv},
        counter_key=conv,
        field="seq",
        tombstone={"_id": -mid, "conv": conv, "tomb": True},
    )


async def test_calls_during_a_batch_join_the_next_one(store: MongoStore) -> None:
    loop = asyncio.get_running_loop()
    spans: list[tuple[float, float]] = []  # (start, end) of every batch, loop time
    sizes: list[int] = []
    flush = store._flush_seq

    async def timed(jobs: list[_SeqJob]) -> None:
        start = loop.time()
        sizes.append(len(jobs))
        try:
            await flush(jobs)
        finally:
            spans.append((start, loop.time()))

    store._flush_seq = timed  # type: ignore[method-assign]

    async def sender(k: int) -> list[int]:
        # Each sender waits for its own ack before it sends again, as a client does; they drift apart by ticks.
        seqs = []
        for i in range(20):
            for _ in range(k % 3):
                await asyncio.sleep(0)
            seqs.append(await _send(store, k * 100 + i, f"c{k % 4}"))
        return seqs

    results = await asyncio.gather(*(sender(k) for k in range(12)))
    assert sum(sizes) == 240
    assert len(sizes) < 240 // 4  # batches of several calls, not one set of round trips per call
    for start, _ in spans:
        # A batch started only when every batch still in flight had been so for at least the slow-batch floor.
        overlapping = [s for s, e in spans if s < start < e]
        assert all(start - s >= mongo_sequences._SEQ_SLOW_MIN_S for s in overlapping)
    for conv in ("c0", "c1", "c2", "c3"):
        docs = await store.find("msgs", {"conv": conv}, sort=[("seq", 1)])
        assert [d["seq"] for d in docs] == list(range(1, 61))
        assert not any(d.get("tomb") for d in docs)
    assert all(r == sorted(r) for r in results)  # a sender's messages are numbered in its order


class _GatedBatches:
    """Holds the first ``count`` batches of ``store`` until ``gate`` is set (a hung connection, say);
    ``started`` has the size of every batch started."""

    def __init__(self, store: MongoStore, gate: asyncio.Event, count: int) -> None:
        self.started: list[int] = []
        self._began = asyncio.Condition()
        flush = store._flush_seq

        async def gated(jobs: list[_SeqJob]) -> None:
            self.started.append(len(jobs))
            async with self._began:
                self._began.notify_all()
            if len(self.started) <= count:
                await gate.wait()
            await flush(jobs)

        store._flush_seq = gated  # type: ignore[method-assign]

    async def wait_started(self, n: int) -> None:
        async with self._began:
            await self._began.wait_for(lambda: len(self.started) >= n)


async def test_a_slow_batch_does_not_hold_back_the_next_one(store: MongoStore) -> None:
    gate = asyncio.Event()
    started = _GatedBatches(store, gate, 1).started
    slow = asyncio.ensure_future(_send(store, 1, "a"))
    await asyncio.sleep(0.01)
    assert started == [1] and not slow.done()
    # Made while the first batch is in flight: it goes on once that batch has been slow for the interval.
    assert await asyncio.wait_for(_send(store, 2, "b"), timeout=10) == 1
    assert not slow.done()
    gate.set()
    assert await asyncio.wait_for(slow, timeout=10) == 1


async def test_batches_in_flight_are_bounded_when_all_hang(store: MongoStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mongo_sequences, "_SEQ_SLOW_MIN_S", 0.1)  # the floor only sets the pace of this test
    gate = asyncio.Event()
    batches = _GatedBatches(store, gate, 1000)
    started = batches.started
    calls = []
    for i in range(mongo_sequences._SEQ_MAX_BATCHES):
        calls.append(asyncio.ensure_future(_send(store, i + 1, f"k{i}")))
        await asyncio.wait_for(batches.wait_started(i + 1), timeout=10)  # each starts once the one before is slow
    waiting = [asyncio.ensure_future(_send(store, 100 + i, f"w{i}")) for i in range(2)]
    await asyncio.sleep(mongo_sequences._SEQ_SLOW_MIN_S * 3)
    assert len(started) == mongo_sequences._SEQ_MAX_BATCHES  # every batch allowed is in flight, hung
    assert not any(c.done() for c in calls + waiting)
    gate.set()
    assert await asyncio.wait_for(asyncio.gather(*calls, *waiting), timeout=10) == [1] * len(calls + waiting)
    assert started[mongo_sequences._SEQ_MAX_BATCHES :] == [2]  # the two that waited went in one batch


async def test_a_server_slow_for_every_batch_is_not_sent_more_at_once(
    store: MongoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mongo_sequences, "_SEQ_SLOW_MIN_S", 0.1)
    # Batches have been taking a second (an overloaded server): one in flight for a few tenths is not slow.
    store._seq_typical_s = 1.0
    gate = asyncio.Event()
    started = _GatedBatches(store, gate, 1).started
    first = asyncio.ensure_future(_send(store, 1, "a"))
    await asyncio.sleep(0.01)
    second = asyncio.ensure_future(_send(store, 2, "b"))
    await asyncio.sleep(mongo_sequences._SEQ_SLOW_MIN_S * 3)
    assert started == [1] and not second.done()
    gate.set()
    assert await asyncio.wait_for(asyncio.gather(first, second), timeout=10) == [1, 1]
    assert started == [1, 1]
