"""A 2,000-member group, every member online across 2 workers (each worker holds some of the sessions, as
recorded at connection): one group update push reaches every member session exactly once (counted by the
receiving clients). Above ``service.group.broadcast_member_threshold`` the push is one broadcast to every
worker instead of 2,000 registry lookups."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from user_rel_support import worker_pid

from turms.client import TurmsClient
from turms.client.group import GroupService
from turms.client.message import MessageService
from turms.service.group.model import Role

from integration_support import Server, running
from session_support import shared_store

pytestmark = pytest.mark.slow
MEMBERS = 2000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("fanout"), workers=2, settings={"gateway.auth.type": "none"})
    with running(srv):
        asyncio.run(srv.wait_ready())
        yield srv


async def test_one_push_reaches_2000_members_exactly_once(server: Server) -> None:
    owner = TurmsClient("127.0.0.1", server.tcp_port, reconnect=False, heartbeat_interval_s=0)
    await owner.connect()
    await owner.login(1)
    gid = await GroupService(owner).create_group("big")
    member_ids = list(range(100_000, 100_000 + MEMBERS))
    # Members are written straight to the store: this test is about fan-out, not 2,000 invitations.
    async with shared_store(server.data_dir / "turms.sqlite3") as store:
        now = datetime.now(UTC)
        await store.insert_many(
            "groupMember", [{"_id": {"gid": gid, "uid": u}, "role": int(Role.MEMBER), "jd": now} for u in member_ids]
        )
    received: Counter[int] = Counter()
    per_worker: Counter[int] = Counter()  # worker pid → member sessions it holds
    messages: Counter[int] = Counter()
    clients: list[TurmsClient] = []
    gate = asyncio.Semaphore(100)

    async def connect(uid: int) -> None:
        async with gate:
            c = TurmsClient("127.0.0.1", server.tcp_port, reconnect=False, heartbeat_interval_s=0, request_timeout_s=30)
            await c.connect()
            per_worker[await worker_pid(c)] += 1  # asked before login: the gateway names its worker
            await c.login(uid)

            def count(n: object, uid: int = uid) -> None:
                relayed = getattr(n, "relayed_request", None)
                kind = relayed.WhichOneof("kind") if relayed is not None else None
                if kind == "update_group_request":
                    received[uid] += 1
                elif kind == "create_message_request":
                    messages[uid] += 1

            c.on_notification(count)
            clients.append(c)

    try:
        started = time.monotonic()
        await asyncio.gather(*(connect(u) for u in member_ids))
        login_s = time.monotonic() - started
        # SO_REUSEPORT spreads the 2,000 connections over both workers (all on one: about 2**-2000), so the
        # pushes below are delivered by both: each worker must hold member sessions.
        workers = server.worker_pids()
        assert len(workers) == 2 and set(per_worker) == workers, (per_worker, workers)
        assert sum(per_worker.values()) == MEMBERS and min(per_worker.values()) > 0
        sent = time.monotonic()
        await GroupService(owner).update_group(gid, announcement="hello, everyone")
        deadline = time.monotonic() + 30
        while sum(received.values()) < MEMBERS and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        delivered_s = time.monotonic() - sent
        await asyncio.sleep(0.5)  # any duplicate would arrive by now
        assert len(received) == MEMBERS, f"{MEMBERS - len(received)} members got nothing"
        assert set(received.values()) == {1}, "some member got the push more than once"
        # And one group message: stored once, pushed to every member exactly once.
        sent = time.monotonic()
        await MessageService(owner, 1).send_group(gid, "hello, 2,000 members")
        deadline = time.monotonic() + 30
        while sum(messages.values()) < MEMBERS and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        message_s = time.monotonic() - sent
        await asyncio.sleep(0.5)
        assert len(messages) == MEMBERS, f"{MEMBERS - len(messages)} members got no message"
        assert set(messages.values()) == {1}, "some member got the message more than once"
        print(
            f"\n2,000 logins in {login_s:.2f} s (sessions per worker: {sorted(per_worker.values())}); "
            f"push delivered to all in {delivered_s:.3f} s; message in {message_s:.3f} s"
        )
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        await owner.close()
