"""Local Redis deployments on loopback: a Redis Cluster of N masters started from ``redis-server`` processes.

Used by the routing-bus measurement (:mod:`turms.bench.bus`) and by the tests (tests/redis_topologies.py).
Nodes run with persistence off in a directory of the caller's; the context manager stops them.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import redis
from redis.crc import key_slot

from turms.supervisor.embedded_redis import EmbeddedRedis

SLOTS = 16384


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def wait(predicate: Callable[[], bool], within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while True:
        try:
            if predicate():
                return
        except redis.RedisError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {within_s} s")
        time.sleep(0.05)


@dataclass
class RedisCluster:
    nodes: list[EmbeddedRedis]

    @property
    def ports(self) -> list[int]:
        return [n.tcp_port for n in self.nodes]

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.ports)

    def client(self, port: int) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=port)

    def node_of(self, key: str) -> int:
        """The port of the node that owns ``key``'s slot."""
        slot = key_slot(key.encode())
        with contextlib.closing(self.client(self.ports[0])) as c:
            for first, last, owner, *_ in c.execute_command("CLUSTER", "SLOTS"):  # type: ignore[no-untyped-call]
                if first <= slot <= last:
                    return int(owner[1])
        raise AssertionError(f"no node owns slot {slot}")

    def flush(self) -> None:
        for port in self.ports:
            with contextlib.closing(self.client(port)) as c:
                c.flushall()


def _cluster_port() -> int:
    """A free port a cluster node accepts (at most 55535: the default bus port is the client port + 10000)."""
    while True:
        port = free_port()
        if port <= 55535:
            return port


@contextlib.contextmanager
def redis_cluster(directory: Path, masters: int = 3) -> Iterator[RedisCluster]:
    """``masters`` cluster nodes, each owning an equal range of the slots, joined and converged."""
    nodes = [
        EmbeddedRedis(
            directory / f"node{i}",
            tcp_port=_cluster_port(),
            extra_config={
                "cluster-enabled": "yes",
                "cluster-port": str(free_port()),  # the bus port, else the client port + 10000
                "cluster-config-file": str(directory / f"node{i}" / "nodes.conf"),
                "cluster-node-timeout": "2000",
            },
        )
        for i in range(masters)
    ]
    try:
        for node in nodes:
            node.start()
        cluster = RedisCluster(nodes)
        step = SLOTS // masters
        for i, port in enumerate(cluster.ports):
            first, last = i * step, (SLOTS - 1 if i == masters - 1 else (i + 1) * step - 1)
            with contextlib.closing(cluster.client(port)) as c:
                c.execute_command("CLUSTER", "ADDSLOTSRANGE", first, last)  # type: ignore[no-untyped-call]
        with contextlib.closing(cluster.client(cluster.ports[0])) as c:
            for node in nodes[1:]:
                bus_port = node.extra_config["cluster-port"]
                c.execute_command(  # type: ignore[no-untyped-call]
                    "CLUSTER", "MEET", "127.0.0.1", node.tcp_port, bus_port
                )

        def converged() -> bool:
            for port in cluster.ports:
                with contextlib.closing(cluster.client(port)) as c:
                    info = c.execute_command("CLUSTER", "INFO").decode()  # type: ignore[no-untyped-call]
                    if "cluster_state:ok" not in info or f"cluster_known_nodes:{masters}" not in info:
                        return False
            return True

        wait(converged, 20, "the cluster's convergence")
        yield cluster
    finally:
        for node in nodes:
            node.stop()
