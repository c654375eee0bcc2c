"""Upsert races across processes: 2 processes of 8 tasks each upsert the same keys at the same instants.

In one process the SQLite adapter's single writer thread serializes every write, so only separate processes
(each with its own writer, contending for the file's write lock) race for real; on the MongoDB wire protocol
they are separate clients. What the adapters promise, asserted exactly:

* concurrent upserts of one key (through ``_id``, a compound ``_id`` or a unique secondary index; with
  ``update_one`` or ``find_one_and_update``) surface no error at all: MongoDB may fail the loser of the
  insert with a duplicate key, which the MongoDB adapter retries as an update (``_upsert_retrying``) and
  SQLite never produces (the lookup and the insert share one write transaction);
* exactly one of them inserts (and says so: ``upserted_id``, or ``None`` as the document before), every other
  one matches the document it inserted; ``$setOnInsert`` fields are the inserting caller's, ``$set`` fields
  one of the callers';
* an insert racing upserts of its key either inserts or raises the mapped :class:`DuplicateKeyError`,
  the only error MongoDB's semantics allow there.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from conftest import StoreConfig
from upsert_worker import account_id, pair_id

from turms.storage.port import Store

WORKER = Path(__file__).with_name("upsert_worker.py")
PROCS, TASKS, KEYS = 2, 8, 20


def _run_workers(config: StoreConfig, mode: str, barrier: Path) -> list[dict[str, Any]]:
    barrier.mkdir()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(WORKER),
                config.engine,
                config.target,
                config.database or "-",
                mode,
                str(proc),
                str(PROCS),
                str(barrier),
                str(TASKS),
                str(KEYS),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for proc in range(PROCS)
    ]
    records: list[dict[str, Any]] = []
    for p in procs:
        out, err = p.communicate(timeout=100)
        assert p.returncode == 0, err.decode()[-3000:]
        assert b"locked" not in err
        records += json.loads(out)
    assert len(records) == PROCS * TASKS * KEYS
    return records


def _by_key(records: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        out[r["k"]].append(r)
    assert sorted(out) == list(range(KEYS))
    return out


def _no_errors(records: list[dict[str, Any]]) -> None:
    errors = [r for r in records if r["err"] is not None]
    assert not errors, errors[:5]


async def _race(store_config: StoreConfig, tmp_path: Path, mode: str) -> dict[int, list[dict[str, Any]]]:
    return _by_key(await asyncio.to_thread(_run_workers, store_config, mode, tmp_path / f"barrier-{mode}"))


def _check_upserts(ops: list[dict[str, Any]], key: Any) -> dict[str, Any]:
    """Exactly one upsert inserted ``key`` and every other one updated it; returns the inserting one."""
    inserted = [r for r in ops if r["upserted"] is not None]
    assert len(inserted) == 1, inserted
    assert inserted[0]["upserted"] == key and (inserted[0]["matched"], inserted[0]["modified"]) == (0, 0)
    for r in ops:
        if r is not inserted[0]:
            assert (r["matched"], r["modified"], r["upserted"]) == (1, 1, None), r
    return inserted[0]


@pytest.mark.parametrize("mode", ["update", "pair"])
async def test_upserts_of_one_id_from_2_processes_of_8_tasks(
    store: Store, store_config: StoreConfig, tmp_path: Path, mode: str
) -> None:
    races = await _race(store_config, tmp_path, mode)
    _no_errors([r for ops in races.values() for r in ops])
    coll, key_of = ("things", lambda k: k) if mode == "update" else ("pairs", pair_id)
    docs = {json.dumps(d["_id"], sort_keys=True): d for d in await store.find(coll)}
    assert len(docs) == KEYS  # exactly one document per key
    for k, ops in races.items():
        winner = _check_upserts(ops, key_of(k))
        doc = docs[json.dumps(key_of(k), sort_keys=True)]
        assert set(doc) == {"_id", "maker", "last"}
        assert doc["maker"] == winner["tag"]
        assert doc["last"] in {r["tag"] for r in ops}


async def test_upserts_through_a_unique_index_from_2_processes_of_8_tasks(
    store: Store, store_config: StoreConfig, tmp_path: Path
) -> None:
    """Keyed by a unique secondary index, each caller proposing its own ``_id``: one ``_id`` wins."""
    races = await _race(store_config, tmp_path, "unique")
    _no_errors([r for ops in races.values() for r in ops])
    docs = {d["email"]: d for d in await store.find("accounts")}
    assert len(docs) == KEYS and await store.count("accounts") == KEYS
    for k, ops in races.items():
        inserted = [r for r in ops if r["upserted"] is not None]
        assert len(inserted) == 1, inserted
        winner = inserted[0]
        assert winner["upserted"] == winner["id"] and (winner["matched"], winner["modified"]) == (0, 0)
        assert winner["id"] == account_id(int(winner["tag"][1]), int(winner["tag"][3:]), k)
        for r in ops:
            if r is not winner:
                assert (r["matched"], r["modified"], r["upserted"]) == (1, 1, None), r
        doc = docs[f"k{k}@x"]
        assert set(doc) == {"_id", "email", "name"}
        assert doc["_id"] == winner["id"]
        assert doc["name"] in {r["tag"] for r in ops}


async def test_find_one_and_update_upserts_from_2_processes_of_8_tasks(
    store: Store, store_config: StoreConfig, tmp_path: Path
) -> None:
    races = await _race(store_config, tmp_path, "fam")
    _no_errors([r for ops in races.values() for r in ops])
    docs = {d["_id"]: d for d in await store.find("things")}
    assert sorted(docs) == list(range(KEYS))
    for k, ops in races.items():
        doc = docs[k]
        assert set(doc) == {"_id", "maker", "last"}
        assert doc["last"] in {r["tag"] for r in ops}
        # The inserting caller: it saw no document before, or its own $setOnInsert after.
        inserted = [
            r
            for r in ops
            if (r["op"] == "before" and r["doc"] is None) or (r["op"] == "after" and r["doc"]["maker"] == r["tag"])
        ]
        assert len(inserted) == 1, inserted
        assert doc["maker"] == inserted[0]["tag"]
        for r in ops:
            if r["op"] == "after":
                assert r["doc"] == {"_id": k, "maker": doc["maker"], "last": r["tag"]}, r
            elif r is not inserted[0]:
                assert r["doc"] is not None and set(r["doc"]) == {"_id", "maker", "last"}, r
                assert r["doc"]["_id"] == k and r["doc"]["maker"] == doc["maker"], r
                assert r["doc"]["last"] != r["tag"], r  # before its own update


async def test_inserts_racing_upserts_from_2_processes_of_8_tasks(
    store: Store, store_config: StoreConfig, tmp_path: Path
) -> None:
    races = await _race(store_config, tmp_path, "mixed")
    ops_all = [r for ops in races.values() for r in ops]
    _no_errors([r for r in ops_all if r["op"] == "upsert"])
    assert {r["err"] for r in ops_all if r["op"] == "insert"} <= {None, "DuplicateKeyError"}
    docs = {d["_id"]: d for d in await store.find("things")}
    assert sorted(docs) == list(range(KEYS))
    for k, ops in races.items():
        won = [r for r in ops if (r["op"] == "insert" and r["err"] is None) or r.get("upserted") is not None]
        assert len(won) == 1, won
        winner = won[0]
        if winner["op"] == "upsert":
            assert winner["upserted"] == k and winner["matched"] == 0
        for r in ops:
            if r["op"] == "upsert" and r is not winner:
                assert r["matched"] == 1 and r["upserted"] is None, r
        # Every upsert either inserted the document or updated it after it was inserted: `touched` is set.
        assert docs[k] == {
            "_id": k,
            "maker": winner["tag"],
            "origin": "insert" if winner["op"] == "insert" else "upsert",
            "touched": True,
        }
