"""Meetings through real processes: a 2-worker turms server whose conference provider is the in-box livekit plugin
on a real LiveKit server (built from the Go module proxy by scripts/ensure_livekit.sh, started on loopback in dev
mode), and SDK clients.

A meeting created by user 1 for group 1 reaches the members as an invitation; an invitee accepts with the
password and receives an access token that LiveKit itself accepts for the meeting's room; a wrong password, a
cancelled, an ended and an expired meeting answer Turms's codes. With the plugin disabled the server answers 8000;
enabling and disabling it through the admin API switches every worker between the two without a restart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from raw_sessions import close_open_clients, logged_in, on_every_worker, one_per_worker
from test_client_chat import ChatProcess

from turms.client import ResponseError, TurmsClient
from turms.client.conference import ConferenceService, meeting_invitation
from turms.client.message import MessageService
from turms.protocol.pb import turms_request_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.storage.port import Store

from conference_support import API_SECRET, LiveKit
from integration_support import ROOT_PASSWORD, Server, admin_call, running
from messaging_support import SERVER_SETTINGS, connect, make_group, messaging, server_store

__all__ = ["close_open_clients"]

pytestmark = pytest.mark.slow
GROUP = 1
SETTINGS = {
    **SERVER_SETTINGS,
    "service.conference.meeting.password.policy": "USER_INPUT_OPTIONAL",
    "service.conference.meeting.quota.max_active_meeting_count_per_user": "0",
}


@pytest.fixture(scope="module")
def livekit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveKit]:
    lk = LiveKit(tmp_path_factory.mktemp("livekit")).start()
    try:
        yield lk
    finally:
        lk.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, livekit: LiveKit) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("conference"), workers=2, settings={**SETTINGS, **livekit.server_settings()})
    with running(srv):
        yield srv


@pytest.fixture
async def store(server: Server) -> AsyncIterator[Store]:
    await server.wait_ready()
    async with server_store(server.data_dir) as s:
        if await s.find_one("group", {"_id": GROUP}) is None:
            await make_group(s, GROUP, [1, 2, 3])
        yield s


async def next_relayed(client: TurmsClient, kind: str, within: float = 10.0) -> object:
    while True:
        n = await client.next_notification(within)
        if n.HasField("relayed_request") and n.relayed_request.WhichOneof("kind") == kind:
            return n


async def code_of(call: object) -> int:
    with pytest.raises(ResponseError) as e:
        await call  # type: ignore[misc]
    return int(e.value.code)


async def test_a_group_meeting_from_invitation_to_livekit_room_to_cancellation(
    server: Server, store: Store, livekit: LiveKit
) -> None:
    c1 = await connect(server.tcp_port, 1)
    c2, m2 = await messaging(server.tcp_port, 2)
    c3, m3 = await messaging(server.tcp_port, 3)
    try:
        creator = ConferenceService(c1)
        mid = await creator.create_meeting(group_id=GROUP, name="standup", password="123456")
        assert 1 <= mid < 10**9 and str(mid) in await livekit.rooms()
        # Every member is invited: a MEETING_INVITATION system message carrying the meeting.
        for messages in (m2, m3):
            invitation = meeting_invitation(await messages.next_message(10))
            assert invitation is not None
            assert (invitation.id, invitation.group_id, invitation.creator_id) == (mid, GROUP, 1)
            assert (invitation.name, invitation.password) == ("standup", "123456")

        invitee = ConferenceService(c2)
        assert (
            await code_of(invitee.accept_meeting_invitation(mid)) == Code.ACCEPT_MEETING_INVITATION_WITH_WRONG_PASSWORD
        )
        wrong = invitee.accept_meeting_invitation(mid, "654321")
        assert await code_of(wrong) == Code.ACCEPT_MEETING_INVITATION_WITH_WRONG_PASSWORD
        access = await invitee.accept_meeting_invitation(mid, "123456")
        assert access.url == livekit.url.replace("http://", "ws://")
        claims = jwt.decode(access.access_token, API_SECRET, algorithms=["HS256"])
        assert claims["sub"] == "2" and claims["video"]["room"] == str(mid) and claims["video"]["roomJoin"]
        assert await livekit.validate(access.access_token) == 200  # LiveKit lets user 2 into the room
        told = await next_relayed(c1, "update_meeting_invitation_request")
        assert told.requester_id == 2 and not told.relayed_request.update_meeting_invitation_request.HasField(
            "password"
        )  # type: ignore[attr-defined]

        await invitee.update_meeting(mid, name="renamed")
        (listed,) = await ConferenceService(c3).query_meetings(group_ids=[GROUP])
        assert (listed.id, listed.name) == (mid, "renamed")
        await ConferenceService(c3).decline_meeting_invitation(mid, "123456")

        assert await code_of(invitee.cancel_meeting(mid)) == Code.NOT_CREATOR_TO_CANCEL_MEETING
        await creator.cancel_meeting(mid)
        assert str(mid) not in await livekit.rooms()
        assert await livekit.validate(access.access_token) == 404  # the room is gone
        cancelled = await next_relayed(c3, "delete_meeting_request")
        assert cancelled.relayed_request.delete_meeting_request.id == mid  # type: ignore[attr-defined]
        late = ConferenceService(c3).accept_meeting_invitation(mid, "123456")
        assert await code_of(late) == Code.ACCEPT_MEETING_INVITATION_OF_CANCELED_MEETING
    finally:
        for m in (m2, m3):
            await m.close()
        for c in (c1, c2, c3):
            await c.close()


async def test_ended_and_expired_meetings(server: Server, store: Store, livekit: LiveKit) -> None:
    c1 = await connect(server.tcp_port, 1)
    c2 = await connect(server.tcp_port, 2)
    try:
        creator, invitee = ConferenceService(c1), ConferenceService(c2)
        mid = await creator.create_meeting(user_id=2)
        await livekit.close_room(str(mid))  # nobody came and LiveKit closed the room
        assert await code_of(invitee.accept_meeting_invitation(mid)) == Code.ACCEPT_MEETING_INVITATION_OF_ENDED_MEETING
        (ended,) = await creator.query_meetings(ids=[mid])
        assert ended.HasField("end_date")

        # A meeting with user 2 that started 3 hours ago: private meetings expire 2 hours after their start.
        long_ago = datetime.now(UTC) - timedelta(hours=3)
        await store.insert_one("meeting", {"_id": 987654321, "cid": 1, "uid": 2, "cd": long_ago, "sd": long_ago})
        expired = invitee.accept_meeting_invitation(987654321)
        assert await code_of(expired) == Code.ACCEPT_MEETING_INVITATION_OF_EXPIRED_MEETING
        assert await code_of(invitee.accept_meeting_invitation(123)) == Code.ACCEPT_NONEXISTENT_MEETING_INVITATION
    finally:
        await c1.close()
        await c2.close()


def create_meeting_with(user_id: int) -> turms_request_pb2.TurmsRequest:
    r = turms_request_pb2.TurmsRequest()
    r.create_meeting_request.user_id = user_id
    return r


async def test_the_livekit_plugin_is_enabled_and_disabled_live_on_every_worker(
    tmp_path: Path, livekit: LiveKit
) -> None:
    """Configured but not enabled: 8000 on every worker; enabled through the admin API: meetings get LiveKit rooms
    on every worker; disabled again: 8000 again, and no worker was restarted."""
    settings = {**SETTINGS, "admin.root.password": ROOT_PASSWORD, **livekit.server_settings(enabled=False)}
    srv = Server(tmp_path, workers=2, settings=settings)
    with running(srv):
        await srv.wait_ready()
        pids = srv.worker_pids()
        clients = await one_per_worker(srv)
        for client, uid in zip(clients.values(), (4, 5), strict=True):
            await logged_in(client, uid)
        c1 = await connect(srv.tcp_port, 1)
        c2, m2 = await messaging(srv.tcp_port, 2)
        try:
            conference = ConferenceService(c1)
            await on_every_worker(clients, lambda: create_meeting_with(3), Code.CONFERENCE_NOT_IMPLEMENTED)
            assert await code_of(conference.cancel_meeting(1)) == Code.CONFERENCE_NOT_IMPLEMENTED
            accept = ConferenceService(c2).accept_meeting_invitation(1)
            assert await code_of(accept) == Code.CONFERENCE_NOT_IMPLEMENTED
            assert await conference.query_meetings() == []
            assert isinstance(m2, MessageService) and await m2.query(from_ids=[1]) == []  # nobody was invited

            status, reply = await admin_call(srv, "PUT", "/plugins?ids=livekit", {"enabled": True})
            assert status == 200 and reply["data"]["enabled"] == ["livekit"], reply
            for answer in await on_every_worker(clients, lambda: create_meeting_with(3), Code.OK):
                assert str(answer.data.long) in await livekit.rooms()  # its room is open on LiveKit
            status, reply = await admin_call(srv, "GET", "/plugins?ids=livekit")
            (state,) = reply["data"]
            assert state["points"] == ["create_room", "room_exists", "delete_room", "grant"]
            assert [w["state"] for w in state["workers"]] == ["running", "running"]

            status, reply = await admin_call(srv, "PUT", "/plugins?ids=livekit", {"enabled": False})
            assert status == 200 and reply["data"]["enabled"] == [], reply
            await on_every_worker(clients, lambda: create_meeting_with(3), Code.CONFERENCE_NOT_IMPLEMENTED)
            assert srv.worker_pids() == pids  # no worker was restarted
            assert "Traceback" not in srv.log(), srv.log()[-4000:]
        finally:
            await m2.close()
            await c1.close()
            await c2.close()


async def test_the_terminal_chat_meets(server: Server, store: Store, livekit: LiveKit) -> None:
    alice = await ChatProcess.start(server.tcp_port, 1, "--to", "2")
    bob = await ChatProcess.start(server.tcp_port, 2, "--group", str(GROUP))
    try:
        await alice.expect("--- new messages below ---")
        await bob.expect("--- new messages below ---")
        await alice.type("/meet @2 246810")
        created = await alice.expect("user 2 is invited")
        mid = int(created.split()[1])
        own = await alice.expect(f"meeting {mid}: join at ws://")
        assert await livekit.validate(own.rsplit(" ", 1)[1]) == 200
        assert await bob.expect(f"[meeting invitation from 1] meeting {mid}; /join {mid} 246810")
        await bob.type(f"/join {mid} 246810")
        joined = await bob.expect(f"meeting {mid}: join at ws://")
        assert await livekit.validate(joined.rsplit(" ", 1)[1]) == 200
        await alice.expect(f"[meeting {mid} accepted by 2]")
        await alice.type(f"/cancel {mid}")
        await alice.expect(f"meeting {mid} cancelled")
        await bob.expect(f"[meeting {mid} cancelled by 1]")
        await bob.type(f"/join {mid} 246810")
        await bob.expect("refused: ACCEPT_MEETING_INVITATION_OF_CANCELED_MEETING (8201)")
        # The group variant: /meet in the current (group) conversation invites its members.
        await bob.type("/meet")
        group_meeting = int((await bob.expect(f"group {GROUP} is invited")).split()[1])
        await bob.expect(f"meeting {group_meeting}: join at ws://")
        await bob.type(f"/cancel {group_meeting}")
        await bob.expect(f"meeting {group_meeting} cancelled")
    finally:
        codes = [await alice.quit(), await bob.quit()]
    assert codes == [0, 0]
