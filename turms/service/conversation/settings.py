"""Conversation settings: per user and conversation, a map of named values (mute, pin, draft …).

Stored in ``conversationSettings`` as ``{_id: {oid: owner, tid: target}, s: {name: value}, lud}``; as in
Turms, the target of a group conversation is the *negated* group id, so one key space holds both kinds.
Values are Turms ``Value``s stored as plain values (numbers, booleans, strings, bytes, lists of those);
``float_value`` and ``double_value`` both come back as ``double_value``, ``int32_value`` as ``int64_value``.
"""

from __future__ import annotations

import math
from typing import Any

from turms.clock import datetime_to_ms, ms_to_datetime
from turms.errors import TurmsError
from turms.protocol.pb import model_common_pb2, model_conversation_pb2, turms_notification_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.api import OK, Response, ServiceRequest
from turms.service.context import Services
from turms.service.message import policy
from turms.settings import conversation as conversation_settings

CONVERSATION_SETTINGS = "conversationSettings"
_MAX_NAME_LENGTH = 64


def _target(user_id: int | None, group_id: int | None) -> int:
    return -group_id if group_id is not None else int(user_id or 0)


def _check_name(name: str) -> None:
    if not 1 <= len(name) <= _MAX_NAME_LENGTH or "." in name or name.startswith("$") or not name.isprintable():
        raise TurmsError(Code.ILLEGAL_ARGUMENT, f"illegal setting name {name[:_MAX_NAME_LENGTH]!r}")


def value_to_plain(v: Any, *, nested: bool = False) -> Any:
    kind = v.WhichOneof("kind")
    if kind is None:
        if nested or not v.list_value:
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "a setting value must be a scalar or a flat list")
        return [value_to_plain(x, nested=True) for x in v.list_value]
    if v.list_value:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "a setting value is either a scalar or a list")
    value = getattr(v, kind)
    if kind in ("float_value", "double_value"):
        value = float(value)
        if not math.isfinite(value):
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "setting values must be finite")
    return value


def plain_to_value(value: Any) -> Any:
    v = model_common_pb2.Value()
    if isinstance(value, bool):
        v.bool_value = value
    elif isinstance(value, int):
        v.int64_value = value
    elif isinstance(value, float):
        v.double_value = value
    elif isinstance(value, bytes):
        v.bytes_value = value
    elif isinstance(value, str):
        v.string_value = value
    elif isinstance(value, list):
        v.list_value.extend(plain_to_value(x) for x in value)
    return v


async def _check_target(services: Services, requester: int, user_id: int | None, group_id: int | None) -> None:
    if group_id is not None:
        if not await policy.is_member(services.store, group_id, requester):
            raise TurmsError(Code.NOT_GROUP_MEMBER_TO_UPDATE_GROUP_CONVERSATION_SETTING)
    elif user_id is None or user_id <= 0:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "user_id must be positive")


async def handle_update(services: Services, req: ServiceRequest) -> Response:
    body = req.body
    s = services.settings
    requester = req.requester.user_id
    if body.HasField("user_id") == body.HasField("group_id"):
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "set exactly one of user_id and group_id")
    if not body.settings:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "settings must not be empty")
    user_id = body.user_id if body.HasField("user_id") else None
    group_id = body.group_id if body.HasField("group_id") else None
    max_bytes = s.get(conversation_settings.SETTINGS_MAX_VALUE_BYTES)
    changes: dict[str, Any] = {}
    for name, value in body.settings.items():
        _check_name(name)
        if value.ByteSize() > max_bytes:
            raise TurmsError(Code.ILLEGAL_ARGUMENT, f"the value of {name} is too large")
        changes[f"s.{name}"] = value_to_plain(value)
    await _check_target(services, requester, user_id, group_id)
    key = {"oid": requester, "tid": _target(user_id, group_id)}
    existing = await services.store.find_one(CONVERSATION_SETTINGS, {"_id": key}, projection={"s": 1})
    names = set((existing or {}).get("s", {})) | set(body.settings)
    if len(names) > s.get(conversation_settings.SETTINGS_MAX_COUNT):
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "too many settings for one conversation")
    await services.store.update_one(
        CONVERSATION_SETTINGS, {"_id": key}, {"$set": {**changes, "lud": req.now}}, upsert=True
    )
    return OK


def _owner_filter(requester: int, body: Any) -> dict[str, Any]:
    targets = [*dict.fromkeys(body.user_ids), *(-g for g in dict.fromkeys(body.group_ids))]
    flt: dict[str, Any] = {"_id.oid": requester}
    if targets:
        flt["_id.tid"] = {"$in": targets}
    return flt


async def handle_query(services: Services, req: ServiceRequest) -> Response:
    body = req.body
    flt = _owner_filter(req.requester.user_id, body)
    if body.HasField("last_updated_date_start"):
        flt["lud"] = {"$gte": ms_to_datetime(body.last_updated_date_start)}
    names = set(body.names)
    docs = await services.store.find(CONVERSATION_SETTINGS, flt)
    data = turms_notification_pb2.TurmsNotification.Data()
    data.conversation_settings_list.SetInParent()
    for d in docs:
        tid = d["_id"]["tid"]
        item = model_conversation_pb2.ConversationSettings()
        if tid < 0:
            item.group_id = -tid
        else:
            item.user_id = tid
        for name, value in (d.get("s") or {}).items():
            if not names or name in names:
                item.settings[name].CopyFrom(plain_to_value(value))
        if names and not item.settings:
            continue
        if "lud" in d:
            item.last_updated_date = datetime_to_ms(d["lud"])
        data.conversation_settings_list.conversation_settings_list.append(item)
    if not data.conversation_settings_list.conversation_settings_list:
        if body.HasField("last_updated_date_start"):
            return Response(Code.ALREADY_UP_TO_DATE)
        return Response(Code.NO_CONTENT)
    return Response(Code.OK, data=data)


async def handle_delete(services: Services, req: ServiceRequest) -> Response:
    body = req.body
    flt = _owner_filter(req.requester.user_id, body)
    if not body.names:
        await services.store.delete_many(CONVERSATION_SETTINGS, flt)
        return OK
    for name in body.names:
        _check_name(name)
    unset = {f"s.{name}": "" for name in body.names}
    await services.store.update_many(CONVERSATION_SETTINGS, flt, {"$unset": unset, "$set": {"lud": req.now}})
    return OK
