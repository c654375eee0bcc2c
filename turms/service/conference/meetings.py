"""CreateMeetingRequest, DeleteMeetingRequest (cancel), UpdateMeetingRequest and QueryMeetingsRequest.

Turms's semantics (``ConferenceService``, ``ConferenceServiceController``), with its status codes:

* **create**: a meeting with one user (``user_id``) or one group (``group_id``), exactly one of them. Whoever may
  message that user or post in that group may create it (the codes of the message checks: 5001, 5002, 5005 ...).
  Name and intro lengths, the password policy and how far ahead it may be scheduled are settings (ILLEGAL_ARGUMENT
  beyond them). A creator with ``max_active_meeting_count_per_user`` active meetings is refused 8100. A meeting
  that starts now gets its room at once; then the invitation is stored as a MEETING_INVITATION system message in
  the conversation (records: the type byte 2, then the ``Meeting`` model, password included) and pushed like any
  message to the user or every member of the group. Answer: ``data.long`` = the meeting id.
* **cancel**: creators only (another participant gets 8101, anyone else 8103 as for a meeting that does not
  exist); turned off by ``allow_cancel`` (8102). The room is closed; participants are told (the relayed
  request). Cancelling twice is a no-op.
* **update**: name and intro by any participant, the password by the creator only (8104); 8105 for a meeting the
  requester cannot see. Participants are told of a new name or intro (the relayed request without its password).
* **query**: by ``ids``, ``creator_ids``, ``user_ids``, ``group_ids``, creation dates, ``skip``/``limit``, within
  what the requester may see: meetings it created or was invited to, or of its groups. Turms's group branch
  queried no group at all (it cleared its own list before use); here it returns the meetings of the named groups
  the requester is a member of.

Create, cancel and the invitation reply need a provider (8000 without one: no enabled plugin implements the
conference point, :mod:`.rooms`), as in Turms; update and query work on the stored meetings alone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from turms.clock import datetime_to_ms, ms_to_datetime
from turms.errors import TurmsError
from turms.plugins.api import ProviderError, RoomSpec
from turms.protocol.pb import turms_notification_pb2, turms_request_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.protocol.status import SystemMessageType
from turms.service.api import OK, Response, ServiceRequest
from turms.service.conference import model
from turms.service.conference.model import MEETING
from turms.service.conference.rooms import Rooms, rooms_of
from turms.service.context import Services
from turms.service.message import policy
from turms.service.message.create import deliver, push_payload, store_message
from turms.service.push import relayed
from turms.settings import conference as conf
from turms.storage.errors import DuplicateKeyError

log = logging.getLogger("turms.service.conference")

#: Attempts at a free random meeting id before giving up (Turms: 32).
ID_ATTEMPTS = 32


def unavailable(e: ProviderError) -> TurmsError:
    """SERVER_UNAVAILABLE for a provider failure (the plugin guard has logged and counted it)."""
    log.debug("%s", e)
    return TurmsError(Code.SERVER_UNAVAILABLE, "the conference provider is unavailable; retry later")


async def find(services: Services, meeting_id: int) -> dict[str, Any] | None:
    return await services.store.find_one(MEETING, {"_id": meeting_id})


async def may_view(services: Services, requester: int, doc: dict[str, Any]) -> bool:
    """Turms's ``isAllowedToViewMeetingInfo``: its creator, its user, or a member of its group."""
    if requester in (doc["cid"], doc.get("uid")):
        return True
    if "gid" not in doc:
        return "uid" not in doc
    return await policy.is_member(services.store, doc["gid"], requester)


async def participants(services: Services, doc: dict[str, Any]) -> set[int]:
    """Who a meeting concerns besides its creator: its user, or its group's members."""
    if "uid" in doc:
        return {doc["uid"]}
    return set(await services.group_members.get(doc["gid"]))


