"""Shared helpers of the users and relationships integration tests: clients pinned to a worker, push capture."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from turms.client import ResponseError, TurmsClient
from turms.client.relationship import RelationshipService
from turms.client.user import UserService
from turms.protocol.pb import request_relationship_pb2
from turms.protocol.status import ResponseStatusCode as Code

_PID = re.compile(r"\[worker (\d+)\]")


class Member:
    """A logged-in client with its typed services and the pushes it received."""

    def __init__(self, uid: int, client: TurmsClient, pid: int) -> None:
        self.id, self.client, self.pid = uid, client, pid
        self.users = UserService(client)
        self.rel = RelationshipService(client)
        self.pushes: list[Any] = []
        client.on_notification(lambda n: self.pushes.append(n) if n.HasField("relayed_request") else None)

    def kinds(self) -> list[str]:
        return [str(n.relayed_request.WhichOneof("kind")) for n in self.pushes]

    def take(self) -> list[str]:
        kinds = self.kinds()
        self.pushes.clear()
        return kinds


async def worker_pid(client: TurmsClient) -> int:
    """The pid of the worker holding ``client``'s connection (asked before login; the gateway names it)."""
    try:
        await client.request(
            "query_relationship_groups_request", request_relationship_pb2.QueryRelationshipGroupsRequest()
        )
    except ResponseError as e:
        m = _PID.search(e.reason or "")
        assert m, f"no worker pid in {e.reason!r}"
        return int(m.group(1))
    raise AssertionError("a request before login was accepted")


async def connect(port: int, uid: int, *, device: int = 0, on_worker: int | None = None) -> Member:
    """Log ``uid`` in, on the worker ``on_worker`` when given (reconnecting until the kernel picks it)."""
    for _ in range(64):
        client = TurmsClient("127.0.0.1", port, reconnect=False, heartbeat_interval_s=0, request_timeout_s=10)
        await client.connect()
        pid = await worker_pid(client)
        if on_worker is None or pid == on_worker:
            await client.login(uid, device_type=device)
            return Member(uid, client, pid)
        await client.close()
    raise AssertionError(f"never connected to worker {on_worker}")


async def settle(*members: Member, quiet_s: float = 0.3) -> None:
    """Wait until pushes stop arriving (pushes to other workers cross Redis)."""
    while True:
        before = [len(m.pushes) for m in members]
        await asyncio.sleep(quiet_s)
        if before == [len(m.pushes) for m in members]:
            return


async def code_of(coro: Any) -> int:
    try:
        await coro
    except ResponseError as e:
        return int(e.code)
    return int(Code.OK)
