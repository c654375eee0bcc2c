"""What the SQLite writer does per 1:1 message while it holds the host's writer turn (docs/benchmarks.md).

One store in this process, no server: ``insert_with_sequence`` calls shaped as the 1:1 benchmark's (a message
with its idempotency claim, 300 conversations), 60 at a time, as a loaded worker's writer batches them. For each
round of 18,000 messages it prints the wall time spent inside the batch's transaction (the turn is held for
exactly that) and the writer thread's CPU in it, per message, and the process's CPU per message. The later
rounds run on a larger database.

    .venv/bin/python scripts/bench_sqlite_writer.py --rounds 2

Run it under ``py-spy record --native --threads`` to see where the held time goes.

Two options measure layouts and libraries the server does not use (docs/benchmarks.md, eleventh pass):
``--claims folded`` stores no claim row and puts the key on the message under a unique partial index instead,
``--claims none`` stores no key at all; ``--sqlite-module pysqlite3.dbapi2`` runs the store on another build of
the ``sqlite3`` module (pysqlite3-binary bundles a newer SQLite than the system's).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from typing import Any

BATCH = 60
BATCHES = 300


class HeldTimer:
    """Wraps the writer's transaction to add up its wall time and the writer thread's CPU."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0
        self.jobs = 0

    def install(self) -> None:
        from turms.storage.sqlite import SqliteStore

        inner = SqliteStore._transaction

        def timed(conn: Any, batch: list[Any]) -> list[tuple[bool, Any]]:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return inner(conn, batch)
            finally:
                self.wall += time.perf_counter() - wall
                self.cpu += time.thread_time() - cpu
                self.jobs += len(batch)

        SqliteStore._transaction = staticmethod(timed)  # type: ignore[method-assign]


FOLDED_INDEX = (
    "CREATE UNIQUE INDEX ix_message_folded_claim ON message "
    "(json_extract(doc, '$.ik')) WHERE json_extract(doc, '$.ik') IS NOT NULL"
)


async def run(rounds: int, claims: str) -> None:
    import sqlite3  # the module --sqlite-module put in its place, if any

    from turms.service.message.model import conversation_id, sequence_key, tombstone
    from turms.storage.sqlite import SqliteStore

    print(f"SQLite {sqlite3.sqlite_version} ({sqlite3.__name__}), claims: {claims}")
    timer = HeldTimer()
    timer.install()
    folder = tempfile.mkdtemp(prefix="turms-writer-bench-")
    path = os.path.join(folder, "t.sqlite3")
    store = SqliteStore(path, ttl_purge_interval_s=0)
    await store.start()
    if claims == "folded":
        conn = sqlite3.connect(path)
        conn.execute(FOLDED_INDEX)
        conn.commit()
        conn.close()
    now = datetime.now(UTC)
    mid = 0
    try:
        for n in range(rounds):
            timer.wall = timer.cpu = 0.0
            timer.jobs = 0
            process = time.process_time()
            for _ in range(BATCHES):
                calls = []
                for _ in range(BATCH):
                    mid += 1
                    k = random.randrange(300)
                    sender, target = 2 * k + 1, 2 * k + 2
                    cid = conversation_id(False, sender, target)
                    doc = {
                        "_id": mid,
                        "cid": cid,
                        "gm": False,
                        "sm": False,
                        "dyd": now,
                        "sid": sender,
                        "tid": target,
                        "txt": f"hello {mid}",
                        "sip": 2130706433,
                    }
                    claim = {"_id": {"sid": sender, "dev": 0, "cmid": f"k{mid}"}, "mid": mid, "cd": now}
                    if claims == "folded":
                        doc["ik"] = f"{sender}.0.k{mid}"
                    calls.append(
                        store.insert_with_sequence(
                            "message",
                            doc,
                            counter_key=sequence_key(cid),
                            field="sqid",
                            tombstone=tombstone(mid, cid, now),
                            claim=("messageIdempotency", claim) if claims == "row" else None,
                        )
                    )
                await asyncio.gather(*calls)
            per = 1e6 / timer.jobs
            print(
                f"round {n}: held {timer.wall * per:.1f} µs/message, writer thread CPU {timer.cpu * per:.1f} µs, "
                f"process CPU {(time.process_time() - process) * per:.1f} µs ({timer.jobs} messages)"
            )
        print(f"WAL file {os.stat(path + '-wal').st_size / 1e6:.1f} MB")
    finally:
        await store.close()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--claims", choices=("row", "folded", "none"), default="row")
    p.add_argument("--sqlite-module", default="sqlite3", help="a module with the sqlite3 API to run the store on")
    args = p.parse_args()
    if args.sqlite_module != "sqlite3":
        sys.modules["sqlite3"] = importlib.import_module(args.sqlite_module)
    asyncio.run(run(args.rounds, args.claims))


if __name__ == "__main__":
    main()
