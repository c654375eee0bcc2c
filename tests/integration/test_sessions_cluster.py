"""Sessions across hosts: two `turms serve` trees sharing one Redis and one SQLite store (issue 5)."""

from __future__ import annotations

import asyncio
import functools
import itertools
import os
import signal
import socket
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from user_rel_support import Member, settle
from user_rel_support import connect as connect_on_worker

from turms.client import TurmsClient
from turms.gateway.local import RESYNC_MARKER
from turms.gateway.login_policy import DeviceType, LoginConflictStrategy, SimultaneousLoginStrategy
from turms.protocol.framing import encode_frame
from turms.protocol.pb import request_message_pb2, request_user_pb2
from turms.protocol.pb.turms_request_pb2 import TurmsRequest
from turms.service.accounts import create_user
from turms.supervisor.embedded_redis import EmbeddedRedis

from integration_support import Server, running
from login_matrix import FORBIDDEN, conflicts
from messaging_support import make_group
from session_support import host, login, set_live_settings, shared_store
from testlib import free_port

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
    # The worker closes the socket at the EOF, without waiting for the login it is still handling; when that
    # login reached the registry before it saw the close, its undo follows one Redis round trip later (and
    # gives the live session its place back). So the registry is read until it settles.
    observer, _ = await login(h2.tcp_port, next(_user_ids), D.DESKTOP)
    deadline = time.monotonic() + 5
    while (seen := (await statuses(observer, uid))[uid]) != (0, {int(D.DESKTOP)}) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    assert seen == (0, {int(D.DESKTOP)})
    assert await still_alive(live)  # and it was never told to leave
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


def pushed(member: Member) -> Counter[tuple[int, str, str]]:
    """What ``member`` was pushed, as (requester, relayed kind, text or friend-request content) with counts."""
    out: Counter[tuple[int, str, str]] = Counter()
    for n in member.pushes:
        kind = str(n.relayed_request.WhichOneof("kind"))
        body = getattr(n.relayed_request, kind)
        out[(n.requester_id, kind, body.content if kind == "create_friend_request_request" else body.text)] += 1
    return out


async def on_every_worker(server: Server, user_id: int) -> list[Member]:
    """``user_id`` logged in once on each worker of ``server``, with a different device type on each."""
    devices = (D.DESKTOP, D.ANDROID, D.BROWSER, D.IOS)
    pids = sorted(server.worker_pids())
    return [
        await connect_on_worker(server.tcp_port, user_id, device=int(devices[i]), on_worker=pid)
        for i, pid in enumerate(pids)
    ]


@pytest.mark.parametrize("workers", [1, 2], ids=["1-worker-per-host", "2-workers-per-host"])
async def test_pushes_for_a_user_reach_them_across_hosts(tmp_path: Path, workers: int) -> None:
    """Issue 5's first acceptance test: two `turms serve` trees on different ports share one Redis and one
    store; what user B sends user A from host 2 reaches A on host 1, exactly once on each of A's sessions (one
    per worker of host 1). B sends from each worker of host 2 in turn; B's other sessions get B's sends too
    (Turms's multi-device defaults), and nobody gets anything twice."""
    redis = EmbeddedRedis(tmp_path / "redis", tcp_port=free_port())
    redis.start()
    sqlite = tmp_path / "s.sqlite3"
    auth = {"gateway.auth.type": "none"}
    h1 = host(tmp_path, "h1", redis.url, sqlite, workers=workers, settings=auth)
    h2 = host(tmp_path, "h2", redis.url, sqlite, workers=workers, settings=auth)
    try:
        with running(h1), running(h2):
            await asyncio.gather(h1.wait_ready(), h2.wait_ready())
            a_id, b_id = next(_user_ids), next(_user_ids)
            a, b = await on_every_worker(h1, a_id), await on_every_worker(h2, b_id)
            assert len(a) == len(b) == workers
            assert {m.pid for m in a} == h1.worker_pids() and {m.pid for m in b} == h2.worker_pids()
            sent_by: list[list[tuple[int, str, str]]] = [[] for _ in b]
            for i in range(6):
                j = i % len(b)
                text = f"from host 2, worker {j}: {i}"
                await b[j].client.request(
                    "create_message_request", request_message_pb2.CreateMessageRequest(recipient_id=a_id, text=text)
                )
                sent_by[j].append((b_id, "create_message_request", text))
            await b[0].rel.send_friend_request(a_id, "befriend me from host 2")
            sent_by[0].append((b_id, "create_friend_request_request", "befriend me from host 2"))
            everything = Counter(p for sent in sent_by for p in sent)
            deadline = time.monotonic() + 5
            while any(pushed(m) != everything for m in a):
                assert time.monotonic() < deadline, [pushed(m) for m in a]
                await asyncio.sleep(0.02)
            await settle(*a, *b)  # then nothing more arrives: no duplicate, no stray push
            for m in a:
                assert pushed(m) == everything, m.pid
            for j, m in enumerate(b):
                assert pushed(m) == Counter(p for k, sent in enumerate(sent_by) if k != j for p in sent), j
            for m in (*a, *b):
                await m.client.close()
    finally:
        redis.stop()


