"""Sessions across hosts: two `turms serve` trees sharing one Redis and one SQLite store (issue 5)."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from turms.client import TurmsClient
from turms.gateway.login_policy import DeviceType, LoginConflictStrategy, SimultaneousLoginStrategy
from turms.protocol.framing import encode_frame
from turms.protocol.pb import request_user_pb2
from turms.protocol.pb.turms_request_pb2 import TurmsRequest
from turms.service.accounts import create_user
from turms.supervisor.embedded_redis import EmbeddedRedis

from integration_support import Server, running
from login_matrix import FORBIDDEN, conflicts
from session_support import host, login, set_live_settings, shared_store

pytestmark = pytest.mark.slow
D = DeviceType
ONE_FOR_ALL = SimultaneousLoginStrategy.ALLOW_ONE_DEVICE_FOR_ALL_DEVICE_TYPES_ONLINE
DISPLACE = LoginConflictStrategy.DISCONNECT_LOGGED_IN_DEVICES
_user_ids = itertools.count(1000)


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, redis_server: EmbeddedRedis
) -> Iterator[tuple[Server, Server, Path]]:
    tmp = tmp_path_factory.mktemp("cluster")
    sqlite = tmp / "shared.sqlite3"
    auth = {"gateway.auth.type": "none"}
    h1 = host(tmp, "h1", redis_server.url, sqlite, settings=auth)
    h2 = host(tmp, "h2", redis_server.url, sqlite, settings=auth)
    with running(h1), running(h2):

        async def ready() -> None:
            await asyncio.gather(h1.wait_ready(), h2.wait_ready())

        asyncio.run(ready())
        yield h1, h2, sqlite


async def statuses(client: TurmsClient, *user_ids: int) -> dict[int, tuple[int, set[int]]]:
    r = await client.request(
        "query_user_online_statuses_request", request_user_pb2.QueryUserOnlineStatusesRequest(user_ids=user_ids)
    )
    return {s.user_id: (s.user_status, set(s.device_types)) for s in r.data.user_online_statuses.statuses}


async def closed_with(client: TurmsClient, within_s: float = 5.0) -> int | None:
    await asyncio.wait_for(client.closed.wait(), within_s)
    return client.close_status


async def still_alive(client: TurmsClient) -> bool:
    try:
        await asyncio.wait_for(client.heartbeat(), 2)
    except (ConnectionError, TimeoutError):
        return False
    return not client.closed.is_set()


async def test_kick_routes_across_hosts(cluster: tuple[Server, Server, Path]) -> None:
    h1, h2, _ = cluster
    uid = next(_user_ids)
    first, _ = await login(h1.tcp_port, uid, D.DESKTOP)
    mobile, _ = await login(h1.tcp_port, uid, D.ANDROID)
    # The same device type on host 2 displaces host 1's desktop session: host 2 sends the kick for it.
    second, _ = await login(h2.tcp_port, uid, D.DESKTOP)
    assert await closed_with(first) == 501
    assert await still_alive(mobile)
    observer, _ = await login(h2.tcp_port, next(_user_ids), D.DESKTOP)
    assert (await statuses(observer, uid))[uid] == (0, {int(D.DESKTOP), int(D.ANDROID)})
    # Going offline from host 2 closes the session held on host 1.
    await second.request(
        "update_user_online_status_request",
        request_user_pb2.UpdateUserOnlineStatusRequest(user_status=1, device_types=[int(D.ANDROID)]),
    )
    assert await closed_with(mobile) == 500
    for c in (second, observer):
        await c.close()


async def set_login_policy(
    host: Server, sqlite: Path, strategy: SimultaneousLoginStrategy, conflict: LoginConflictStrategy
) -> None:
    """Set the cluster's multi-device policy live, as an admin would, and wait until every worker runs it."""
    async with shared_store(sqlite) as store:
        await set_live_settings(
            store,
            host.settings["redis.url"],
            {
                "gateway.simultaneous_login.strategy": strategy.value,
                "gateway.simultaneous_login.conflict_strategy": conflict.value,
            },
        )


