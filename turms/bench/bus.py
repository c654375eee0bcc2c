"""The routing bus's publish path on one Redis vs a Redis Cluster: publishes per second and Redis CPU per
message.

``python -m turms.bench.bus`` starts the deployments itself on loopback (``redis-server`` from PATH, Redis 7
for sharded pub/sub): one Redis, then a cluster of ``--shards`` masters. On each, ``--instances`` routing-bus
subscribers (one per simulated worker, each on its own channel, as ``RoutingBus`` subscribes) and the
publishers of ``--publishers`` simulated workers send ``--messages`` notification-sized messages to random
instances, through the same code the workers use (the tick batcher's pipelines, ``PUBLISH`` or ``SPUBLISH``
as :mod:`turms.cluster.pubsub` picks). It reports the publish rate, the Redis CPU spent (``used_cpu_user`` +
``used_cpu_sys`` of every node, before and after, less what the nodes spend idle: cluster gossip) per
message, and how it spreads over the nodes. On the cluster it also measures classic ``PUBLISH``, which every
node receives, for comparison (nothing subscribes to classic channels there, so nothing is delivered).

The publishers and subscribers run in this one process, so on a small machine the client side is the
bottleneck of the rate; the CPU per message is the figure that shows the cluster's cost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import redis

from turms.bench.redis_nodes import free_port, redis_cluster
from turms.cluster.batcher import TickBatcher
from turms.cluster.connection import connect, is_cluster
from turms.cluster.keys import Keys
from turms.cluster.pubsub import Subscription, publish_command, subscribe
from turms.supervisor.embedded_redis import EmbeddedRedis

#: Idle CPU is sampled this long before each run and subtracted.
IDLE_SAMPLE_S = 2.0


def _cpu(ports: Sequence[int]) -> dict[int, float]:
    out = {}
    for port in ports:
        with contextlib.closing(redis.Redis(port=port)) as c:
            info = c.info("cpu")
            out[port] = float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
    return out


async def _consume(subscription: Subscription, counter: list[int]) -> None:
    while True:
        await subscription.get()
        counter[0] += 1


async def measure(
    url: str, ports: Sequence[int], *, instances: int, publishers: int, messages: int, payload: int, command: str
) -> dict[str, Any]:
    keys = Keys()
    ids = [f"bench{i:04d}" for i in range(instances)]
    received = [0]
    subscribers = [connect(url, pubsub=True) for _ in ids]
    async with contextlib.AsyncExitStack() as stack:
        subs = [
            await stack.enter_async_context(subscribe(s, [keys.worker_channel(i)]))
            for s, i in zip(subscribers, ids, strict=True)
        ]
        readers = [asyncio.create_task(_consume(s, received)) for s in subs]
        clients = [connect(url) for _ in range(publishers)]
        batchers = [TickBatcher(c) for c in clients]
        body = b"N" + b"x" * payload
        rng = random.Random(1)
        per = messages // publishers

        pipelined = not (command == "publish" and is_cluster(clients[0]))  # redis-py refuses PUBLISH in cluster pipes

        async def one(b: TickBatcher) -> None:
            step = 200 if pipelined else 32  # in flight per publisher (a busy worker's tick; a cluster node's pool)
            for start in range(0, per, step):
                calls = (
                    b.call(command, keys.worker_channel(rng.choice(ids)), body)
                    if pipelined
                    else b.redis.publish(keys.worker_channel(rng.choice(ids)), body)
                    for _ in range(min(step, per - start))
                )
                await asyncio.gather(*calls)

        idle_from = _cpu(ports)
        await asyncio.sleep(IDLE_SAMPLE_S)  # what the nodes spend doing nothing (cluster gossip, cron)
        before = _cpu(ports)
        idle = {p: (before[p] - idle_from[p]) / IDLE_SAMPLE_S for p in ports}
        started = time.perf_counter()
        await asyncio.gather(*(one(b) for b in batchers))
        elapsed = time.perf_counter() - started
        for _ in range(1000):  # the subscribers drain what was published (at most 10 s)
            if received[0] >= per * publishers:
                break
            await asyncio.sleep(0.01)
        after = _cpu(ports)
        busy_s = time.perf_counter() - started
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        for c in clients:
            await c.aclose()
    for s in subscribers:
        await s.aclose()
    sent = per * publishers
    cpu = {p: max(0.0, after[p] - before[p] - idle[p] * busy_s) for p in ports}
    return {
        "command": command.upper(),
        "nodes": len(ports),
        "messages": sent,
        "delivered": received[0],
        "publishes_per_s": round(sent / elapsed),
        "redis_cpu_us_per_message": round(sum(cpu.values()) / sent * 1e6, 2),
        "cpu_share_per_node": [round(cpu[p] / max(sum(cpu.values()), 1e-9), 2) for p in ports],
    }


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    results = []
    common = {
        "instances": args.instances,
        "publishers": args.publishers,
        "messages": args.messages,
        "payload": args.payload_bytes,
    }
    with tempfile.TemporaryDirectory(prefix="turms-bus-bench-") as tmp:
        single = EmbeddedRedis(Path(tmp) / "single", tcp_port=free_port())
        single.start()
        try:
            r = await measure(single.url, [single.tcp_port], command="publish", **common)
            results.append({"deployment": "1 node", **r})
        finally:
            single.stop()
        with redis_cluster(Path(tmp) / "cluster", masters=args.shards) as cluster:
            client = connect(cluster.url)
            sharded = publish_command(client)
            await client.aclose()
            for command in (sharded, "publish"):
                r = await measure(cluster.url, cluster.ports, command=command, **common)
                results.append({"deployment": f"{args.shards} shards", **r})
    return results


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m turms.bench.bus", description=__doc__.split("\n\n")[0])
    p.add_argument("--shards", type=int, default=3, help="cluster masters")
    p.add_argument("--instances", type=int, default=24, help="subscribing worker instances (channels)")
    p.add_argument("--publishers", type=int, default=4, help="publishing clients (workers)")
    p.add_argument("--messages", type=int, default=40_000, help="messages per deployment")
    p.add_argument("--payload-bytes", type=int, default=200, help="bytes per message (a notification with header)")
    p.add_argument("--json", type=Path, help="also write the results here")
    args = p.parse_args(argv)
    results = asyncio.run(run(args))
    for r in results:
        sys.stdout.write(json.dumps(r) + "\n")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
