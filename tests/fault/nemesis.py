"""The nemesis: injects one fault at a time into a running server, on a seeded schedule.

Faults (each one ends healed, so the run's final check sees a working system):

* ``kill_worker``: ``kill -9`` a random worker (the supervisor respawns it);
* ``pause_worker``: ``SIGSTOP`` a random worker for 3 s, then ``SIGCONT``;
* ``restart_redis``: kill the Redis the servers use and start it again, empty, on the same port;
* ``blackhole_redis``: the in-process proxy between the servers and Redis forwards nothing for 5 s;
* ``drop_acks``: the proxy between the clients and the server drops 10 % of message acks for 5 s (clients
  time out and retry with the same idempotency key);
* ``lock_sqlite``: hold the SQLite write lock (``BEGIN IMMEDIATE``) for 2 s from the test process;
* ``pause_store``: on MongoDB, ``SIGSTOP`` the database server (FerretDB) for 2 s instead.

Faults run in rounds: every round is a seeded shuffle of the enabled faults, so a short run still injects each
kind once. Every action is logged with its time and target so a failing run can be replayed from its seed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from turms.supervisor.embedded_redis import EmbeddedRedis

from integration_support import Server, running
from proxy import FaultProxy, drop_fraction_of_acks

ALL_FAULTS = ("kill_worker", "pause_worker", "restart_redis", "blackhole_redis", "drop_acks", "lock_sqlite")
MONGO_FAULTS = ("kill_worker", "pause_worker", "restart_redis", "blackhole_redis", "drop_acks", "pause_store")


def hold_sqlite_write_lock(path: Path, seconds: float) -> None:
    """Take the database's write lock and keep it (blocking: run it in a thread)."""
    conn = sqlite3.connect(str(path), timeout=10, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        time.sleep(seconds)
        conn.execute("ROLLBACK")
    finally:
        conn.close()


@dataclass
class Nemesis:
    rng: random.Random
    server: Server
    redis: EmbeddedRedis | None = None
    redis_proxy: FaultProxy | None = None
    client_proxy: FaultProxy | None = None
    sqlite_path: Path | None = None
    faults: tuple[str, ...] = ALL_FAULTS
    #: Calm between two faults (seconds, uniform).
    gap_s: tuple[float, float] = (1.0, 2.5)
    pause_s: float = 3.0
    blackhole_s: float = 5.0
    drop_acks_s: float = 5.0
    drop_fraction: float = 0.1
    lock_s: float = 2.0
    #: The MongoDB-protocol server's pid, for ``pause_store`` (the analogue of ``lock_sqlite``).
    store_pid: int | None = None
    counts: Counter[str] = field(default_factory=Counter)
    #: Completed rounds (each enabled fault once).
    rounds: int = 0
    #: Set once every enabled fault has been injected at least once.
    round_done: asyncio.Event = field(default_factory=asyncio.Event)
    events: list[str] = field(default_factory=list)
    _t0: float = field(default_factory=time.monotonic)

    def _record(self, fault: str, detail: str) -> None:
        self.counts[fault] += 1
        line = f"{time.monotonic() - self._t0:7.2f}s {fault} {detail}"
        self.events.append(line)
        print(f"nemesis: {line}", flush=True)

    def _actions(self) -> dict[str, Callable[[], Awaitable[None]]]:
        return {
            "kill_worker": self.kill_worker,
            "pause_worker": self.pause_worker,
            "restart_redis": self.restart_redis,
            "blackhole_redis": self.blackhole_redis,
            "drop_acks": self.drop_acks,
            "lock_sqlite": self.lock_sqlite,
            "pause_store": self.pause_store,
        }

    async def run(self, stop: asyncio.Event) -> None:
        """Inject faults until ``stop`` is set; the fault in progress finishes (and heals) first."""
        actions = self._actions()
        while not stop.is_set():
            round_ = list(self.faults)
            self.rng.shuffle(round_)
            for name in round_:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.rng.uniform(*self.gap_s))
                if stop.is_set():
                    return
                await actions[name]()
            self.rounds += 1
            self.round_done.set()

    # -- faults -----------------------------------------------------------------------------------------

    def _worker(self) -> int | None:
        pids = sorted(self.server.worker_pids())
        return self.rng.choice(pids) if pids else None

    async def kill_worker(self) -> None:
        pid = self._worker()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self._record("kill_worker", f"pid {pid}")

    async def pause_worker(self) -> None:
        pid = self._worker()
        if pid is None:
            return
        self._record("pause_worker", f"pid {pid} for {self.pause_s} s")
        try:
            os.kill(pid, signal.SIGSTOP)
            await asyncio.sleep(self.pause_s)
        except ProcessLookupError:
            pass
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    async def restart_redis(self) -> None:
        assert self.redis is not None
        self._record("restart_redis", f"pid {self.redis.pid}")
        redis = self.redis

        def restart() -> None:
            redis.kill()
            redis.start()

        await asyncio.to_thread(restart)

    async def blackhole_redis(self) -> None:
        assert self.redis_proxy is not None
        self._record("blackhole_redis", f"for {self.blackhole_s} s")
        await self.redis_proxy.blackhole_for(self.blackhole_s)

    async def drop_acks(self) -> None:
        assert self.client_proxy is not None
        before = self.client_proxy.dropped
        self.client_proxy.frame_filter = drop_fraction_of_acks(self.drop_fraction, self.rng)
        try:
            await asyncio.sleep(self.drop_acks_s)
        finally:
            self.client_proxy.frame_filter = None
        self._record("drop_acks", f"{self.client_proxy.dropped - before} acks dropped in {self.drop_acks_s} s")

    async def lock_sqlite(self) -> None:
        assert self.sqlite_path is not None
        self._record("lock_sqlite", f"for {self.lock_s} s")
        await asyncio.to_thread(hold_sqlite_write_lock, self.sqlite_path, self.lock_s)

    async def pause_store(self) -> None:
        assert self.store_pid is not None
        self._record("pause_store", f"pid {self.store_pid} for {self.lock_s} s")
        os.kill(self.store_pid, signal.SIGSTOP)
        try:
            await asyncio.sleep(self.lock_s)
        finally:
            os.kill(self.store_pid, signal.SIGCONT)

    def summary(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())) or "none"


