"""Hosts that recover by themselves, on real processes: a server started (or a worker replaced) while Redis is
down waits for it with backoff and serves once it is back, instead of halting with exit 3; the supervisor feeds
systemd's watchdog from its loop."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from turms.supervisor.embedded_redis import EmbeddedRedis

from ferret_support import FerretDB
from integration_support import Server, TcpClient, running
from testlib import free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

#: Settings that keep the outage short to observe: one Redis attempt of 0.5 s per boot, retries every
#: 0.5, 1, 1 … s.
FAST_RETRY = {
    "redis.connect_timeout_s": "0.5",
    "server.datastore_retry_max_s": "1",
    "server.worker_boot_timeout_s": "10",
}


async def _until(predicate: Callable[[], bool], within: float, what: str, server: Server) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        assert server.proc is not None
        assert server.proc.poll() is None, (
            f"server exited with {server.proc.returncode} waiting for {what}:\n{server.log()}"
        )
        assert time.monotonic() < deadline, f"no {what} within {within} s:\n{server.log()}"
        await asyncio.sleep(0.05)


async def _heartbeat(port: int) -> None:
    client = await TcpClient.connect(port)
    try:
        client.send_raw(b"\x00")
        assert await client.recv(5.0) == b""
    finally:
        await client.close()


def _redis(tmp: Path, port: int) -> EmbeddedRedis:
    return EmbeddedRedis(tmp / f"redis-{port}", tcp_port=port)


async def test_a_server_started_during_a_redis_outage_serves_once_redis_is_back(tmp_path: Path) -> None:
    """A host that boots while its Redis is down: no exit 3, retries with backoff, STATUS= says why and the
    start timeout is extended; when Redis comes up the server becomes READY with every worker."""
    port = free_port()
    settings = {"redis.url": f"redis://127.0.0.1:{port}/0", **FAST_RETRY}
    redis = _redis(tmp_path, port)
    with running(Server(tmp_path, workers=2, settings=settings)) as server:
        await _until(lambda: server.log().count("waiting for them, next attempt") >= 3, 30, "3 attempts", server)
        assert server.notify.count("READY=1") == 0
        messages = "\n".join(server.notify.poll())
        assert "EXTEND_TIMEOUT_USEC=" in messages
        assert "STATUS=waiting for the datastores" in messages
        assert f"127.0.0.1:{port}" in messages  # the cause names the Redis it waits for
        log = server.log()
        assert "halting" not in log
        # One probe at a time: at most one worker process is alive while the datastores are down.
        assert len(server.worker_pids()) <= 1

        redis.start()
        try:
            await server.wait_ready(within=20)
            assert "the datastores answer again" in server.log()
            await _until(lambda: len(server.worker_pids()) == 2, 10, "both workers", server)
            await _heartbeat(server.tcp_port)
            server.signal(signal.SIGTERM)
            assert await server.wait_exit(30) == 0, server.log()
        finally:
            redis.stop()


@pytest.mark.mongo
async def test_a_server_started_while_mongodb_is_down_serves_once_it_is_up(tmp_path: Path) -> None:
    """The store's side of the same recovery: the MongoDB deployment (FerretDB here) is not up when the host
    starts; the workers report it unreachable, the supervisor waits, and the server is READY once it is."""
    port = free_port()
    settings = {
        "storage.mongo.uri": f"mongodb://127.0.0.1:{port}/",
        "storage.mongo.database": "recovery_test",
        "storage.mongo.server_selection_timeout_ms": "500",
        **FAST_RETRY,
    }
    with running(Server(tmp_path, workers=2, settings=settings)) as server:
        await _until(lambda: server.log().count("waiting for them, next attempt") >= 2, 40, "2 attempts", server)
        assert server.notify.count("READY=1") == 0
        assert "mongodb unreachable" in server.log()
        ferret = FerretDB(tmp_path / "ferretdb", port=port).start()
        try:
            await server.wait_ready(within=40)
            await _until(lambda: len(server.worker_pids()) == 2, 10, "both workers", server)
            await _heartbeat(server.tcp_port)
            server.signal(signal.SIGTERM)
            assert await server.wait_exit(30) == 0, server.log()
        finally:
            ferret.stop()


async def test_a_worker_replaced_during_a_redis_outage_waits_instead_of_halting(tmp_path: Path) -> None:
    """While serving: Redis goes away and a worker dies. Its replacement cannot boot; the supervisor keeps
    the other worker, retries with backoff, and is back to two workers once Redis returns."""
    port = free_port()
    redis = _redis(tmp_path, port)
    redis.start()
    settings = {"redis.url": f"redis://127.0.0.1:{port}/0", **FAST_RETRY}
    try:
        with running(Server(tmp_path, workers=2, settings=settings)) as server:
            await server.wait_ready()
            survivor, victim = sorted(server.worker_pids())
            redis.kill()
            os.kill(victim, signal.SIGKILL)
            await _until(lambda: server.log().count("waiting for them, next attempt") >= 2, 30, "retries", server)
            assert "halting" not in server.log()
            assert survivor in server.worker_pids()

            redis.start()
            await _until(lambda: "the datastores answer again" in server.log(), 20, "the recovery", server)
            await _until(lambda: len(server.worker_pids()) == 2, 10, "two workers", server)
            await _heartbeat(server.tcp_port)
            server.signal(signal.SIGTERM)
            assert await server.wait_exit(30) == 0, server.log()
    finally:
        redis.stop()


async def test_a_boot_failure_that_retrying_cannot_fix_still_halts(tmp_path: Path) -> None:
    """The datastore wait does not swallow real boot failures: a malformed Redis URL halts with exit 3."""
    settings = {"redis.url": "redis://127.0.0.1:notaport/0", **FAST_RETRY}
    with running(Server(tmp_path, workers=1, settings=settings)) as server:
        code = await server.wait_exit(30)
        log = server.log()
        assert code == 3, log
        assert "invalid Redis URL" in log and "waiting for them" not in log


async def test_the_supervisor_feeds_the_systemd_watchdog(tmp_path: Path) -> None:
    """With WATCHDOG_USEC (what WatchdogSec= sets), WATCHDOG=1 arrives every half interval from the
    supervisor, the process systemd names in WATCHDOG_PID."""
    server = Server(tmp_path, workers=1, env={"WATCHDOG_USEC": "400000"})
    with running(server):
        await server.wait_ready()
        first = server.notify.count("WATCHDOG=1")
        await asyncio.sleep(1.5)
        fed = server.notify.count("WATCHDOG=1") - first
        # One every 0.2 s: 7 in 1.5 s; 3 leaves room for a loaded machine, 0 would be a dead watchdog.
        assert fed >= 3, server.notify.poll()
        server.signal(signal.SIGTERM)
        assert await server.wait_exit(30) == 0


async def test_the_health_listener_answers_health_alone(tmp_path: Path) -> None:
    """health.http.*: the load balancer's check reaches /health on its own port (200 when ready) and nothing
    else there; the admin API stays where it was."""
    port = free_port()
    server = Server(
        tmp_path,
        workers=1,
        settings={"health.http.enabled": "true", "health.http.host": "127.0.0.1", "health.http.port": str(port)},
    )
    with running(server):
        await server.wait_ready()
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/health") as resp:
                body = await resp.json()
                assert resp.status == 200 and body["ready"] is True, body
            for path in ("/metrics", "/openapi.json", "/admins"):
                async with http.get(f"http://127.0.0.1:{port}{path}") as resp:
                    assert resp.status == 404, path
            async with http.get(f"http://127.0.0.1:{server.admin_port}/metrics") as resp:
                assert resp.status == 200
        server.signal(signal.SIGTERM)
        assert await server.wait_exit(30) == 0
