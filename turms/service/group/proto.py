"""Stored group documents → protobuf models and ``TurmsNotification.Data`` payloads."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from turms.clock import datetime_to_ms
from turms.protocol.pb import constant_pb2, model_common_pb2, model_group_pb2, turms_notification_pb2
from turms.protocol.requests import to_enum
from turms.service.group.model import RequestStatus

Data = turms_notification_pb2.TurmsNotification.Data


def ms(date: Any) -> int | None:
    return datetime_to_ms(date) if isinstance(date, datetime) else None


#: Nesting kept when a stored attribute becomes a ``Value``. Client and admin writes are bounded far below this
#: (``gateway.client_api.max_value_depth``); a record written around them (an older version, a manual repair)
#: must still not make a response no client can decode, so deeper lists are cut here.
MAX_VALUE_DEPTH = 16


def _set_value(target: Any, value: Any, depth: int = 1) -> None:
    """One ``Value`` from a stored attribute (the subset Turms's user-defined attributes use)."""
    if isinstance(value, bool):
        target.bool_value = value
    elif isinstance(value, int):
        target.int64_value = value
    elif isinstance(value, float):
        target.double_value = value
    elif isinstance(value, str):
        target.string_value = value
    elif isinstance(value, bytes):
        target.bytes_value = value
    elif isinstance(value, list) and depth < MAX_VALUE_DEPTH:
        for item in value:
            _set_value(target.list_value.add(), item, depth + 1)


def attribute_values(attributes: dict[str, Any]) -> dict[str, Any]:
    """Stored attributes → ``Value`` messages (for a relayed request's ``user_defined_attributes``)."""
    out: dict[str, Any] = {}
    for name, value in attributes.items():
        v = model_common_pb2.Value()
        _set_value(v, value)
        out[name] = v
    return out


def value_to_python(value: Any) -> Any:
    """A protobuf ``Value`` → a storable Python value (None when unset)."""
    kind = value.WhichOneof("kind")
    if kind is None:
        return [value_to_python(v) for v in value.list_value] if len(value.list_value) else None
    return getattr(value, kind)


def group_to_proto(doc: dict[str, Any]) -> model_group_pb2.Group:
    g = model_group_pb2.Group(id=int(doc["_id"]))
    for field, key in (("type_id", "tid"), ("creator_id", "cid"), ("owner_id", "oid")):
        if key in doc:
            setattr(g, field, int(doc[key]))
    for field, key in (("name", "n"), ("intro", "intro"), ("announcement", "annt")):
        if key in doc:
            setattr(g, field, str(doc[key]))
    for field, key in (("creation_date", "cd"), ("last_updated_date", "lud"), ("mute_end_date", "med")):
        stamp = ms(doc.get(key))
        if stamp is not None:
            setattr(g, field, stamp)
    g.active = doc.get("ac", True) is not False and doc.get("dd") is None
    for name, value in (doc.get("uda") or {}).items():
        _set_value(g.user_defined_attributes[name], value)
    return g


def member_to_proto(doc: dict[str, Any]) -> model_group_pb2.GroupMember:
    m = model_group_pb2.GroupMember(group_id=int(doc["_id"]["gid"]), user_id=int(doc["_id"]["uid"]))
    if "n" in doc:
        m.name = str(doc["n"])
    if "role" in doc:
        m.role = to_enum(constant_pb2.GroupMemberRole, int(doc["role"]), strict=False)
    for field, key in (("join_date", "jd"), ("mute_end_date", "med")):
        stamp = ms(doc.get(key))
        if stamp is not None:
            setattr(m, field, stamp)
    return m


def shown_status(doc: dict[str, Any], expire_after_s: int, now: datetime) -> RequestStatus:
    """A pending request past its expiry is shown as EXPIRED (it is never rewritten in storage)."""
    status = RequestStatus(int(doc.get("stat", RequestStatus.PENDING)))
    created = doc.get("cd")
    expired = isinstance(created, datetime) and created + timedelta(seconds=expire_after_s) <= now
    if status is RequestStatus.PENDING and expired:
        return RequestStatus.EXPIRED
    return status


def invitation_to_proto(doc: dict[str, Any], expire_after_s: int, now: datetime) -> model_group_pb2.GroupInvitation:
    i = model_group_pb2.GroupInvitation(
        id=int(doc["_id"]),
        group_id=int(doc["gid"]),
        inviter_id=int(doc["irid"]),
        invitee_id=int(doc["ieid"]),
        content=str(doc.get("cnt", "")),
        status=to_enum(constant_pb2.RequestStatus, int(shown_status(doc, expire_after_s, now))),
    )
    created = doc.get("cd")
    if isinstance(created, datetime):
        i.creation_date = datetime_to_ms(created)
        i.expiration_date = datetime_to_ms(created + timedelta(seconds=expire_after_s))
    return i


def join_request_to_proto(doc: dict[str, Any], expire_after_s: int, now: datetime) -> model_group_pb2.GroupJoinRequest:
    r = model_group_pb2.GroupJoinRequest(
        id=int(doc["_id"]),
        group_id=int(doc["gid"]),
        requester_id=int(doc["rqid"]),
        content=str(doc.get("cnt", "")),
        status=to_enum(constant_pb2.RequestStatus, int(shown_status(doc, expire_after_s, now))),
    )
    if "rpid" in doc:
        r.responder_id = int(doc["rpid"])
    created = doc.get("cd")
    if isinstance(created, datetime):
        r.creation_date = datetime_to_ms(created)
        r.expiration_date = datetime_to_ms(created + timedelta(seconds=expire_after_s))
    return r


def question_to_proto(doc: dict[str, Any], with_answers: bool) -> model_group_pb2.GroupJoinQuestion:
    q = model_group_pb2.GroupJoinQuestion(
        id=int(doc["_id"]), group_id=int(doc["gid"]), question=str(doc.get("q", "")), score=int(doc.get("score", 0))
    )
    if with_answers:
        q.answers.extend(str(a) for a in doc.get("ans", []))
    return q


def user_info(doc: dict[str, Any]) -> Any:
    from turms.protocol.pb import model_user_pb2

    u = model_user_pb2.UserInfo(id=int(doc["_id"]))
    if "n" in doc:
        u.name = str(doc["n"])
    if "intro" in doc:
        u.intro = str(doc["intro"])
    if "pp" in doc:
        u.profile_picture = str(doc["pp"])
    if "pas" in doc:
        u.profile_access_strategy = to_enum(constant_pb2.ProfileAccessStrategy, int(doc["pas"]), strict=False)
    for field, key in (("registration_date", "rd"), ("last_updated_date", "lud")):
        stamp = ms(doc.get(key))
        if stamp is not None:
            setattr(u, field, stamp)
    u.active = doc.get("act", True) is not False
    return u


def data_long(value: int) -> Data:
    return Data(long=value)


def longs_with_version(values: list[int], version: datetime | None) -> Data:
    d = Data(longs_with_version=model_common_pb2.LongsWithVersion(longs=values))
    stamp = ms(version)
    if stamp is not None:
        d.longs_with_version.last_updated_date = stamp
    return d