async def notify(
    services: Services, req: ServiceRequest, recipients: Iterable[int], request: Any, *, own_devices: bool
) -> None:
    """Relay ``request`` to ``recipients`` (never the requesting session) and, with ``own_devices``, to the
    requester's other devices. Best effort: a failed push never fails the request."""
    targets = set(recipients)
    targets.discard(req.requester.user_id)
    if own_devices:
        targets.add(req.requester.user_id)
    if not targets:
        return
    payload = relayed(request, req.requester.user_id, datetime_to_ms(req.now))
    try:
        await services.notifier.notify(
            targets, payload, exclude_session=req.requester.session_id, trace_id=req.trace_id
        )
    except Exception as e:
        log.warning("pushing a meeting change to %d users failed: %s: %s", len(targets), type(e).__name__, e)


def _optional(body: Any, name: str) -> Any:
    return getattr(body, name) if body.HasField(name) else None


def _meeting_id(body: Any, name: str = "id") -> int:
    if not body.HasField(name) or getattr(body, name) <= 0:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, f"{name} must be a positive meeting id")
    return int(getattr(body, name))


# Create --------------------------------------------------------------------------------------------------


async def _insert(services: Services, doc: dict[str, Any]) -> dict[str, Any]:
    for _ in range(ID_ATTEMPTS):
        doc["_id"] = model.new_meeting_id(services.settings)
        try:
            await services.store.insert_one(MEETING, doc)
            return doc
        except DuplicateKeyError:
            log.warning("meeting id %d is taken; drawing another (extend the id range if this is frequent)", doc["_id"])
    raise TurmsError(Code.SERVER_INTERNAL_ERROR, "no free meeting id; the id range should be extended")


async def _send_invitation(services: Services, req: ServiceRequest, doc: dict[str, Any]) -> None:
    """The MEETING_INVITATION system message, stored in the conversation and pushed like any message."""
    is_group = "gid" in doc
    target = doc["gid"] if is_group else doc["uid"]
    invitation = model.to_proto(doc)
    records = [SystemMessageType.MEETING_INVITATION.as_record(), invitation.SerializeToString()]
    stored = await store_message(
        services,
        message_id=services.ids.next_id(),
        sender_id=req.requester.user_id,
        target_id=target,
        is_group=is_group,
        is_system=True,
        now=req.now,
        records=records,
        sender_ip=req.requester.ip,
    )
    system = turms_request_pb2.TurmsRequest()
    cm = system.create_message_request
    cm.is_system_message = True
    if is_group:
        cm.group_id = target
    else:
        cm.recipient_id = target
    cm.records.extend(records)
    as_send = ServiceRequest(req.requester, req.request_id, system, "create_message_request", req.now, req.trace_id)
    payload = push_payload(as_send, cm, stored)
    await deliver(services, as_send, payload, is_group=is_group, target_id=target, sender_id=req.requester.user_id)


async def _over_quota(services: Services, creator: int, now: datetime) -> bool:
    most = services.settings.get(conf.MAX_ACTIVE_MEETINGS_PER_USER)
    if most <= 0:
        return False
    # Counted after the insert, so two concurrent creations cannot both slip under the limit: each sees the
    # other, and one too many is undone.
    return await services.store.count(MEETING, model.active_filter(services.settings, creator, now)) > most


