"""Run by test_counters.py in separate processes: hammer one counter from several tasks.

Usage: counter_worker.py ENGINE TARGET DATABASE MODE KEY TASKS PER_TASK; prints the values obtained as JSON.
MODE is ``next`` (next_sequence) or ``insert`` (insert_with_sequence into ``msgs``).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from storecases import TEST_SCHEMA

from turms.storage.mongo import MongoStore
from turms.storage.port import Store
from turms.storage.sqlite import SqliteStore


async def main(engine: str, target: str, database: str, mode: str, key: str, tasks: int, per_task: int) -> None:
    store: Store
    if engine == "sqlite":
        store = SqliteStore(target, schema=TEST_SCHEMA, ttl_purge_interval_s=0)
    else:
        store = MongoStore(target, database=database, schema=TEST_SCHEMA, ttl_purge_interval_s=0)
    await store.start()
    pid = os.getpid()

    async def one(task: int) -> list[int]:
        got = []
        for i in range(per_task):
            if mode == "next":
                got.append(await store.next_sequence(key))
            else:
                _id = (pid % 100_000) * 1_000_000 + task * 10_000 + i
                got.append(
                    await store.insert_with_sequence(
                        "msgs",
                        {"_id": _id, "conv": key},
                        counter_key=key,
                        field="seq",
                        tombstone={"_id": -_id, "conv": key, "tomb": True},
                    )
                )
        return got

    try:
        results = await asyncio.gather(*(one(t) for t in range(tasks)))
    finally:
        await store.close()
    print(json.dumps([v for r in results for v in r]))


if __name__ == "__main__":
    a = sys.argv[1:]
    asyncio.run(main(a[0], a[1], a[2], a[3], a[4], int(a[5]), int(a[6])))
