"""Pushes: the notifications a request causes for other users, in Turms's shape.

A push relays the triggering request as-is (``relayed_request``) with the ``requester_id``; it has no
``request_id`` or ``code``. It is serialized once and the same bytes go to every recipient.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf.message import Message

from turms.protocol.pb import turms_notification_pb2
from turms.service.api import Notifier, ServiceRequest


def stored_relay(request: Any, fields: Mapping[str, Any]) -> Any:
    """A copy of the ``TurmsRequest`` ``request`` whose body carries only ``fields``, with the values as stored.

    A push must repeat only what was authorised and stored: not a field the handler ignored (the new name of
    a group in an ownership transfer), not the text before antispam masked it, not an unchanged value. The
    request id and kind stay; the envelope's custom attributes and every other body field are left out.
    Values are scalars, sequences (repeated fields), mappings (map fields, message values copied) or messages.
    """
    kind = request.WhichOneof("kind")
    relay = type(request)(request_id=request.request_id)
    body = getattr(relay, kind)
    body.SetInParent()
    for name, value in fields.items():
        if isinstance(value, Message):
            getattr(body, name).CopyFrom(value)
        elif isinstance(value, Mapping):
            target = getattr(body, name)
            for key, item in value.items():
                if isinstance(item, Message):
                    target[key].CopyFrom(item)
                else:
                    target[key] = item
        elif isinstance(value, (list, tuple)):
            getattr(body, name).extend(value)
        else:
            setattr(body, name, value)
    return relay


def relayed(request: Any, requester_id: int, now_ms: int) -> bytes:
    n = turms_notification_pb2.TurmsNotification(timestamp=now_ms, requester_id=requester_id)
    n.relayed_request.CopyFrom(request)
    return bytes(n.SerializeToString())


async def push(
    notifier: Notifier,
    req: ServiceRequest,
    recipients: Iterable[int],
    *,
    request: Any = None,
    include_own_other_sessions: bool = False,
) -> None:
    """Relay ``request`` (default: the triggering one) to ``recipients``.

    With ``include_own_other_sessions`` the requester's other devices get it too (never the requesting
    session itself).
    """
    targets = set(recipients)
    if include_own_other_sessions:
        targets.add(req.requester.user_id)
    else:
        targets.discard(req.requester.user_id)
    if not targets:
        return
    payload = relayed(
        req.request if request is None else request, req.requester.user_id, int(req.now.timestamp() * 1000)
    )
    await notifier.notify(targets, payload, exclude_session=req.requester.session_id, trace_id=req.trace_id)
