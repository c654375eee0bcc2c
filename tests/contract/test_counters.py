"""Sequence counters: dense, atomic across tasks and processes, and allocated together with the insert."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import StoreConfig

from turms.storage.errors import DuplicateKeyError, InvalidUpdateError
from turms.storage.port import Store

WORKER = Path(__file__).with_name("counter_worker.py")


async def test_next_sequence_is_dense_per_key(store: Store) -> None:
    assert [await store.next_sequence("a") for _ in range(3)] == [1, 2, 3]
    assert await store.next_sequence("b") == 1
    assert await store.next_sequence("a") == 4
    with pytest.raises(InvalidUpdateError):
        await store.next_sequence("a\x1fb")
    with pytest.raises(InvalidUpdateError):
        await store.next_sequence("")


async def test_next_sequence_under_concurrent_tasks(store: Store) -> None:
    values = await asyncio.gather(*(store.next_sequence("conv:1") for _ in range(64)))
    assert sorted(values) == list(range(1, 65))


def _run_workers(config: StoreConfig, mode: str, key: str, tasks: int, per_task: int) -> list[int]:
    cmd = [sys.executable, str(WORKER), config.engine, config.target, config.database or "-", mode, key]
    procs = [
        subprocess.Popen([*cmd, str(tasks), str(per_task)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    values: list[int] = []
    for p in procs:
        out, err = p.communicate(timeout=90)
        assert p.returncode == 0, err.decode()[-3000:]
        values += json.loads(out)
    return values


async def test_counter_atomic_across_two_processes_of_8_tasks(store: Store, store_config: StoreConfig) -> None:
    await store.next_sequence("shared")  # both processes start from an existing counter
    values = await asyncio.to_thread(_run_workers, store_config, "next", "shared", 8, 25)
    assert sorted(values) == list(range(2, 402))
    assert await store.next_sequence("shared") == 402


async def test_insert_with_sequence_across_two_processes(store: Store, store_config: StoreConfig) -> None:
    values = await asyncio.to_thread(_run_workers, store_config, "insert", "c1", 8, 10)
    assert sorted(values) == list(range(1, 161))
    docs = await store.find("msgs", {"conv": "c1"}, sort=[("seq", 1)])
    assert [d["seq"] for d in docs] == list(range(1, 161))


async def test_insert_with_sequence_is_dense(store: Store) -> None:
    seqs = await asyncio.gather(
        *(
            store.insert_with_sequence(
                "msgs", {"_id": i, "conv": "c"}, counter_key="c", field="seq", tombstone={"_id": -i, "conv": "c"}
            )
            for i in range(1, 31)
        )
    )
    assert sorted(seqs) == list(range(1, 31))
    docs = await store.find("msgs", {"conv": "c"}, sort=[("seq", 1)])
    assert [d["seq"] for d in docs] == list(range(1, 31))
    assert sorted(d["_id"] for d in docs) == list(range(1, 31))


async def test_failed_insert_leaves_no_hole(store: Store) -> None:
    async def send(i: int) -> int:
        return await store.insert_with_sequence(
            "msgs",
            {"_id": i, "conv": "k"},
            counter_key="k",
            field="seq",
            tombstone={"_id": -i - 1000, "conv": "k", "tomb": True},
        )

    assert await send(1) == 1
    with pytest.raises(DuplicateKeyError):
        await send(1)  # same message id again: the insert fails
    third = await send(2)
    docs = await store.find("msgs", {"conv": "k"}, sort=[("seq", 1)])
    seqs = [d["seq"] for d in docs]
    # Dense either way: SQLite rolls the number back; MongoDB fills it with a tombstone.
    assert seqs == list(range(1, len(seqs) + 1))
    assert third == seqs[-1]
    live = [d for d in docs if not d.get("tomb")]
    assert [d["_id"] for d in live] == [1, 2]


async def test_a_number_already_taken_is_skipped(store: Store) -> None:
    """A reader filled the next number as a hole (a tombstone) before the insert came: it takes the next."""
    await store.insert_one("msgs", {"_id": -1, "conv": "h", "seq": 1, "tomb": True})
    seq = await store.insert_with_sequence(
        "msgs", {"_id": 7, "conv": "h"}, counter_key="h", field="seq", tombstone={"_id": -7, "conv": "h"}
    )
    assert seq == 2
    docs = await store.find("msgs", {"conv": "h"}, sort=[("seq", 1)])
    assert [(d["_id"], d["seq"]) for d in docs] == [(-1, 1), (7, 2)]
    assert await store.next_sequence("h") == 3


async def test_a_taken_claim_writes_nothing(store: Store) -> None:
    """``claim`` (an idempotency record) is inserted with the document; a taken claim fails the whole call before
    the counter moves, so the retry that hit it leaves no number, document or tombstone behind."""

    async def send(i: int, email: str) -> int:
        return await store.insert_with_sequence(
            "msgs",
            {"_id": i, "conv": "q"},
            counter_key="q",
            field="seq",
            tombstone={"_id": -i, "conv": "q", "tomb": True},
            claim=("accounts", {"_id": i, "email": email}),
        )

    assert await send(1, "a@x") == 1
    with pytest.raises(DuplicateKeyError):
        await send(2, "a@x")  # the claim's unique email is taken
    assert await send(3, "b@x") == 2
    docs = await store.find("msgs", {"conv": "q"}, sort=[("seq", 1)])
    assert [(d["_id"], d["seq"]) for d in docs] == [(1, 1), (3, 2)]
    assert sorted(d["_id"] for d in await store.find("accounts")) == [1, 3]


async def test_one_tick_of_inserts_over_several_counters_with_claims(store: Store) -> None:
    """Many calls in one loop tick (the MongoDB adapter writes them as one batch): every counter stays dense, a
    taken claim fails only its own call, and a duplicate message id only its own (its number is spent)."""
    await store.insert_one("accounts", {"_id": 900, "email": "taken@x"})

    async def send(i: int, conv: str, email: str | None = None, mid: int | None = None) -> int:
        return await store.insert_with_sequence(
            "msgs",
            {"_id": mid if mid is not None else i, "conv": conv},
            counter_key=conv,
            field="seq",
            tombstone={"_id": -i, "conv": conv, "tomb": True},
            claim=None if email is None else ("accounts", {"_id": i, "email": email}),
        )

    calls = [send(i, f"t{i % 3}", email=f"{i}@x" if i % 2 else None) for i in range(1, 31)]
    calls.append(send(31, "t0", email="taken@x"))  # the claim is refused
    calls.append(send(32, "t1", mid=1))  # the message id is taken
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(r, int) for r in results[:30])
    assert isinstance(results[30], DuplicateKeyError) and isinstance(results[31], DuplicateKeyError)
    for conv in ("t0", "t1", "t2"):
        docs = await store.find("msgs", {"conv": conv}, sort=[("seq", 1)])
        assert [d["seq"] for d in docs] == list(range(1, len(docs) + 1))  # dense (tombstones included)
        live = [d for d in docs if not d.get("tomb")]
        assert sorted(d["_id"] for d in live) == [i for i in range(1, 31) if f"t{i % 3}" == conv]
    assert await store.count("accounts") == 1 + 15
