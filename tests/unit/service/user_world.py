"""A users-and-relationships "world" for service-level tests: real SQLite store, injected FakeClock, and a
recording Notifier port (the routing bus is tested in the integration tests).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from turms.clock import FakeClock
from turms.protocol.pb import turms_notification_pb2, turms_request_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service import relationship, user
from turms.service.api import Requester, Response, Router, ServiceRequest
from turms.service.context import Services
from turms.settings import load_settings
from turms.storage.factory import open_store

from testlib import CountingIds


class Recorder:
    """The Notifier port: (recipients, relayed request kind, relayed request, excluded session)."""

    def __init__(self) -> None:
        self.sent: list[tuple[set[int], str, Any, str | None]] = []

    async def notify(
        self,
        user_ids: Any,
        notification: bytes,
        *,
        exclude_session: str | None = None,
        trace_id: str | None = None,
        broadcast: bool = False,
    ) -> None:
        n = turms_notification_pb2.TurmsNotification.FromString(notification)
        kind = str(n.relayed_request.WhichOneof("kind"))
        self.sent.append((set(user_ids), kind, n.relayed_request, exclude_session))

    def audiences(self) -> list[tuple[str, set[int]]]:
        return [(kind, users) for users, kind, _, _ in self.sent]

    def clear(self) -> None:
        self.sent.clear()


class Presence:
    def __init__(self) -> None:
        self.online: set[int] = set()

    async def statuses(self, user_ids: Any) -> dict[int, tuple[int | None, list[int]]]:
        return {u: ((0, [0]) if u in self.online else (None, [])) for u in user_ids}


class World:
    def __init__(self, services: Services, router: Router, clock: FakeClock, notes: Recorder) -> None:
        self.s, self.router, self.clock, self.notes = services, router, clock, notes
        self.store = services.store

    async def call(self, uid: int, kind: str, *, device: int = 0, **fields: Any) -> Response:
        request = turms_request_pb2.TurmsRequest(request_id=1)
        body = getattr(request, kind)
        body.SetInParent()
        for name, value in fields.items():
            target = getattr(body, name)
            if isinstance(value, list):
                target.extend(value)
            elif isinstance(value, dict):
                for k, v in value.items():
                    target[k].CopyFrom(v)
            else:
                setattr(body, name, value)
        requester = Requester(uid, device, f"s{uid}:{device}", "10.0.0.1")
        return await self.router.dispatch(ServiceRequest(requester, 1, request, kind, self.clock.now()))

    async def ok(self, uid: int, kind: str, **fields: Any) -> Response:
        r = await self.call(uid, kind, **fields)
        assert r.code in (Code.OK, Code.NO_CONTENT), (r.code, r.reason)
        return r

    async def code(self, uid: int, kind: str, **fields: Any) -> Code:
        return (await self.call(uid, kind, **fields)).code

    def set(self, key: str, value: Any) -> None:
        self.s.settings.apply_live({key: value})


@asynccontextmanager
async def world(tmp_path: Path, settings: dict[str, str] | None = None, *, geo: Any = None) -> AsyncIterator[World]:
    flags = [("server.data_dir", str(tmp_path)), *(settings or {}).items()]
    loaded = load_settings(None, env={}, flags=flags)
    store = open_store(loaded)
    await store.start()
    clock = FakeClock()
    notes = Recorder()
    services = Services(loaded, store, clock, CountingIds(5_000_000), notes, Presence(), geo=geo)
    router = Router()
    user.register(router, services)
    relationship.register(router, services)
    try:
        yield World(services, router, clock, notes)
    finally:
        await store.close()