async def test_an_abandoned_login_never_displaces_the_live_session(cluster: tuple[Server, Server, Path]) -> None:
    """A client gave up on a login (timeout, connection closed) before a stalled worker read it, and logged in
    elsewhere. When the worker comes back, it finds the login and the close together: the login must neither
    register nor close the session the client really uses."""
    h1, h2, sqlite = cluster
    await set_login_policy(h1, sqlite, ONE_FOR_ALL, DISPLACE)
    uid = next(_user_ids)
    live, _ = await login(h2.tcp_port, uid, D.DESKTOP)
    request = TurmsRequest(request_id=1)
    request.create_session_request.version = 1
    request.create_session_request.user_id = uid
    request.create_session_request.device_type = int(D.ANDROID)
    stalled = h1.worker_pids()
    for pid in stalled:
        os.kill(pid, signal.SIGSTOP)
    try:
        abandoned = socket.create_connection(("127.0.0.1", h1.tcp_port), timeout=5)
        abandoned.sendall(encode_frame(request.SerializeToString()))
        abandoned.shutdown(socket.SHUT_WR)
        await asyncio.sleep(0.2)
    finally:
        for pid in stalled:
            os.kill(pid, signal.SIGCONT)
    with abandoned:
        loop = asyncio.get_running_loop()
        while await loop.run_in_executor(None, abandoned.recv, 65536):
            pass  # whatever the worker answers (nothing, or OK followed by its own close): read to the end
    assert await still_alive(live)
    observer, _ = await login(h2.tcp_port, next(_user_ids), D.DESKTOP)
    assert (await statuses(observer, uid))[uid] == (0, {int(D.DESKTOP)})
    for c in (live, observer):
        await c.close()


CASES = list(itertools.product(SimultaneousLoginStrategy, LoginConflictStrategy))


@pytest.mark.parametrize(("strategy", "conflict"), CASES, ids=[f"{s.name}-{c.name}" for s, c in CASES])
async def test_login_policy_matrix(
    cluster: tuple[Server, Server, Path], strategy: SimultaneousLoginStrategy, conflict: LoginConflictStrategy
) -> None:
    h1, h2, sqlite = cluster
    await set_login_policy(h1, sqlite, strategy, conflict)
    allowed = [d for d in (D.DESKTOP, D.BROWSER, D.IOS, D.ANDROID) if d not in FORBIDDEN.get(strategy, set())]
    pairs = [(a, b) for a, b in itertools.product(allowed, allowed)]
    # Every ordered pair of allowed devices: the first logs in on host 1, the second on host 2.
    for a, b in pairs:
        uid = next(_user_ids)
        first, _ = await login(h1.tcp_port, uid, a)
        second, code = await login(h2.tcp_port, uid, b, expect_ok=False)
        if not conflicts(strategy, a, b):
            assert code == 1000, (a, b)
            assert await still_alive(first) and await still_alive(second), (a, b)
        elif conflict is LoginConflictStrategy.DISCONNECT_LOGGED_IN_DEVICES:
            assert code == 1000, (a, b)
            assert await closed_with(first) == 501, (a, b)
            assert await still_alive(second), (a, b)
        else:
            assert code == 2100, (a, b)
            assert await still_alive(first), (a, b)
        await first.close()
        await second.close()
    for device in FORBIDDEN.get(strategy, set()):
        client, code = await login(h2.tcp_port, next(_user_ids), device, expect_ok=False)
        assert code == 2013
        await client.close()


async def test_password_login_codes_and_no_secret_in_logs(tmp_path: Path, redis_server: EmbeddedRedis) -> None:
    sqlite = tmp_path / "s.sqlite3"
    server = host(tmp_path, "pw", redis_server.url, sqlite, workers=1)
    async with shared_store(sqlite) as store:
        now = datetime.now(UTC)
        await create_user(store, 7001, "right-horse-battery", now)
        await create_user(store, 7002, "x", now, active=False)
    with running(server):
        await server.wait_ready()
        ok, _ = await login(server.tcp_port, 7001, D.DESKTOP, password="right-horse-battery")
        for uid, password, expected in [
            (7001, "wrong-secret-1", 2011),
            (7999, "unknown-secret-2", 2011),
            (7002, "x", 2012),
        ]:
            client, code = await login(server.tcp_port, uid, D.ANDROID, password=password, expect_ok=False)
            assert code == expected, uid
            await client.close()
        await ok.close()
        log = server.log()
    for secret in ("right-horse-battery", "wrong-secret-1", "unknown-secret-2"):
        assert secret not in log


