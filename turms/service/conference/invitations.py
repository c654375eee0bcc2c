"""UpdateMeetingInvitationRequest: accept (and receive the room's access token) or decline a meeting invitation.

Turms's order and codes (``ConferenceService.authAndUpdateMeetingInvitation``): no provider is 8000; IGNORE (or
an unknown action) changes nothing; a meeting that does not exist, or whose invitation is not the requester's
(neither its user nor a member of its group), is 8205; a wrong password is 8200 (a meeting without one takes
none). DECLINE then succeeds. ACCEPT goes on: an expired meeting is 8203, a cancelled one 8201, one that has not
started 8204, one that ended 8202; else the provider grants the requester the room and the answer carries the
access token in ``data.string`` (and where to connect, :data:`~turms.service.conference.model.CONFERENCE_URL_TAG`).

Beyond Turms: its expiry check never ran (it tested a start date the meeting always has) and its cancellation
check compared the cancel date with the future; here both hold. A meeting's creator may accept its own meeting
too (Turms refuses the creator of a meeting with a user, who then has no way in). A room the provider opened
earlier and has closed since (it was empty for its timeout) ends the meeting (8202); a scheduled meeting's room is
opened by the first acceptance after its start.

The answer is pushed (the relayed request without its password) to the meeting's participants and creator, and
to the requester's other devices, per ``service.notification.meeting_invitation_updated.*``.
"""

from __future__ import annotations

from typing import Any

from turms.errors import TurmsError
from turms.plugins.api import JoinGrant, ProviderError, RoomSpec
from turms.protocol.pb import constant_pb2, turms_notification_pb2, turms_request_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.api import OK, Response, ServiceRequest
from turms.service.conference import model
from turms.service.conference.meetings import find, may_view, notify, participants, unavailable
from turms.service.conference.model import MEETING
from turms.service.conference.rooms import Rooms, rooms_of
from turms.service.context import Services
from turms.settings import conference as conf

ACCEPT = constant_pb2.ResponseAction.ACCEPT
DECLINE = constant_pb2.ResponseAction.DECLINE


async def _join(services: Services, provider: Rooms, doc: dict[str, Any], req: ServiceRequest) -> JoinGrant:
    """The requester's grant to the meeting's room, opening the room if it never was, ending the meeting if its
    room has closed since."""
    meeting_id = doc["_id"]
    try:
        if "rcd" in doc:
            if not await provider.room_exists(meeting_id):
                await services.store.update_one(
                    MEETING, {"_id": meeting_id, "ed": {"$exists": False}}, {"$set": {"ed": req.now}}
                )
                raise TurmsError(Code.ACCEPT_MEETING_INVITATION_OF_ENDED_MEETING)
        else:
            await provider.create_room(RoomSpec(meeting_id, model.expiry_s(services.settings, doc), "gid" in doc))
            await services.store.update_one(
                MEETING, {"_id": meeting_id, "rcd": {"$exists": False}}, {"$set": {"rcd": req.now}}
            )
        return await provider.grant(meeting_id, req.requester.user_id)
    except ProviderError as e:
        raise unavailable(e) from None


async def handle_update_invitation(services: Services, req: ServiceRequest) -> Response:
    body, s, requester = req.body, services.settings, req.requester.user_id
    if body.meeting_id <= 0:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, "meeting_id must be a positive meeting id")
    provider = rooms_of(services)
    action = body.response_action
    if action not in (ACCEPT, DECLINE):
        return OK
    doc = await find(services, body.meeting_id)
    if doc is None or not await may_view(services, requester, doc):
        raise TurmsError(Code.ACCEPT_NONEXISTENT_MEETING_INVITATION)
    if not model.password_matches(body.password if body.HasField("password") else None, doc.get("pw")):
        raise TurmsError(Code.ACCEPT_MEETING_INVITATION_WITH_WRONG_PASSWORD)
    response = OK
    if action == ACCEPT:
        if model.expires_at(s, doc) <= req.now:
            raise TurmsError(Code.ACCEPT_MEETING_INVITATION_OF_EXPIRED_MEETING)
        if "ccd" in doc:
            raise TurmsError(Code.ACCEPT_MEETING_INVITATION_OF_CANCELED_MEETING)
        if doc["sd"] > req.now:
            raise TurmsError(Code.ACCEPT_MEETING_INVITATION_OF_PENDING_MEETING)
        if "ed" in doc:
            raise TurmsError(Code.ACCEPT_MEETING_INVITATION_OF_ENDED_MEETING)
        grant = await _join(services, provider, doc, req)
        data = turms_notification_pb2.TurmsNotification.Data(string=grant.access_token)
        attributes = (model.url_attribute(grant.url),) if grant.url else ()
        response = Response(Code.OK, data=data, custom_attributes=attributes)
    recipients: set[int] = set()
    if s.get(conf.NOTIFY_PARTICIPANTS_OF_INVITATION_UPDATED):
        recipients = (await participants(services, doc)) | {doc["cid"]}
    stripped = turms_request_pb2.TurmsRequest()
    stripped.CopyFrom(req.request)
    stripped.update_meeting_invitation_request.ClearField("password")
    await notify(services, req, recipients, stripped, own_devices=s.get(conf.NOTIFY_REQUESTER_OF_INVITATION_UPDATED))
    return response
