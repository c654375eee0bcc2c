"""Helpers of the test_groups_*.py integration tests (this module holds no tests).

A 2-worker server with the group types the tests use; sessions pinned to a chosen worker (so pushes cross the
routing bus); a raw request helper that returns the response code and data; and an exact check of who
received which push.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from user_rel_support import worker_pid

from turms.client import ResponseError, TurmsClient
from turms.protocol.pb import turms_request_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.group import group_types
from turms.service.group.model import InvitationStrategy, JoinStrategy
from turms.storage.port import Store

from integration_support import Server, running
from session_support import shared_store

#: Group types of the module's server (0 is the default type: invitations needing approval, 500 members).
DIRECT = 1  # owners and managers add members directly; anyone may join directly; at most 5 members
BY_REQUEST = 2  # join by a join request
BY_QUESTION = 3  # join by answering questions
#: A user role that may own 2 groups, 1 of them of the DIRECT type, and create no BY_REQUEST group.
LIMITED_ROLE = 9

OK = int(Code.OK)
NO_CONTENT = int(Code.NO_CONTENT)
UP_TO_DATE = int(Code.ALREADY_UP_TO_DATE)


async def _prepare(data_dir: Path) -> None:
    async with shared_store(data_dir / "turms.sqlite3") as store:
        await group_types.create_type(
            store,
            DIRECT,
            "direct",
            size_limit=5,
            invitation_strategy=InvitationStrategy.OWNER_MANAGER,
            join_strategy=JoinStrategy.MEMBERSHIP_REQUEST,
        )
        await group_types.create_type(store, BY_REQUEST, "by-request", join_strategy=JoinStrategy.JOIN_REQUEST)
        await group_types.create_type(store, BY_QUESTION, "by-question", join_strategy=JoinStrategy.QUESTION)
        await store.insert_one("userRole", {"_id": 0, "cgtid": [0, DIRECT, BY_REQUEST, BY_QUESTION]})
        await store.insert_one(
            "userRole", {"_id": LIMITED_ROLE, "cgtid": [0, DIRECT], "ogl": 2, "gtl": {str(DIRECT): 1}}
        )


def start_server(tmp: Path) -> Iterator[Server]:
    """The body of a module-scoped ``server`` fixture: 2 workers, no passwords, recall by sender enabled."""
    srv = Server(
        tmp,
        workers=2,
        settings={
            "gateway.auth.type": "none",
            "service.group.invitation.allow_recall_by_sender": "true",
            "service.group.join_request.allow_recall_by_sender": "true",
        },
    )
    with running(srv):
        asyncio.run(srv.wait_ready())
        asyncio.run(_prepare(srv.data_dir))
        yield srv


class Session:
    """One logged-in client (a user on one device type) on a known worker, with the pushes it received."""

    def __init__(self, name: str, uid: int, client: TurmsClient, pid: int) -> None:
        self.name, self.id, self.client, self.pid = name, uid, client, pid
        self.pushes: list[Any] = []  # since the last Cast.pushes()
        self.log: list[Any] = []  # all of them
        client.on_notification(self._on_notification)

    def _on_notification(self, n: Any) -> None:
        if n.HasField("relayed_request"):
            self.pushes.append(n)
            self.log.append(n)

    def last(self, kind: str) -> Any:
        """The last push relaying a request of ``kind`` (the notification)."""
        return next(n for n in reversed(self.log) if n.relayed_request.WhichOneof("kind") == kind)

    def take(self) -> list[str]:
        kinds = sorted(str(n.relayed_request.WhichOneof("kind")) for n in self.pushes)
        self.pushes.clear()
        return kinds

    def __repr__(self) -> str:
        return f"<{self.name} {self.id} on {self.pid}>"


class Cast:
    """The sessions of one test. Users get fresh ids; each session sits on the worker the test names."""

    def __init__(self, server: Server, ids: Iterator[int]) -> None:
        self.server = server
        self.ids = ids
        self.pids = sorted(server.worker_pids())
        assert len(self.pids) == 2
        self.sessions: list[Session] = []

    async def user(self, name: str, *, worker: int, uid: int | None = None, device: int = 0) -> Session:
        """Log a user (``uid``: another device of that user) in on worker 0 or 1."""
        uid = next(self.ids) if uid is None else uid
        for _ in range(64):  # the kernel picks the worker (SO_REUSEPORT): reconnect until it is the one
            client = TurmsClient(
                "127.0.0.1", self.server.tcp_port, reconnect=False, heartbeat_interval_s=0, request_timeout_s=10
            )
            await client.connect()
            pid = await worker_pid(client)
            if pid == self.pids[worker]:
                await client.login(uid, device_type=device)
                session = Session(name, uid, client, pid)
                self.sessions.append(session)
                return session
            await client.close()
        raise AssertionError(f"never connected to worker {worker}")

    async def pushes(self, **expected: list[str]) -> None:
        """Assert who received which pushes since the last call: exactly ``expected`` (session name → push
        kinds), nothing for every other session of this test. Waits for the expected pushes (they cross
        workers through Redis), then for quiet, so a late extra push is caught too."""

        def missing() -> bool:
            return any(len(s.pushes) < len(expected.get(s.name, ())) for s in self.sessions)

        deadline = time.monotonic() + 5
        while missing() and time.monotonic() < deadline:  # noqa: ASYNC110 (pushes arrive from other processes)
            await asyncio.sleep(0.01)
        await self._quiet()
        got = {s.name: s.take() for s in self.sessions if s.pushes}
        assert got == {name: sorted(kinds) for name, kinds in expected.items() if kinds}

    async def drain(self) -> None:
        """Forget the pushes of a setup step (waits for quiet first)."""
        await self._quiet()
        for s in self.sessions:
            s.pushes.clear()

    async def _quiet(self, quiet_s: float = 0.25) -> None:
        while True:
            before = [len(s.pushes) for s in self.sessions]
            await asyncio.sleep(quiet_s)
            if before == [len(s.pushes) for s in self.sessions]:
                return

    async def close(self) -> None:
        await asyncio.gather(*(s.client.close() for s in self.sessions), return_exceptions=True)


async def call(session: Session, kind: str, **fields: Any) -> tuple[int, Any]:
    """Send one request of ``kind``; its response code and data (None when refused)."""
    body = type(getattr(turms_request_pb2.TurmsRequest(), kind))()
    for name, value in fields.items():
        target = getattr(body, name)
        if isinstance(value, list):
            target.extend(value)
        elif isinstance(value, dict):
            target.update(value)
        else:
            setattr(body, name, value)
    try:
        n = await session.client.request(kind, body)
    except ResponseError as e:
        return e.raw_code, None
    return int(n.code), n.data


async def code_of(session: Session, kind: str, **fields: Any) -> int:
    """Send one request of ``kind``; its response code."""
    return (await call(session, kind, **fields))[0]


async def ok(session: Session, kind: str, **fields: Any) -> Any:
    """Send one request that must succeed with OK; its data."""
    code, data = await call(session, kind, **fields)
    assert code == OK, f"{kind} by {session}: {code}"
    return data


async def add_members(store: Store, group_id: int, roles: dict[int, int]) -> None:
    """Write members straight to the store (setup that is not under test; no pushes)."""
    now = datetime.now(UTC)
    await store.insert_many(
        "groupMember", [{"_id": {"gid": group_id, "uid": uid}, "role": role, "jd": now} for uid, role in roles.items()]
    )


async def member_roles(store: Store, group_id: int) -> dict[int, int]:
    """The stored members of a group: user id → role."""
    docs = await store.find("groupMember", {"_id.gid": group_id})
    return {int(d["_id"]["uid"]): int(d["role"]) for d in docs}


def ms(date: Any) -> int:
    """A stored date as the epoch milliseconds the protocol carries."""
    return int(date.timestamp() * 1000)