@dataclass
class FaultyServer:
    """A 2-worker server whose Redis and clients are both behind fault proxies (see :func:`faulty_server`)."""

    server: Server
    redis: EmbeddedRedis
    redis_proxy: FaultProxy
    client_proxy: FaultProxy

    @property
    def client_port(self) -> int:
        return self.client_proxy.port

    def nemesis(self, rng: random.Random, **kw: object) -> Nemesis:
        sqlite_path = self.server.data_dir / "turms.sqlite3"
        return Nemesis(
            rng,
            self.server,
            redis=self.redis,
            redis_proxy=self.redis_proxy,
            client_proxy=self.client_proxy,
            sqlite_path=sqlite_path if sqlite_path.exists() else None,
            **kw,  # type: ignore[arg-type]
        )


@contextlib.asynccontextmanager
async def faulty_server(
    tmp_path: Path, settings: dict[str, str], redis_config: dict[str, str] | None = None
) -> AsyncIterator[FaultyServer]:
    """Redis (a TCP port of its own) ← proxy ← ``turms serve`` (2 workers) ← framed proxy ← clients."""
    from testlib import free_port

    redis = EmbeddedRedis(tmp_path / "redis", tcp_port=free_port(), extra_config=redis_config)
    redis.start()
    redis_proxy = FaultProxy("127.0.0.1", redis.tcp_port)
    await redis_proxy.start()
    server = Server(tmp_path, workers=2, settings={**settings, "redis.url": f"redis://127.0.0.1:{redis_proxy.port}/0"})
    client_proxy: FaultProxy | None = None
    try:
        with running(server):
            await server.wait_ready()
            client_proxy = FaultProxy("127.0.0.1", server.tcp_port, framed=True)
            await client_proxy.start()
            yield FaultyServer(server, redis, redis_proxy, client_proxy)
    finally:
        if client_proxy is not None:
            await client_proxy.stop()
        await redis_proxy.stop()
        redis.stop()
