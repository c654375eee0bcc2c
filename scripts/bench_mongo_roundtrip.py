"""The CPU one round trip of PyMongo's async driver costs this process: sequential ``insert_one`` calls, then
``insert_many`` of ten documents, on a MongoDB-protocol server (docs/benchmarks.md, the MongoDB adapter); and,
for comparison, ``insert_one`` through the synchronous driver.

    .venv/bin/python scripts/bench_mongo_roundtrip.py mongodb://127.0.0.1:27992/ --calls 3000

It writes to a database of its own and drops it at the end. Only the client's CPU is counted (process time), not
the server's, which on a loopback run shares the machine.
"""

from __future__ import annotations

import argparse
import os
import time

import uvloop
from pymongo import AsyncMongoClient, MongoClient
from pymongo.write_concern import WriteConcern

from turms.bench.server import mongo_uri_is_loopback


async def measure(uri: str, calls: int) -> None:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(uri, serverSelectionTimeoutMS=5000)
    db = client.get_database(f"roundtrip_{os.getpid()}")
    coll = db.get_collection("x", write_concern=WriteConcern(w="majority", j=True))
    try:
        await coll.insert_one({"_id": -1})  # connect and create the collection outside the measurement
        cpu, wall = time.process_time(), time.perf_counter()
        for i in range(calls):
            await coll.insert_one({"_id": i, "text": "hello", "n": i})
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"insert_one: {1e6 * cpu / calls:.0f} µs of CPU and {1e6 * wall / calls:.0f} µs of wall time per call")
        batches = calls // 10
        cpu = time.process_time()
        for b in range(batches):
            await coll.insert_many([{"_id": calls + b * 10 + j, "text": "hello"} for j in range(10)], ordered=False)
        cpu = time.process_time() - cpu
        print(f"insert_many of 10: {1e6 * cpu / batches:.0f} µs of CPU per call")
    finally:
        await client.drop_database(db.name)
        await client.close()


def measure_sync(uri: str, calls: int) -> None:
    client: MongoClient[dict[str, object]] = MongoClient(uri, serverSelectionTimeoutMS=5000)
    db = client.get_database(f"roundtrip_sync_{os.getpid()}")
    coll = db.get_collection("x", write_concern=WriteConcern(w="majority", j=True))
    try:
        coll.insert_one({"_id": -1})
        cpu = time.process_time()
        for i in range(calls):
            coll.insert_one({"_id": i, "text": "hello", "n": i})
        cpu = time.process_time() - cpu
        print(f"insert_one, synchronous driver: {1e6 * cpu / calls:.0f} µs of CPU per call")
    finally:
        client.drop_database(db.name)
        client.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("uri", help="a MongoDB URI (loopback only: this is a load test)")
    p.add_argument("--calls", type=int, default=3000)
    args = p.parse_args()
    if not mongo_uri_is_loopback(args.uri):
        p.error("the URI must name loopback hosts only (127.0.0.0/8, ::1, localhost)")
    uvloop.run(measure(args.uri, args.calls))
    measure_sync(args.uri, args.calls)


if __name__ == "__main__":
    main()