async def handle_create(services: Services, req: ServiceRequest) -> Response:
    body, s, requester = req.body, services.settings, req.requester.user_id
    user_id, group_id = _optional(body, "user_id"), _optional(body, "group_id")
    if (user_id is None) == (group_id is None):
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "set exactly one of user_id and group_id")
    if (user_id if user_id is not None else group_id) <= 0:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "the user or group id must be positive")
    name, intro = _optional(body, "name"), _optional(body, "intro")
    model.check_length(s, name, "name")
    model.check_length(s, intro, "intro")
    password = model.password_for_new_meeting(s, _optional(body, "password"))
    start = req.now
    if body.HasField("start_date"):
        wanted = ms_to_datetime(body.start_date)
        if (wanted - req.now).total_seconds() > s.get(conf.MAX_START_DATE_OFFSET_S):
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "the meeting start date is too far in the future")
        start = max(start, wanted)
    provider = rooms_of(services)
    if user_id is not None:
        await policy.check_private_send(services.store, s, requester, user_id)
    else:
        await policy.check_group_send(services.store, requester, group_id, req.now)

    doc: dict[str, Any] = {"cid": requester, "cd": req.now, "sd": start}
    for key, value in (("uid", user_id), ("gid", group_id), ("n", name), ("intro", intro), ("pw", password)):
        if value is not None:
            doc[key] = value
    doc = await _insert(services, doc)
    if await _over_quota(services, requester, req.now):
        await services.store.delete_one(MEETING, {"_id": doc["_id"]})
        raise TurmsError(Code.CREATE_MEETING_EXCEEDING_MAX_ACTIVE_MEETING_COUNT)
    try:
        if start <= req.now:
            room = RoomSpec(doc["_id"], model.expiry_s(s, doc), group_id is not None)
            try:
                await provider.create_room(room)
            except ProviderError as e:
                raise unavailable(e) from None
            doc["rcd"] = req.now
            await services.store.update_one(MEETING, {"_id": doc["_id"]}, {"$set": {"rcd": req.now}})
        await _send_invitation(services, req, doc)
    except BaseException:
        # Nobody was invited: the meeting never happened (its room, if opened, is closed again).
        await _undo_create(services, provider, doc)
        raise
    return Response(Code.OK, data=turms_notification_pb2.TurmsNotification.Data(long=doc["_id"]))


async def _undo_create(services: Services, provider: Rooms, doc: dict[str, Any]) -> None:
    try:
        if "rcd" in doc:
            await provider.delete_room(doc["_id"])
        await services.store.delete_one(MEETING, {"_id": doc["_id"]})
    except Exception as e:
        log.warning("could not undo meeting %d: %s: %s", doc["_id"], type(e).__name__, e)


# Cancel --------------------------------------------------------------------------------------------------


async def handle_cancel(services: Services, req: ServiceRequest) -> Response:
    s, requester = services.settings, req.requester.user_id
    meeting_id = _meeting_id(req.body)
    if not s.get(conf.ALLOW_CANCEL):
        raise TurmsError(Code.CANCELING_MEETING_IS_DISABLED)
    provider = rooms_of(services)
    doc = await find(services, meeting_id)
    if doc is None:
        raise TurmsError(Code.CANCEL_NONEXISTENT_MEETING)
    if doc["cid"] != requester:
        seen = await may_view(services, requester, doc)
        raise TurmsError(Code.NOT_CREATOR_TO_CANCEL_MEETING if seen else Code.CANCEL_NONEXISTENT_MEETING)
    if "ccd" in doc:
        return OK
    result = await services.store.update_one(
        MEETING, {"_id": meeting_id, "ccd": {"$exists": False}}, {"$set": {"ccd": req.now}}
    )
    if result.modified == 0:
        return OK  # a concurrent cancel won
    if "rcd" in doc:
        try:
            await provider.delete_room(meeting_id)
        except ProviderError as e:
            await services.store.update_one(MEETING, {"_id": meeting_id, "ccd": req.now}, {"$unset": {"ccd": ""}})
            raise unavailable(e) from None
    recipients = await participants(services, doc) if s.get(conf.NOTIFY_PARTICIPANTS_OF_CANCELED) else set()
    await notify(services, req, recipients, req.request, own_devices=s.get(conf.NOTIFY_REQUESTER_OF_CANCELED))
    return OK


# Update --------------------------------------------------------------------------------------------------


