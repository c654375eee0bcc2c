"""The admin API's message and conversation writes on a real 2-worker server (real Redis and SQLite): ``POST
/messages`` stores through the message service (dense sequence ids shared with client sends) and pushes to
exactly the online recipients; ``PUT /conversations/group`` sets members' read dates."""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from turms.client import TurmsClient
from turms.client.errors import RequestTimeoutError
from turms.client.message import MessageService
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.message.model import (
    MESSAGE_TAG,
    find_tagged,
    group_conversation_id,
    int_arg,
    private_conversation_id,
)
from turms.storage.port import Store

from integration_support import Server, running
from messaging_support import SERVER_SETTINGS, connect, make_group, server_store

pytestmark = pytest.mark.slow

DESKTOP, ANDROID = 0, 3
ROOT = {"Authorization": "Basic " + base64.b64encode(b"turms:root-pw").decode()}
A, B, C, D = 7101, 7102, 7103, 7104  # C is never a recipient
GROUP = 7900


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    settings = {**SERVER_SETTINGS, "admin.root.password": "root-pw"}
    srv = Server(tmp_path_factory.mktemp("admin-messages"), workers=2, settings=settings)
    with running(srv):
        asyncio.run(srv.wait_ready())
        yield srv


@pytest.fixture
async def store(server: Server) -> AsyncIterator[Store]:
    async with server_store(server.data_dir) as s:
        yield s