async def test_jwt_login(tmp_path: Path, redis_server: EmbeddedRedis) -> None:
    import jwt

    key = "k" * 48
    sqlite = tmp_path / "s.sqlite3"
    server = host(
        tmp_path,
        "jwt",
        redis_server.url,
        sqlite,
        workers=1,
        settings={"gateway.auth.type": "jwt", "gateway.auth.jwt.key": key},
    )
    async with shared_store(sqlite) as store:
        await create_user(store, 8001, None, datetime.now(UTC))
    now = int(time.time())
    good = jwt.encode({"sub": "8001", "exp": now + 60}, key, algorithm="HS256")
    cases = {
        "expired": jwt.encode({"sub": "8001", "exp": now - 120}, key, algorithm="HS256"),
        "forged": jwt.encode({"sub": "8001", "exp": now + 60}, "w" * 48, algorithm="HS256"),
        "alg-none": jwt.encode({"sub": "8001", "exp": now + 60}, None, algorithm="none"),  # type: ignore[arg-type]
        "no-exp": jwt.encode({"sub": "8001"}, key, algorithm="HS256"),
        "other-user": jwt.encode({"sub": "8002", "exp": now + 60}, key, algorithm="HS256"),
    }
    with running(server):
        await server.wait_ready()
        client, _ = await login(server.tcp_port, 8001, D.DESKTOP, password=good)
        await client.close()
        for name, token in cases.items():
            client, code = await login(server.tcp_port, 8001, D.IOS, password=token, expect_ok=False)
            assert code == 2011, name
            await client.close()
        log = server.log()
    for token in (good, *cases.values()):
        assert token not in log


async def test_killed_worker_sessions_expire(tmp_path: Path, redis_server: EmbeddedRedis) -> None:
    sqlite = tmp_path / "s.sqlite3"
    auth = {"gateway.auth.type": "none"}
    one = host(tmp_path, "one", redis_server.url, sqlite, workers=1, settings=auth)
    other = host(tmp_path, "other", redis_server.url, sqlite, workers=1, settings=auth)
    with running(one), running(other):
        await asyncio.gather(one.wait_ready(), other.wait_ready())
        uid, watcher_id = next(_user_ids), next(_user_ids)
        victim, _ = await login(one.tcp_port, uid, D.DESKTOP)
        watcher, _ = await login(other.tcp_port, watcher_id, D.DESKTOP)
        assert (await statuses(watcher, uid))[uid][0] == 0
        (worker,) = one.worker_pids()
        os.kill(worker, signal.SIGKILL)
        started = time.monotonic()
        while (await statuses(watcher, uid))[uid][0] != 1:
            assert time.monotonic() - started < 20, "the dead worker's session still shows online"
            await asyncio.sleep(0.2)
        # The same device type logs in again without meeting a conflict.
        again, code = await login(other.tcp_port, uid, D.DESKTOP)
        assert code == 1000
        assert await still_alive(watcher)
        for c in (victim, watcher, again):
            await c.close()


async def test_redis_restart_resubscribes_and_resyncs(tmp_path: Path) -> None:
    from testlib import free_port

    redis = EmbeddedRedis(tmp_path / "redis", tcp_port=free_port())
    redis.start()
    sqlite = tmp_path / "s.sqlite3"
    server = host(tmp_path, "h", redis.url, sqlite, settings={"gateway.auth.type": "none"})
    try:
        with running(server):
            await server.wait_ready()
            clients = [(await login(server.tcp_port, 9000 + i, D.DESKTOP))[0] for i in range(100)]
            resyncs: list[int] = []
            for i, c in enumerate(clients):
                c.on_notification(
                    lambda n, i=i: (
                        resyncs.append(i)
                        if n.custom_attributes and n.custom_attributes[0].string_value == "turms:resync"
                        else None
                    )
                )
            redis.kill()
            redis.start()
            started = time.monotonic()
            while len(set(resyncs)) < len(clients):
                assert time.monotonic() - started < 10, f"{len(set(resyncs))} of 100 sessions told to resync"
                await asyncio.sleep(0.05)
            # Routing works again: a login elsewhere for user 9000 kicks the session restored in the registry.
            newcomer, _ = await login(server.tcp_port, 9000, D.DESKTOP)
            assert await closed_with(clients[0]) == 501
            assert time.monotonic() - started < 15
            for c in [*clients, newcomer]:
                await c.close()
    finally:
        redis.stop()