async def handle_update(services: Services, req: ServiceRequest) -> Response:
    body, s, requester = req.body, services.settings, req.requester.user_id
    meeting_id = _meeting_id(body)
    name, intro, password = _optional(body, "name"), _optional(body, "intro"), _optional(body, "password")
    model.check_length(s, name, "name")
    model.check_length(s, intro, "intro")
    if password is not None:
        model.check_new_password(s, password)
    if name is None and intro is None and password is None:
        return OK
    doc = await find(services, meeting_id)
    if doc is None:
        raise TurmsError(Code.UPDATE_INFO_OF_NONEXISTENT_MEETING)
    seen = await may_view(services, requester, doc)
    if password is not None and doc["cid"] != requester:
        raise TurmsError(
            Code.NOT_CREATOR_TO_UPDATE_MEETING_PASSWORD if seen else Code.UPDATE_INFO_OF_NONEXISTENT_MEETING
        )
    if not seen:
        raise TurmsError(Code.UPDATE_INFO_OF_NONEXISTENT_MEETING)
    changes = {k: v for k, v in (("n", name), ("intro", intro), ("pw", password)) if v is not None}
    result = await services.store.update_one(MEETING, {"_id": meeting_id}, {"$set": changes})
    if result.modified == 0:
        return OK
    if s.get(conf.NOTIFY_REQUESTER_OF_UPDATED):
        await notify(services, req, (), req.request, own_devices=True)
    if s.get(conf.NOTIFY_PARTICIPANTS_OF_UPDATED) and (name is not None or intro is not None):
        stripped = turms_request_pb2.TurmsRequest()
        stripped.CopyFrom(req.request)
        stripped.update_meeting_request.ClearField("password")
        recipients = (await participants(services, doc)) | {doc["cid"]}
        await notify(services, req, recipients, stripped, own_devices=False)
    return OK


# Query ---------------------------------------------------------------------------------------------------


async def query_filter(services: Services, requester: int, body: Any) -> dict[str, Any] | None:
    """Turms's ``authAndQueryMeetings``: the filter of what the requester asked for and may see, or None for
    "nothing"."""
    ids = list(dict.fromkeys(body.ids))
    creators = list(dict.fromkeys(body.creator_ids))
    users = list(dict.fromkeys(body.user_ids))
    groups = list(dict.fromkeys(body.group_ids))
    flt: dict[str, Any] = {}
    if ids:
        flt["_id"] = {"$in": ids}
    if users:
        if groups:
            return None
        flt["uid"] = {"$in": users}
        if users == [requester]:
            if creators:
                flt["cid"] = {"$in": creators}  # invitations to the requester, from these creators
        elif not creators or creators == [requester]:
            flt["cid"] = requester  # the requester's meetings with these users
        else:
            return None
    elif not groups:
        if not creators:
            flt["$or"] = [{"cid": requester}, {"uid": requester}]
        elif creators == [requester]:
            flt["cid"] = requester
        else:
            return None
    else:
        joined = set(await policy.joined_group_ids(services.store, requester))
        visible = [g for g in groups if g in joined]
        if not visible:
            return None
        flt["gid"] = {"$in": visible}
        if creators:
            flt["cid"] = {"$in": creators}
    dates: dict[str, datetime] = {}
    if body.HasField("creation_date_start"):
        dates["$gte"] = ms_to_datetime(body.creation_date_start)
    if body.HasField("creation_date_end"):
        dates["$lte"] = ms_to_datetime(body.creation_date_end)
    if dates:
        flt["cd"] = dates
    return flt


async def handle_query(services: Services, req: ServiceRequest) -> Response:
    body = req.body
    most = services.settings.get(conf.QUERY_MAX_LIMIT)
    skip = body.skip if body.HasField("skip") else 0
    limit = body.limit if body.HasField("limit") else most
    if skip < 0 or limit <= 0:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "skip must not be negative and limit must be positive")
    if max(len(body.ids), len(body.creator_ids), len(body.user_ids), len(body.group_ids)) > most:
        raise TurmsError(Code.REQUESTED_RECORDS_TOO_MANY, f"at most {most} ids per list")
    flt = await query_filter(services, req.requester.user_id, body)
    if flt is None:
        return Response(Code.NO_CONTENT)
    docs = await services.store.find(MEETING, flt, sort=[("cd", 1), ("_id", 1)], skip=skip, limit=min(limit, most))
    if not docs:
        return Response(Code.NO_CONTENT)
    data = turms_notification_pb2.TurmsNotification.Data()
    data.meetings.meetings.extend(model.to_proto(d) for d in docs)
    return Response(Code.OK, data=data)
