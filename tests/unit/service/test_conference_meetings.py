"""The meeting domain (Turms's conference requests) on a real SQLite store with an injected clock, the recording
Notifier and an in-memory provider run as a plugin (real plugin host, hooks and budget guard); the livekit plugin
against a real LiveKit server is in tests/integration/test_conference_livekit.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from memory_rooms import MemoryRooms

from turms.observability import metrics
from turms.protocol.pb import model_conference_pb2
from turms.protocol.pb.constant_pb2 import ResponseAction
from turms.protocol.status import ResponseStatusCode as Code
from turms.protocol.status import SystemMessageType
from turms.service.conference.model import CONFERENCE_URL_TAG
from turms.service.message.model import find_tagged

from message_world import World, world

A, B, C = 11, 22, 33
GROUP = 1
PASSWORDS = {"service.conference.meeting.password.policy": "USER_INPUT_OPTIONAL"}
CREATE, CANCEL, UPDATE = "create_meeting_request", "delete_meeting_request", "update_meeting_request"
QUERY, REPLY = "query_meetings_request", "update_meeting_invitation_request"


async def create(w: World, uid: int, **fields: Any) -> int:
    r = await w.call(uid, CREATE, **fields)
    assert r.code == Code.OK, (r.code, r.reason)
    return int(r.data.long)


async def meeting(w: World, meeting_id: int) -> dict[str, Any]:
    doc = await w.store.find_one("meeting", {"_id": meeting_id})
    assert doc is not None
    return doc


def invitation_of(n: Any) -> Any:
    """The Meeting model carried by a pushed MEETING_INVITATION system message."""
    cm = n.relayed_request.create_message_request
    assert cm.is_system_message and cm.records[0] == SystemMessageType.MEETING_INVITATION.as_record()
    return model_conference_pb2.Meeting.FromString(cm.records[1])


async def test_without_a_provider_the_requests_that_need_one_answer_8000(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        assert (await w.call(A, CREATE, user_id=B)).code == Code.CONFERENCE_NOT_IMPLEMENTED
        assert (await w.call(A, CANCEL, id=123)).code == Code.CONFERENCE_NOT_IMPLEMENTED
        reply = await w.call(B, REPLY, meeting_id=123, response_action=ResponseAction.ACCEPT)
        assert reply.code == Code.CONFERENCE_NOT_IMPLEMENTED
        # Update and query read the stored meetings only (as Turms).
        assert (await w.call(A, UPDATE, id=123, name="x")).code == Code.UPDATE_INFO_OF_NONEXISTENT_MEETING
        assert (await w.call(A, QUERY)).code == Code.NO_CONTENT
        assert await w.store.count("meeting") == 0 and await w.messages() == []


async def test_a_private_meeting_is_stored_its_room_opened_and_its_invitation_pushed(tmp_path: Path) -> None:
    rooms = MemoryRooms()
    async with world(tmp_path, PASSWORDS, rooms=rooms) as w:
        mid = await create(w, A, user_id=B, name="standup", intro="daily", password="123456")
        assert 1 <= mid < 10**9
        doc = await meeting(w, mid)
        assert (doc["cid"], doc["uid"], doc["n"], doc["intro"], doc["pw"]) == (A, B, "standup", "daily", "123456")
        assert doc["sd"] == doc["cd"] == w.clock.now() and "gid" not in doc and "rcd" in doc
        assert rooms.created == [mid] and rooms.rooms[mid].empty_timeout_s == 7200 and not rooms.rooms[mid].is_group
        # The invitation: a MEETING_INVITATION system message in the private conversation, stored and pushed.
        (stored,) = await w.messages()
        assert stored["sm"] and stored["sid"] == A and stored["tid"] == B and stored["sqid"] == 1
        (sent,) = w.notes.sent
        assert sent[0] == {A, B} and sent[2] == f"s{A}:0"  # B, and A's other devices (not this session)
        inv = invitation_of(sent[1])
        assert (inv.id, inv.creator_id, inv.user_id, inv.name, inv.password) == (mid, A, B, "standup", "123456")


async def test_a_group_meeting_is_pushed_to_every_member_and_needs_the_right_to_post(tmp_path: Path) -> None:
    rooms = MemoryRooms()
    async with world(tmp_path, rooms=rooms) as w:
        await w.group(GROUP, {A: 0, B: 2, 44: 2})
        mid = await create(w, B, group_id=GROUP)
        (sent,) = w.notes.sent
        assert sent[0] == {A, B, 44} and invitation_of(sent[1]).group_id == GROUP
        assert rooms.rooms[mid].is_group and rooms.rooms[mid].empty_timeout_s == 360_000
        # Who may not post may not call a meeting: a muted member, a stranger, a group that does not exist.
        await w.store.update_one(
            "groupMember", {"_id.gid": GROUP, "_id.uid": 44}, {"$set": {"med": w.clock.now().replace(year=2099)}}
        )
        assert (await w.call(44, CREATE, group_id=GROUP)).code == Code.MUTED_GROUP_MEMBER_SEND_MESSAGE
        assert (await w.call(C, CREATE, group_id=GROUP)).code == Code.NOT_SPEAKABLE_GROUP_GUEST_TO_SEND_MESSAGE
        assert (await w.call(A, CREATE, group_id=999)).code == Code.SEND_MESSAGE_TO_NONEXISTENT_GROUP
        # Private meetings follow the private message rules: blocked by the invitee.
        await w.relate(C, A, blocked=True)
        assert (await w.call(A, CREATE, user_id=C)).code == Code.BLOCKED_USER_SEND_PRIVATE_MESSAGE
        assert await w.store.count("meeting") == 1


async def test_invalid_creations_are_refused_before_anything_is_stored(tmp_path: Path) -> None:
    rooms = MemoryRooms()
    async with world(tmp_path, rooms=rooms) as w:
        await w.group(GROUP, {A: 0})
        for fields in (
            {},
            {"user_id": B, "group_id": GROUP},
            {"user_id": 0},
            {"user_id": B, "name": "n" * 21},  # Turms's default: names of at most 20 characters
            {"user_id": B, "intro": "i" * 201},
            {"user_id": B, "password": "123456"},  # Turms's default policy: passwords prohibited
            {"user_id": B, "start_date": w.clock.now_ms() + 60_000},  # no scheduling by default
        ):
            r = await w.call(A, CREATE, **fields)
            assert r.code == Code.ILLEGAL_ARGUMENT, (fields, r.code)
        assert await w.store.count("meeting") == 0 and rooms.created == [] and w.notes.sent == []


async def test_password_policies(tmp_path: Path) -> None:
    rooms = MemoryRooms()
    policy = "service.conference.meeting.password.policy"
    async with world(tmp_path, {policy: "USER_INPUT_REQUIRED"}, rooms=rooms) as w:
        assert (await w.call(A, CREATE, user_id=B)).code == Code.ILLEGAL_ARGUMENT
        assert (await w.call(A, CREATE, user_id=B, password="12")).code == Code.ILLEGAL_ARGUMENT
        mid = await create(w, A, user_id=B, password="654321")
        assert (await meeting(w, mid))["pw"] == "654321"
    async with world(tmp_path / "gen", {policy: "SYSTEM_GENERATED"}, rooms=MemoryRooms()) as w:
        mid = await create(w, A, user_id=B)
        generated = (await meeting(w, mid))["pw"]
        assert len(generated) == 6 and generated.isdigit()
        assert (await w.call(A, CREATE, user_id=C, password="123456")).code == Code.ILLEGAL_ARGUMENT
        assert (await w.call(A, UPDATE, id=mid, password="111111")).code == Code.ILLEGAL_ARGUMENT


async def test_accepting_with_the_password_grants_the_room_and_wrong_ones_are_8200(tmp_path: Path) -> None:
    rooms = MemoryRooms()
    async with world(tmp_path, PASSWORDS, rooms=rooms) as w:
        mid = await create(w, A, user_id=B, password="123456")
        w.notes.clear()
        accept = ResponseAction.ACCEPT
        assert (
            await w.call(B, REPLY, meeting_id=mid, response_action=accept)
        ).code == Code.ACCEPT_MEETING_INVITATION_WITH_WRONG_PASSWORD
        r = await w.call(B, REPLY, meeting_id=mid, response_action=accept, password="000000")
        assert r.code == Code.ACCEPT_MEETING_INVITATION_WITH_WRONG_PASSWORD and rooms.grants == []
        r = await w.call(B, REPLY, meeting_id=mid, response_action=accept, password="123456")
        assert r.code == Code.OK and r.data.string == f"token-{mid}-{B}"
        assert find_tagged(r.custom_attributes, CONFERENCE_URL_TAG)[0].string_value == "wss://media.test"  # type: ignore[index]
        # The creator and B's other devices learn of it, without the password.
        (sent,) = w.notes.sent
        assert sent[0] == {A, B} and not sent[1].relayed_request.update_meeting_invitation_request.HasField("password")
        # The creator may join its own meeting (Turms refuses it); nobody else is invited.
        assert (await w.call(A, REPLY, meeting_id=mid, response_action=accept, password="123456")).data.string
        r = await w.call(C, REPLY, meeting_id=mid, response_action=accept, password="123456")
        assert r.code == Code.ACCEPT_NONEXISTENT_MEETING_INVITATION
        r = await w.call(B, REPLY, meeting_id=mid + 1, response_action=accept, password="123456")
        assert r.code == Code.ACCEPT_NONEXISTENT_MEETING_INVITATION
        # Declining and ignoring grant nothing.
        grants = len(rooms.grants)
        r = await w.call(B, REPLY, meeting_id=mid, response_action=ResponseAction.DECLINE, password="123456")
        assert r.code == Code.OK and r.data is None
        assert (await w.call(B, REPLY, meeting_id=mid, response_action=ResponseAction.IGNORE)).code == Code.OK
        assert len(rooms.grants) == grants


async def test_canceled_expired_pending_and_ended_meetings_refuse_acceptance(tmp_path: Path) -> None:
    rooms = MemoryRooms()
    settings = {
        "service.conference.meeting.scheduling.max_allowed_start_date_offset_s": "3600",
        "service.conference.meeting.quota.max_active_meeting_count_per_user": "0",
    }
    async with world(tmp_path, settings, rooms=rooms) as w:
        accept = ResponseAction.ACCEPT
        canceled = await create(w, A, user_id=B)
        assert (await w.call(A, CANCEL, id=canceled)).code == Code.OK
        assert (
            await w.call(B, REPLY, meeting_id=canceled, response_action=accept)
        ).code == Code.ACCEPT_MEETING_INVITATION_OF_CANCELED_MEETING

        scheduled = await create(w, A, user_id=B, start_date=w.clock.now_ms() + 600_000)
        assert scheduled not in rooms.created  # its room opens with the first acceptance after the start
        assert (
            await w.call(B, REPLY, meeting_id=scheduled, response_action=accept)
        ).code == Code.ACCEPT_MEETING_INVITATION_OF_PENDING_MEETING
        w.clock.advance(600)
        assert (await w.call(B, REPLY, meeting_id=scheduled, response_action=accept)).code == Code.OK
        assert scheduled in rooms.rooms and "rcd" in await meeting(w, scheduled)

        ended = await create(w, A, user_id=B)
        rooms.expire(ended)  # the room stayed empty for its timeout and LiveKit closed it
        assert (
            await w.call(B, REPLY, meeting_id=ended, response_action=accept)
        ).code == Code.ACCEPT_MEETING_INVITATION_OF_ENDED_MEETING
        assert "ed" in await meeting(w, ended)
        assert (
            await w.call(B, REPLY, meeting_id=ended, response_action=accept)
        ).code == Code.ACCEPT_MEETING_INVITATION_OF_ENDED_MEETING

        expiring = await create(w, A, user_id=B)
        w.clock.advance(7200)
        assert (
            await w.call(B, REPLY, meeting_id=expiring, response_action=accept)
        ).code == Code.ACCEPT_MEETING_INVITATION_OF_EXPIRED_MEETING
        # Declining still works on any of them.
        assert (await w.call(B, REPLY, meeting_id=canceled, response_action=ResponseAction.DECLINE)).code == Code.OK


async def test_active_meeting_quota(tmp_path: Path) -> None:
    rooms = MemoryRooms()
    async with world(tmp_path, rooms=rooms) as w:
        first = await create(w, A, user_id=B)
        r = await w.call(A, CREATE, user_id=C)
        assert r.code == Code.CREATE_MEETING_EXCEEDING_MAX_ACTIVE_MEETING_COUNT
        assert await w.store.count("meeting") == 1 and rooms.created == [first]
        await create(w, B, user_id=A)  # the quota is per creator
        assert (await w.call(A, CANCEL, id=first)).code == Code.OK
        second = await create(w, A, user_id=C)  # a cancelled meeting is not active
        w.clock.advance(7200)  # nor an expired one
        await create(w, A, user_id=C)
        assert second != first


async def test_cancel(tmp_path: Path) -> None:
    rooms = MemoryRooms()
    async with world(tmp_path, rooms=rooms) as w:
        await w.group(GROUP, {A: 0, B: 2})
        mid = await create(w, A, group_id=GROUP)
        w.notes.clear()
        assert (await w.call(B, CANCEL, id=mid)).code == Code.NOT_CREATOR_TO_CANCEL_MEETING
        assert (await w.call(C, CANCEL, id=mid)).code == Code.CANCEL_NONEXISTENT_MEETING
        assert (await w.call(A, CANCEL, id=mid + 1)).code == Code.CANCEL_NONEXISTENT_MEETING
        assert (await w.call(A, CANCEL)).code == Code.ILLEGAL_ARGUMENT
        assert (await w.call(A, CANCEL, id=mid)).code == Code.OK
        assert rooms.deleted == [mid] and "ccd" in await meeting(w, mid)
        (sent,) = w.notes.sent
        assert sent[0] == {A, B} and sent[1].relayed_request.delete_meeting_request.id == mid
        assert (await w.call(A, CANCEL, id=mid)).code == Code.OK and len(w.notes.sent) == 1  # twice: a no-op
    async with world(
        tmp_path / "off", {"service.conference.meeting.scheduling.allow_cancel": "false"}, rooms=MemoryRooms()
    ) as w:
        mid = await create(w, A, user_id=B)
        assert (await w.call(A, CANCEL, id=mid)).code == Code.CANCELING_MEETING_IS_DISABLED


async def test_a_provider_failure_changes_nothing(tmp_path: Path) -> None:
    rooms = MemoryRooms()
    async with world(tmp_path, rooms=rooms) as w:
        rooms.down = True
        assert (await w.call(A, CREATE, user_id=B)).code == Code.SERVER_UNAVAILABLE
        assert await w.store.count("meeting") == 0 and await w.messages() == [] and w.notes.sent == []
        rooms.down = False
        mid = await create(w, A, user_id=B)
        rooms.down = True
        assert (await w.call(A, CANCEL, id=mid)).code == Code.SERVER_UNAVAILABLE
        assert "ccd" not in await meeting(w, mid)
        assert (
            await w.call(B, REPLY, meeting_id=mid, response_action=ResponseAction.ACCEPT)
        ).code == Code.SERVER_UNAVAILABLE
        rooms.down = False
        assert (await w.call(A, CANCEL, id=mid)).code == Code.OK


async def test_a_provider_that_does_not_answer_is_cut_by_its_budget_and_changes_nothing(tmp_path: Path) -> None:
    rooms = MemoryRooms()
    timeouts = metrics.PLUGIN_CALLS.labels("memory", "create_room", "timeout")
    before = timeouts._value.get()
    async with world(tmp_path, rooms=rooms, plugin_settings={"plugins.budget.conference_ms": 50}) as w:
        rooms.hung = True
        assert (await w.call(A, CREATE, user_id=B)).code == Code.SERVER_UNAVAILABLE
        assert await w.store.count("meeting") == 0 and await w.messages() == [] and w.notes.sent == []
        assert timeouts._value.get() == before + 1  # counted by the guard as the plugin's timeout
        rooms.hung = False
        assert rooms.started  # the plugin host started it
        await create(w, A, user_id=B)
    assert not rooms.started  # and stopped it


async def test_update(tmp_path: Path) -> None:
    rooms = MemoryRooms()
    async with world(tmp_path, PASSWORDS, rooms=rooms) as w:
        await w.group(GROUP, {A: 0, B: 2, 44: 2})
        mid = await create(w, A, group_id=GROUP, password="123456")
        w.notes.clear()
        assert (await w.call(B, UPDATE, id=mid, name="renamed")).code == Code.OK  # any participant (as Turms)
        assert (await meeting(w, mid))["n"] == "renamed"
        audiences = {frozenset(to): n.relayed_request.update_meeting_request for to, n, _, _ in w.notes.sent}
        assert set(audiences) == {frozenset({A, 44}), frozenset({B})}  # the others, and B's other devices
        assert all(u.name == "renamed" for u in audiences.values())
        assert (await w.call(B, UPDATE, id=mid, password="654321")).code == Code.NOT_CREATOR_TO_UPDATE_MEETING_PASSWORD
        assert (await w.call(C, UPDATE, id=mid, password="654321")).code == Code.UPDATE_INFO_OF_NONEXISTENT_MEETING
        assert (await w.call(C, UPDATE, id=mid, name="x")).code == Code.UPDATE_INFO_OF_NONEXISTENT_MEETING
        w.notes.clear()
        assert (await w.call(A, UPDATE, id=mid, intro="new", password="654321")).code == Code.OK
        assert (await meeting(w, mid))["pw"] == "654321"
        # Participants get the change without the password; the creator's other devices get it whole.
        by_audience = {frozenset(to): n.relayed_request.update_meeting_request for to, n, _, _ in w.notes.sent}
        assert by_audience[frozenset({A})].password == "654321"
        assert not by_audience[frozenset({B, 44})].HasField("password")
        assert (await w.call(A, UPDATE, id=mid)).code == Code.OK  # nothing to change


async def test_query_sees_what_the_requester_may_see(tmp_path: Path) -> None:
    rooms = MemoryRooms()
    async with world(
        tmp_path, {"service.conference.meeting.quota.max_active_meeting_count_per_user": "0"}, rooms=rooms
    ) as w:
        await w.group(GROUP, {A: 0, B: 2})
        await w.group(2, {C: 0})
        a_to_b = await create(w, A, user_id=B)
        w.clock.advance(1)
        a_to_c = await create(w, A, user_id=C)
        w.clock.advance(1)
        c_to_b = await create(w, C, user_id=B)
        w.clock.advance(1)
        g1 = await create(w, B, group_id=GROUP)
        g2 = await create(w, C, group_id=2)

        async def ids(uid: int, **fields: Any) -> list[int]:
            r = await w.call(uid, QUERY, **fields)
            assert r.code in (Code.OK, Code.NO_CONTENT), r.code
            return [m.id for m in r.data.meetings.meetings] if r.code == Code.OK else []

        assert await ids(B) == [a_to_b, c_to_b, g1]  # created by or inviting the requester
        assert await ids(B, user_ids=[B]) == [a_to_b, c_to_b]
        assert await ids(B, user_ids=[B], creator_ids=[C]) == [c_to_b]
        assert await ids(A, user_ids=[B, C]) == [a_to_b, a_to_c]  # A's meetings with these users
        assert await ids(B, user_ids=[C]) == []
        assert await ids(A, creator_ids=[A]) == [a_to_b, a_to_c]
        assert await ids(B, creator_ids=[A]) == []
        assert await ids(A, group_ids=[GROUP, 2]) == [g1]  # only the groups the requester is in
        assert await ids(C, group_ids=[2], creator_ids=[C]) == [g2]
        assert await ids(A, user_ids=[B], group_ids=[GROUP]) == []
        assert await ids(A, ids=[a_to_c]) == [a_to_c]
        assert await ids(A, skip=1, limit=1) == [a_to_c]
        start = (await meeting(w, a_to_c))["cd"]
        assert await ids(A, creation_date_start=int(start.timestamp() * 1000)) == [a_to_c]
        r = await w.call(A, QUERY, ids=[a_to_b])
        m = r.data.meetings.meetings[0]
        assert (m.creator_id, m.user_id, m.start_date) == (
            A,
            B,
            int((await meeting(w, a_to_b))["sd"].timestamp() * 1000),
        )
        assert (await w.call(A, QUERY, limit=0)).code == Code.ILLEGAL_ARGUMENT
