"""What the SQLite writer does per 1:1 message while it holds the host's writer turn (docs/benchmarks.md).

One store in this process, no server: ``insert_with_sequence`` calls shaped as the 1:1 benchmark's (a message
with its idempotency claim, 300 conversations), 60 at a time, as a loaded worker's writer batches them. For each
round of 18,000 messages it prints the wall time spent inside the batch's transaction (the turn is held for
exactly that) and the writer thread's CPU in it, per message, and the process's CPU per message. The later
rounds run on a larger database.

    .venv/bin/python scripts/bench_sqlite_writer.py --rounds 2

Run it under ``py-spy record --native --threads`` to see where the held time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from typing import Any

from turms.service.message.model import conversation_id, sequence_key, tombstone
from turms.storage.sqlite import SqliteStore

BATCH = 60
BATCHES = 300


class HeldTimer:
    """Wraps the writer's transaction to add up its wall time and the writer thread's CPU."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0
        self.jobs = 0

    def install(self) -> None:
        inner = SqliteStore._transaction

        def timed(conn: sqlite3.Connection, batch: list[Any]) -> list[tuple[bool, Any]]:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return inner(conn, batch)
            finally:
                self.wall += time.perf_counter() - wall
                self.cpu += time.thread_time() - cpu
                self.jobs += len(batch)

        SqliteStore._transaction = staticmethod(timed)  # type: ignore[method-assign]


async def run(rounds: int) -> None:
    timer = HeldTimer()
    timer.install()
    path = os.path.join(tempfile.mkdtemp(prefix="turms-writer-bench-"), "t.sqlite3")
    store = SqliteStore(path, ttl_purge_interval_s=0)
    await store.start()
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
                    calls.append(
                        store.insert_with_sequence(
                            "message",
                            doc,
                            counter_key=sequence_key(cid),
                            field="sqid",
                            tombstone=tombstone(mid, cid, now),
                            claim=("messageIdempotency", claim),
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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=2)
    asyncio.run(run(p.parse_args().rounds))


if __name__ == "__main__":
    main()