async def admin(server: Server, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{server.admin_port}{path}"
        async with http.request(method, url, json=body, headers=ROOT) as resp:
            return resp.status, await resp.json()


async def relayed_messages(client: TurmsClient, count: int, within: float = 5.0) -> list[Any]:
    """The next ``count`` pushed CreateMessageRequests (relayed) that ``client`` receives, as notifications."""
    out = []
    while len(out) < count:
        n = await client.next_notification(within)
        if n.HasField("relayed_request") and n.relayed_request.WhichOneof("kind") == "create_message_request":
            out.append(n)
    return out


async def no_message_push(client: TurmsClient, within: float = 0.5) -> bool:
    try:
        await relayed_messages(client, 1, within)
    except RequestTimeoutError:
        return True
    return False


def sequence_of(n: Any) -> int | None:
    args = find_tagged(n.relayed_request.custom_attributes, MESSAGE_TAG)
    return None if args is None else int_arg(args, 0)


async def test_message_on_behalf_of_a_user_is_stored_in_sequence_and_pushed_to_exactly_its_audience(
    server: Server, store: Store
) -> None:
    a_desk = await connect(server.tcp_port, A, DESKTOP)
    a_phone = await connect(server.tcp_port, A, ANDROID)
    b = await connect(server.tcp_port, B, DESKTOP)
    c = await connect(server.tcp_port, C, DESKTOP)
    try:
        body = {
            "isGroupMessage": False,
            "senderId": A,
            "targetId": B,
            "text": "sent for A by an admin",
            "senderIp": "203.0.113.7",
            "burnAfter": 30,
            "preMessageId": 5,
        }
        status, reply = await admin(server, "POST", "/messages", body)
        assert status == 200, reply
        data = reply["data"]
        assert data["sequenceId"] == 1 and data["id"] > 0
        # Durable before the response: the test process reads it from the store at once.
        (doc,) = await store.find("message", {"_id": data["id"]})
        assert doc["cid"] == private_conversation_id(A, B) and doc["sqid"] == 1
        assert (doc["sid"], doc["tid"], doc["gm"], doc["sm"]) == (A, B, False, False)
        assert (doc["txt"], doc["bf"], doc["pmid"]) == ("sent for A by an admin", 30, 5)
        assert doc["sip"] == int(ipaddress.ip_address("203.0.113.7"))
        assert datetime.fromisoformat(data["deliveryDate"]) == doc["dyd"]
        # The recipient and both of A's devices get the push, as if A had sent it from a third device.
        for client in (b, a_desk, a_phone):
            (n,) = await relayed_messages(client, 1)
            assert n.requester_id == A
            relay = n.relayed_request.create_message_request
            assert (relay.message_id, relay.recipient_id, relay.text) == (data["id"], B, "sent for A by an admin")
            assert not relay.is_system_message and relay.burn_after == 30
            assert sequence_of(n) == 1
        assert await no_message_push(c)

        # The same conversation's sequence, shared with client sends in both directions.
        status, reply = await admin(
            server, "POST", "/messages", {"isGroupMessage": False, "senderId": B, "targetId": A, "text": "for B"}
        )
        assert status == 200 and reply["data"]["sequenceId"] == 2, reply
        sent = await MessageService(a_desk, A).send_private(B, "A's own send")
        assert sent.sequence_id == 3
        # B's device gets both: its own message sent on its behalf, and A's.
        assert [sequence_of(n) for n in await relayed_messages(b, 2)] == [2, 3]
        docs = await store.find("message", {"cid": private_conversation_id(A, B)}, sort=[("sqid", 1)])
        assert [(d["sqid"], d["sid"]) for d in docs] == [(1, A), (2, B), (3, A)]

        # Forwarding on behalf of a user: B received the first message, so B may forward it; C may not.
        status, reply = await admin(
            server,
            "POST",
            "/messages",
            {"isGroupMessage": False, "senderId": B, "targetId": D, "referenceId": data["id"]},
        )
        assert status == 200 and reply["data"]["sequenceId"] == 1, reply
        forwarded = await store.find_one("message", {"_id": reply["data"]["id"]})
        assert forwarded is not None and (forwarded["rid"], forwarded["txt"]) == (data["id"], "sent for A by an admin")
        assert forwarded["cid"] == private_conversation_id(B, D)
        status, reply = await admin(
            server,
            "POST",
            "/messages",
            {"isGroupMessage": False, "senderId": C, "targetId": D, "referenceId": data["id"]},
        )
        assert status == 403 and reply["code"] == Code.NOT_MESSAGE_RECIPIENT_OR_SENDER_TO_FORWARD_MESSAGE, reply
        assert (await relayed_messages(b, 1))[0].relayed_request.create_message_request.recipient_id == D

        # On behalf of a user, the user's own rules apply: B blocks C, so C cannot message B even through the API.
        await store.insert_one(
            "userRelationship", {"_id": {"oid": B, "rid": C}, "bd": datetime.now(UTC), "ed": datetime.now(UTC)}
        )
        status, reply = await admin(
            server, "POST", "/messages", {"isGroupMessage": False, "senderId": C, "targetId": B, "text": "x"}
        )
        assert status == 403 and reply["code"] == Code.BLOCKED_USER_SEND_PRIVATE_MESSAGE, reply
        # Turms answers "turned off" refusals with HTTP 510; the admin API says 403 (the request is refused).
        status, reply = await admin(
            server, "POST", "/messages", {"isGroupMessage": False, "senderId": A, "targetId": A, "text": "x"}
        )
        assert status == 403 and reply["code"] == Code.SENDING_MESSAGES_TO_ONESELF_IS_DISABLED, reply
        assert await store.count("message", {"sid": C}) == 0 and await store.count("message", {"tid": A}) == 1
        assert await no_message_push(b, 0.3)
    finally:
        for client in (a_desk, a_phone, b, c):
            await client.close()


async def test_system_message_to_a_group_reaches_every_online_member_and_nobody_else(
    server: Server, store: Store
) -> None:
    await make_group(store, GROUP, [D, A, B])
    members = [await connect(server.tcp_port, uid, DESKTOP) for uid in (A, B, D)]
    a_phone = await connect(server.tcp_port, A, ANDROID)
    outsider = await connect(server.tcp_port, C, DESKTOP)
    try:
        record = bytes(range(8))
        body = {
            "isGroupMessage": True,
            "isSystemMessage": True,
            "targetId": GROUP,
            "text": "maintenance at 02:00",
            "records": [base64.b64encode(record).decode()],
        }
        status, reply = await admin(server, "POST", "/messages", body)
        assert status == 200, reply
        first = reply["data"]
        assert first["sequenceId"] == 1
        for client in (*members, a_phone):
            (n,) = await relayed_messages(client, 1)
            relay = n.relayed_request.create_message_request
            assert n.requester_id == 0  # no sender given: Turms's admin requester id
            assert (relay.message_id, relay.group_id, relay.is_system_message) == (first["id"], GROUP, True)
            assert (relay.text, list(relay.records)) == ("maintenance at 02:00", [record])
            assert sequence_of(n) == 1
        assert await no_message_push(outsider)
        (doc,) = await store.find("message", {"_id": first["id"]})
        assert doc["cid"] == group_conversation_id(GROUP)
        assert (doc["sid"], doc["tid"], doc["gm"], doc["sm"], doc["sqid"]) == (0, GROUP, True, True, 1)
        assert doc["rec"] == [record] and "sip" not in doc

        # send=false stores (next sequence id) without pushing; a member's own send continues the sequence.
        status, reply = await admin(server, "POST", "/messages?send=false", {**body, "text": "quiet", "records": []})
        assert status == 200 and reply["data"]["sequenceId"] == 2, reply
        quiet = await asyncio.gather(*(no_message_push(client) for client in (*members, a_phone, outsider)))
        assert all(quiet)
        sent = await MessageService(members[2], D).send_group(GROUP, "from D")
        assert sent.sequence_id == 3
        docs = await store.find("message", {"cid": group_conversation_id(GROUP)}, sort=[("sqid", 1)])
        assert [(d["sqid"], d.get("txt")) for d in docs] == [(1, "maintenance at 02:00"), (2, "quiet"), (3, "from D")]

        # A system message needs no membership; a message on behalf of a non-member is checked (no guests here).
        status, reply = await admin(
            server, "POST", "/messages", {"isGroupMessage": True, "senderId": C, "targetId": GROUP, "text": "hi"}
        )
        assert status == 403 and reply["code"] == Code.NOT_SPEAKABLE_GROUP_GUEST_TO_SEND_MESSAGE, reply
        status, reply = await admin(
            server,
            "POST",
            "/messages",
            {"isGroupMessage": True, "isSystemMessage": True, "senderId": C, "targetId": GROUP, "text": "notice"},
        )
        assert status == 200 and reply["data"]["sequenceId"] == 4, reply
    finally:
        for client in (*members, a_phone, outsider):
            await client.close()
    # Audit-logged like every admin write: admin, route, the new message id, result.
    log = server.log()
    assert re.search(rf"admin=turms .*POST /messages targets=\[{first['id']}\] result=200", log), log[-3000:]
    assert re.search(r"admin=turms .*POST /messages targets=\[\] result=403", log), log[-3000:]


@pytest.mark.parametrize(
    ("path", "body", "reason"),
    [
        ("/messages", {"isGroupMessage": False, "targetId": B, "text": "x"}, "senderId is required"),
        ("/messages", {"isGroupMessage": False, "senderId": A, "text": "x"}, "missing required property 'targetId'"),
        ("/messages", {"senderId": A, "targetId": B, "text": "x"}, "missing required property 'isGroupMessage'"),
        ("/messages", {"isGroupMessage": False, "senderId": A, "targetId": B}, "needs text or records"),
        ("/messages", {"isGroupMessage": False, "senderId": A, "targetId": 0, "text": "x"}, "$.targetId"),
        ("/messages", {"isGroupMessage": False, "senderId": A, "targetId": B, "records": ["%%"]}, "base64"),
        ("/messages", {"isGroupMessage": False, "senderId": A, "targetId": B, "text": "x", "senderIp": "x.y"}, "IP"),
        ("/messages", {"isGroupMessage": False, "senderId": A, "targetId": B, "text": "x" * 501}, "too long"),
        ("/messages", {"isGroupMessage": False, "senderId": A, "targetId": B, "text": "x", "burnAfter": -1}, "burn"),
        ("/messages", {"isGroupMessage": False, "senderId": A, "targetId": B, "text": "x", "id": 5}, "'id'"),
        ("/messages?send=maybe", {"isGroupMessage": False, "senderId": A, "targetId": B, "text": "x"}, "send"),
        ("/messages", ["not", "an", "object"], "expected object"),
    ],
)
async def test_bad_message_requests_are_refused_with_400_and_a_clear_reason(
    server: Server, store: Store, path: str, body: Any, reason: str
) -> None:
    before = await store.count("message", {})
    status, reply = await admin(server, "POST", path, body)
    assert status == 400 and reply["code"] == Code.ILLEGAL_ARGUMENT, reply
    assert reason in reply["reason"], reply
    assert await store.count("message", {}) == before


async def test_put_group_conversation_sets_members_read_dates(server: Server, store: Store) -> None:
    gid = 7950
    await store.insert_one("groupConversation", {"_id": gid, "mr": {str(D): datetime(2025, 6, 1, tzinfo=UTC)}})
    read = "2025-01-02T03:04:05.678Z"
    status, reply = await admin(
        server, "PUT", f"/conversations/group?groupIds={gid},7951&memberIds={A},{B}", {"readDate": read}
    )
    assert status == 200 and reply["data"] == {"updatedCount": 2}, reply
    status, reply = await admin(server, "GET", f"/conversations/group?groupIds={gid},7951")
    assert status == 200, reply
    by_group = {r["groupId"]: r["memberIdToReadDate"] for r in reply["data"]["records"]}
    expected = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    for uid in (A, B):
        assert datetime.fromisoformat(by_group[gid][str(uid)]) == expected
        assert datetime.fromisoformat(by_group[7951][str(uid)]) == expected  # created where missing
    assert datetime.fromisoformat(by_group[gid][str(D)]) == datetime(2025, 6, 1, tzinfo=UTC)  # others untouched
    assert set(by_group[7951]) == {str(A), str(B)}
    # An operator may move a read date back (a client cannot).
    status, reply = await admin(
        server, "PUT", f"/conversations/group?groupIds={gid}&memberIds={A}", {"readDate": "2024-01-01T00:00:00Z"}
    )
    assert status == 200 and reply["data"] == {"updatedCount": 1}, reply
    doc = await store.find_one("groupConversation", {"_id": gid})
    assert doc is not None and doc["mr"][str(A)] == datetime(2024, 1, 1, tzinfo=UTC)
    assert doc["mr"][str(B)] == expected
    # Refusals: a future date, a missing key parameter, a bad date.
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    cases = [
        (f"/conversations/group?groupIds={gid}&memberIds={A}", {"readDate": future}, "future"),
        (f"/conversations/group?groupIds={gid}", {"readDate": read}, "memberIds"),
        (f"/conversations/group?memberIds={A}", {"readDate": read}, "groupIds"),
        (f"/conversations/group?groupIds={gid}&memberIds={A}", {"readDate": "yesterday"}, "readDate"),
        (f"/conversations/group?groupIds={gid}&memberIds={A}", {}, "readDate"),
    ]
    for url, body, reason in cases:
        status, reply = await admin(server, "PUT", url, body)
        assert status == 400 and reason in reply["reason"], (url, body, reply)
    doc = await store.find_one("groupConversation", {"_id": gid})
    assert doc is not None and doc["mr"][str(A)] == datetime(2024, 1, 1, tzinfo=UTC)