async def test_redis_restart_resubscribes_resyncs_and_pushes_within_5_s(tmp_path: Path) -> None:
    """Issue 5's Redis-restart acceptance test. 100 sessions spread over both workers of a host; Redis is
    killed and started again, empty. Within 5 s of Redis accepting connections again every session has been
    told to resync (which each worker does only once it re-subscribed and wrote its sessions back into the
    registry), and a group message sent then to all 100 users has been pushed to the other 99, once each."""
    redis = EmbeddedRedis(tmp_path / "redis", tcp_port=free_port())
    redis.start()
    sqlite = tmp_path / "s.sqlite3"
    user_ids = [next(_user_ids) for _ in range(100)]
    group_id = next(_user_ids)
    async with shared_store(sqlite) as store:
        await make_group(store, group_id, user_ids)
    server = host(tmp_path, "h", redis.url, sqlite, workers=2, settings={"gateway.auth.type": "none"})
    text = "the first push after the restart"
    try:
        with running(server):
            await server.wait_ready()
            members = [await connect_on_worker(server.tcp_port, uid) for uid in user_ids]
            per_worker = Counter(m.pid for m in members)
            assert set(per_worker) == server.worker_pids() and len(per_worker) == 2, per_worker
            resynced: dict[int, float] = {}
            received: dict[int, float] = {}

            def observe(uid: int, n: Any) -> None:
                if n.custom_attributes and n.custom_attributes[0].string_value == RESYNC_MARKER:
                    resynced.setdefault(uid, time.monotonic())
                elif n.relayed_request.create_message_request.text == text:
                    received.setdefault(uid, time.monotonic())

            for m in members:
                m.client.on_notification(functools.partial(observe, m.id))
            killed = time.monotonic()
            redis.kill()
            redis.start()  # returns once the new server answers PING
            accepting = time.monotonic()
            deadline = accepting + 5.0
            while len(resynced) < len(members):
                missing = Counter(m.pid for m in members if m.id not in resynced)
                assert time.monotonic() < deadline, f"not told to resync within 5 s, per worker: {missing}"
                await asyncio.sleep(0.01)
            sender, *recipients = members
            await sender.client.request(
                "create_message_request", request_message_pb2.CreateMessageRequest(group_id=group_id, text=text)
            )
            while len(received) < len(recipients):
                missing = Counter(m.pid for m in recipients if m.id not in received)
                assert time.monotonic() < deadline, f"not pushed within 5 s, per worker: {missing}"
                await asyncio.sleep(0.01)
            await settle(*members)
            copies = Counter(
                m.id for m in members for n in m.pushes if n.relayed_request.create_message_request.text == text
            )
            assert copies == Counter(m.id for m in recipients)  # once each, and not to the sending session
            print(
                f"\nRedis down {accepting - killed:.2f} s; after it accepted connections: every session told to "
                f"resync in {max(resynced.values()) - accepting:.2f} s, the group message pushed to all "
                f"{len(recipients)} recipients in {max(received.values()) - accepting:.2f} s; sessions per worker: "
                f"{sorted(per_worker.values())}"
            )
            for m in members:
                await m.client.close()
    finally:
        redis.stop()
