"""Store benchmark: single-document inserts from many concurrent requests, as the message path does them.

    python -m turms.storage.bench [--count 20000] [--concurrency 256] [--mongo-uri URI]

Each scenario inserts ``count`` message documents (the real ``message`` schema, five indexes) with at most
``concurrency`` inserts in flight, each one its own ``insert_one`` (or ``insert_with_sequence``) call awaiting
its own durable acknowledgement. SQLite runs with group commit and without it, so the gain is visible; MongoDB
runs when a URI is given. Not a test: figures depend on the machine and go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from turms.bench.server import mongo_uri_is_loopback
from turms.storage.port import Store


def _message(i: int, conversations: int) -> dict[str, object]:
    conv = (i % conversations).to_bytes(16, "big")
    return {
        "_id": i + 1,
        "cid": conv,
        "gm": False,
        "dyd": datetime.now(UTC),
        "txt": "hello, this is a benchmark message of ordinary length",
        "sid": 1000 + i % 97,
        "tid": 2000 + i % 89,
        "sqid": i + 1,
    }


async def _drive(count: int, concurrency: int, op: Callable[[int], Awaitable[object]]) -> float:
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with sem:
            await op(i)

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    return time.perf_counter() - start


async def _scenario(name: str, store: Store, count: int, concurrency: int, sequenced: bool) -> dict[str, object]:
    await store.start()
    try:
        if sequenced:

            async def op(i: int) -> object:
                doc = _message(i, 100)
                cid = doc["cid"]
                assert isinstance(cid, bytes)
                return await store.insert_with_sequence(
                    "message",
                    doc,
                    counter_key="c:" + cid.hex(),
                    field="sqid",
                    tombstone={"_id": -(i + 1), "cid": cid, "dyd": doc["dyd"], "tomb": True},
                )
        else:

            async def op(i: int) -> object:
                await store.insert_one("message", _message(i, count))
                return None

        elapsed = await _drive(count, concurrency, op)
        result: dict[str, object] = {"scenario": name, "inserts_per_s": count / elapsed, "seconds": elapsed}
        commits = getattr(store, "commits", None)
        if commits:
            result["writes_per_commit"] = getattr(store, "committed_writes", 0) / commits
        return result
    finally:
        await store.close()


async def run(count: int, concurrency: int, mongo_uri: str | None, synchronous: str) -> list[dict[str, object]]:
    from turms.storage.sqlite import SqliteStore

    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="turms-bench-") as tmp:
        for label, group, sequenced in (
            ("sqlite group commit, insert_one", True, False),
            ("sqlite no group commit, insert_one", False, False),
            ("sqlite group commit, insert_with_sequence", True, True),
        ):
            path = Path(tmp) / f"{len(results)}.sqlite3"
            store = SqliteStore(path, group_commit=group, synchronous=synchronous, ttl_purge_interval_s=0)
            n = count if group else max(count // 10, 500)
            results.append(await _scenario(f"{label} (synchronous={synchronous})", store, n, concurrency, sequenced))
    if mongo_uri:
        from turms.storage.mongo import MongoStore

        for sequenced in (False, True):
            db = f"turms_bench_{os.getpid()}_{int(sequenced)}"
            store2 = MongoStore(mongo_uri, database=db, ttl_purge_interval_s=0)
            label = "mongo, " + ("insert_with_sequence" if sequenced else "insert_one")
            results.append(await _scenario(label, store2, count, concurrency, sequenced))
            cleanup = MongoStore(mongo_uri, database=db, ttl_purge_interval_s=0)
            await cleanup.drop_all()
            await cleanup.drop_databases()
            await cleanup.close()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m turms.storage.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=20_000, help="inserts per scenario")
    parser.add_argument("--concurrency", type=int, default=256, help="inserts in flight")
    parser.add_argument("--mongo-uri", default=os.environ.get("TURMS_BENCH_MONGO_URI"))
    parser.add_argument("--synchronous", choices=("FULL", "NORMAL"), default="FULL")
    args = parser.parse_args(argv)
    if args.mongo_uri and not mongo_uri_is_loopback(args.mongo_uri):
        parser.error("the MongoDB URI must name loopback hosts only (127.0.0.0/8, ::1, localhost)")
    results = asyncio.run(run(args.count, args.concurrency, args.mongo_uri, args.synchronous))
    out = [f"{'scenario':62} {'inserts/s':>10} {'writes/commit':>14}"]
    for r in results:
        wpc = r.get("writes_per_commit")
        wpc_text = f"{wpc:14.1f}" if isinstance(wpc, float) else f"{'-':>14}"
        out.append(f"{r['scenario']!s:62} {r['inserts_per_s']:10.0f} {wpc_text}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
