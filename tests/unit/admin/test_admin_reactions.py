"""``GET`` and ``DELETE /messages/reactions`` in process, on messages the message domain stored and reacted to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from turms.admin.messages import message_services
from turms.protocol.pb import turms_request_pb2
from turms.service.api import Requester, ServiceRequest
from turms.service.message.create import handle_create
from turms.service.message.reactions import handle

from admin_support import AdminEnv, admin_env, call

A, B, C = 601, 602, 603


@pytest.fixture
async def env(tmp_path: Path, redis_url: str) -> Any:
    async with admin_env(tmp_path, redis_url) as e:
        yield e


async def as_user(env: AdminEnv, uid: int, kind: str, **fields: Any) -> Any:
    request = turms_request_pb2.TurmsRequest(request_id=1)
    body = getattr(request, kind)
    for name, value in fields.items():
        if isinstance(value, list):
            getattr(body, name).extend(value)
        else:
            setattr(body, name, value)
    services = message_services(env.deps)
    req = ServiceRequest(Requester(uid, 0, f"s{uid}"), 1, request, kind, env.clock.now())
    if kind == "create_message_request":
        return await handle_create(services, req)
    return await handle(services, req, add=kind == "create_message_reactions_request")


async def test_query_and_delete_reactions(env: AdminEnv) -> None:
    first = (await as_user(env, A, "create_message_request", recipient_id=B, text="hi")).data.long
    second = (await as_user(env, B, "create_message_request", recipient_id=A, text="yo")).data.long
    await as_user(env, B, "create_message_reactions_request", message_id=first, reaction_types=[1, 2])
    await as_user(env, A, "create_message_reactions_request", message_id=first, reaction_types=[1])

    status, body = await call(env, "GET", f"/messages/reactions?messageIds={first},{second},999")
    assert status == 200, body
    assert body["data"] == [
        {
            "messageId": first,
            "reactions": [{"type": 1, "count": 2, "userIds": [B, A]}, {"type": 2, "count": 1, "userIds": [B]}],
        },
        {"messageId": second, "reactions": []},
    ]
    status, body = await call(env, "DELETE", f"/messages/reactions?messageIds={first}&userIds={B}&types=1")
    assert (status, body["data"]) == (200, {"deletedCount": 1})
    status, body = await call(env, "DELETE", f"/messages/reactions?messageIds={first},{second}")
    assert (status, body["data"]) == (200, {"deletedCount": 2})
    status, body = await call(env, "GET", f"/messages/reactions?messageIds={first}")
    assert body["data"] == [{"messageId": first, "reactions": []}]
    status, body = await call(env, "DELETE", "/messages/reactions")
    assert (status, body["code"]) == (400, 1102)
    status, body = await call(env, "DELETE", f"/messages/reactions?messageIds={first}&types=-1")
    assert (status, body["code"]) == (400, 1102)
