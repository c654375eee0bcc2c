"""A messaging "world" for service-level tests: real SQLite store, injected clock, recording Notifier port.

Users, relationships and groups are written straight into their collections (the schema's field names), as
the domains that own them would, so these tests do not depend on those domains' code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from memory_rooms import MemoryRooms, spec

from turms.clock import FakeClock
from turms.plugins.hooks import Hooks
from turms.plugins.testing import running
from turms.protocol.pb import model_common_pb2, turms_notification_pb2, turms_request_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service import conference, conversation, message
from turms.service.api import Requester, Response, Router, ServiceRequest
from turms.service.context import Services
from turms.settings import load_settings
from turms.storage.factory import open_store

from testlib import CountingIds


class Recorder:
    """The Notifier port: records (recipients, decoded notification, excluded session, broadcast)."""

    def __init__(self) -> None:
        self.sent: list[tuple[set[int], Any, str | None, bool]] = []

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
        self.sent.append((set(user_ids), n, exclude_session, broadcast))

    def kinds(self) -> list[str]:
        return [str(n.relayed_request.WhichOneof("kind")) for _, n, _, _ in self.sent]

    def clear(self) -> None:
        self.sent.clear()


class NoPresence:
    async def statuses(self, user_ids: Any) -> dict[int, tuple[int | None, list[int]]]:
        return {u: (None, []) for u in user_ids}


class World:
    def __init__(self, services: Services, router: Router, clock: FakeClock, notes: Recorder) -> None:
        self.s, self.router, self.clock, self.notes = services, router, clock, notes
        self.store = services.store

    def request(self, kind: str, attrs: list[Any] | None = None, **fields: Any) -> Any:
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
        request.custom_attributes.extend(attrs or [])
        return request

    async def dispatch(
        self,
        uid: int,
        kind: str,
        *,
        device: int = 0,
        attrs: list[Any] | None = None,
        admin: bool = False,
        **fields: Any,
    ) -> Response:
        """The router's response, its ``after_sent`` (a send's push) not run yet."""
        request = self.request(kind, attrs, **fields)
        requester = Requester(uid, device, f"s{uid}:{device}", "10.0.0.1", admin)
        return await self.router.dispatch(ServiceRequest(requester, 1, request, kind, self.clock.now()))

    async def call(self, uid: int, kind: str, **kwargs: Any) -> Response:
        """The response, once its ``after_sent`` has run (what the gateway does once it has written it)."""
        response = await self.dispatch(uid, kind, **kwargs)
        if response.after_sent is not None:
            await response.after_sent()
        return response

    async def ok(self, uid: int, kind: str, **fields: Any) -> Response:
        r = await self.call(uid, kind, **fields)
        assert r.code in (Code.OK, Code.NO_CONTENT), (r.code, r.reason)
        return r

    async def send(self, uid: int, *, to: int | None = None, group: int | None = None, **fields: Any) -> Response:
        if group is not None:
            fields["group_id"] = group
        else:
            fields["recipient_id"] = to
        fields.setdefault("text", "hi")
        return await self.call(uid, "create_message_request", **fields)

    async def messages(self, flt: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return await self.store.find("message", flt or {}, sort=[("cid", 1), ("sqid", 1)])

    # Other domains' state, written as they would ------------------------------------------------------

    async def relate(self, owner: int, related: int, *, blocked: bool = False) -> None:
        doc: dict[str, Any] = {"_id": {"oid": owner, "rid": related}, "ed": self.clock.now()}
        if blocked:
            doc["bd"] = self.clock.now()
        await self.store.insert_one("userRelationship", doc)
        await self.s.relationships.changed([owner])  # as the relationship services do

    async def group(
        self,
        gid: int,
        members: dict[int, int],
        *,
        type_id: int = 0,
        muted_until: datetime | None = None,
        active: bool = True,
        deleted: bool = False,
    ) -> None:
        doc: dict[str, Any] = {"_id": gid, "tid": type_id, "oid": min(members), "ac": active, "cd": self.clock.now()}
        if muted_until is not None:
            doc["med"] = muted_until
        if deleted:
            doc["dd"] = self.clock.now()
        await self.store.insert_one("group", doc)
        for uid, role in members.items():
            await self.add_member(gid, uid, role)

    async def add_member(self, gid: int, uid: int, role: int = 2, muted_until: datetime | None = None) -> None:
        doc: dict[str, Any] = {"_id": {"gid": gid, "uid": uid}, "role": role, "jd": self.clock.now()}
        if muted_until is not None:
            doc["med"] = muted_until
        await self.store.insert_one("groupMember", doc)

    async def group_type(self, type_id: int, **flags: bool) -> None:
        await self.store.insert_one("groupType", {"_id": type_id, "n": f"t{type_id}", **flags})


def tag(name: str, *args: int | str) -> Any:
    v = model_common_pb2.Value()
    v.list_value.append(model_common_pb2.Value(string_value=name))
    for a in args:
        v.list_value.append(
            model_common_pb2.Value(string_value=a) if isinstance(a, str) else model_common_pb2.Value(int64_value=a)
        )
    return v


@asynccontextmanager
async def world(
    tmp_path: Path,
    settings: dict[str, str] | None = None,
    *,
    rooms: MemoryRooms | None = None,
    plugin_settings: dict[str, Any] | None = None,
) -> AsyncIterator[World]:
    """``rooms``: the conference provider, run as the enabled plugin ``memory`` (None: no plugin, and meetings
    answer CONFERENCE_NOT_IMPLEMENTED); ``plugin_settings``: the plugin machinery's (``plugins.budget.*``)."""
    flags = [("server.data_dir", str(tmp_path)), *(settings or {}).items()]
    loaded = load_settings(None, env={}, flags=flags)
    store = open_store(loaded)
    await store.start()
    clock = FakeClock()
    notes = Recorder()
    async with AsyncExitStack() as stack:
        stack.push_async_callback(store.close)
        hooks = Hooks(loaded)
        if rooms is not None:
            hooks, _ = await stack.enter_async_context(running(spec(rooms), settings=plugin_settings))
        services = Services(loaded, store, clock, CountingIds(1_000_000), notes, NoPresence(), plugins=hooks)
        router = Router()
        message.register(router, services)
        conversation.register(router, services)
        conference.register(router, services)
        yield World(services, router, clock, notes)
