"""Run by test_upsert_races.py in separate processes: race upserts (and inserts) of the same keys.

Usage: upsert_worker.py ENGINE TARGET DATABASE MODE PROC NPROCS BARRIER_DIR TASKS KEYS; prints one JSON record
per operation: ``{"k", "tag", "op", "err", ...}``, ``err`` being ``None``, ``"DuplicateKeyError"`` or any other
exception as ``"Type: message"`` (for the test to reject).

Every process opens the store, then waits at a barrier (a file per process in BARRIER_DIR); from the same
wall-clock instant on (derived from the barrier files' times, so identical in every process), key ``k`` is
attacked at ``t0 + k * SLOT`` by all TASKS tasks of every process at once. MODE:

* ``update``: ``update_one({_id: k}, {$setOnInsert: {maker}, $set: {last}}, upsert=True)`` on ``things``;
* ``pair``: the same on ``pairs``, keyed by a compound ``_id``;
* ``unique``: ``update_one({email}, {$setOnInsert: {_id}, $set: {name}}, upsert=True)`` on ``accounts``, keyed
  by a unique secondary index instead of ``_id``;
* ``fam``: ``find_one_and_update`` with ``upsert=True`` on ``things``, even tasks returning the document before
  the update, odd tasks after;
* ``mixed``: on ``things``, even tasks ``insert_one({_id: k, maker, origin: "insert"})``, odd tasks
  ``update_one({_id: k}, {$setOnInsert: {maker, origin: "upsert"}, $set: {touched: True}}, upsert=True)``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from storecases import TEST_SCHEMA

from turms.storage.errors import DuplicateKeyError
from turms.storage.mongo import MongoStore
from turms.storage.port import ReturnDocument, Store
from turms.storage.sqlite import SqliteStore

#: Seconds between the attacks on two consecutive keys.
SLOT = 0.05


def pair_id(k: int) -> dict[str, int]:
    return {"o": k, "t": -k}


def account_id(proc: int, task: int, k: int) -> int:
    return (proc + 1) * 1_000_000 + task * 1_000 + k


def barrier(directory: Path, proc: int, nprocs: int) -> float:
    """Wait until every process is ready; return the common start time (wall clock)."""
    (directory / f"ready.{proc}").write_text("")
    deadline = time.monotonic() + 60
    while True:
        ready = list(directory.glob("ready.*"))
        if len(ready) >= nprocs:
            return max(p.stat().st_mtime for p in ready) + 0.2
        if time.monotonic() > deadline:
            raise TimeoutError("the other processes never came to the barrier")
        time.sleep(0.002)


async def one(store: Store, mode: str, proc: int, task: int, k: int) -> dict[str, Any]:
    tag = f"p{proc}t{task}"
    rec: dict[str, Any] = {"k": k, "tag": tag, "err": None}
    try:
        if mode in ("update", "pair") or (mode == "mixed" and task % 2):
            if mode == "update":
                coll, key, upd = "things", k, {"$setOnInsert": {"maker": tag}, "$set": {"last": tag}}
            elif mode == "pair":
                coll, key, upd = "pairs", pair_id(k), {"$setOnInsert": {"maker": tag}, "$set": {"last": tag}}
            else:
                coll, key = "things", k
                upd = {"$setOnInsert": {"maker": tag, "origin": "upsert"}, "$set": {"touched": True}}
            rec["op"] = "upsert"
            r = await store.update_one(coll, {"_id": key}, upd, upsert=True)
            rec.update(matched=r.matched, modified=r.modified, upserted=r.upserted_id)
        elif mode == "unique":
            rec["op"] = "upsert"
            r = await store.update_one(
                "accounts",
                {"email": f"k{k}@x"},
                {"$setOnInsert": {"_id": account_id(proc, task, k)}, "$set": {"name": tag}},
                upsert=True,
            )
            rec.update(matched=r.matched, modified=r.modified, upserted=r.upserted_id, id=account_id(proc, task, k))
        elif mode == "fam":
            after = bool(task % 2)
            rec["op"] = "after" if after else "before"
            rec["doc"] = await store.find_one_and_update(
                "things",
                {"_id": k},
                {"$setOnInsert": {"maker": tag}, "$set": {"last": tag}},
                upsert=True,
                return_document=ReturnDocument.AFTER if after else ReturnDocument.BEFORE,
            )
        elif mode == "mixed":
            rec["op"] = "insert"
            await store.insert_one("things", {"_id": k, "maker": tag, "origin": "insert"})
        else:
            raise ValueError(f"unknown mode {mode}")
    except DuplicateKeyError:
        rec["err"] = "DuplicateKeyError"
    except Exception as exc:  # reported, for the test to reject
        rec["err"] = f"{type(exc).__name__}: {exc}"
    return rec


async def main(
    engine: str, target: str, database: str, mode: str, proc: int, nprocs: int, directory: str, tasks: int, keys: int
) -> None:
    store: Store
    if engine == "sqlite":
        store = SqliteStore(target, schema=TEST_SCHEMA, ttl_purge_interval_s=0)
    else:
        store = MongoStore(target, database=database, schema=TEST_SCHEMA, ttl_purge_interval_s=0)
    await store.start()
    records: list[dict[str, Any]] = []
    try:
        t0 = await asyncio.to_thread(barrier, Path(directory), proc, nprocs)
        for k in range(keys):
            await asyncio.sleep(max(0.0, t0 + k * SLOT - time.time()))
            records += await asyncio.gather(*(one(store, mode, proc, t, k) for t in range(tasks)))
    finally:
        await store.close()
    print(json.dumps(records))


if __name__ == "__main__":
    a = sys.argv[1:]
    asyncio.run(main(a[0], a[1], a[2], a[3], int(a[4]), int(a[5]), a[6], int(a[7]), int(a[8])))
