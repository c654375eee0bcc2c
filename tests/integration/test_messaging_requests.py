"""Every messaging and conversation request kind through a real 2-worker server, real Redis and SQLite: the
stored state, the status code, and who received which push (clients spread over both workers)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from turms.client import ResponseError, TurmsClient
from turms.client import message as client_message
from turms.client.conversation import ConversationService
from turms.client.message import ConversationKey, MessageService
from turms.protocol.status import ResponseStatusCode as Code
from turms.protocol.status import SystemMessageType
from turms.service.message import model as server_model
from turms.storage.port import Store

from integration_support import Server, running
from messaging_support import SERVER_SETTINGS, connect, make_group, messaging, server_store

pytestmark = pytest.mark.slow

DESKTOP, MOBILE = 0, 3  # DeviceType.DESKTOP, DeviceType.ANDROID


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("messaging"), workers=2, settings=SERVER_SETTINGS)
    with running(srv):
        asyncio.run(srv.wait_ready())
        yield srv


@pytest.fixture
async def store(server: Server) -> AsyncIterator[Store]:
    async with server_store(server.data_dir) as s:
        yield s


def test_client_tags_equal_the_servers() -> None:
    for name in ("IDEMPOTENCY_TAG", "SEQ_RANGE_TAG", "MESSAGE_TAG", "TOMBSTONE_TAG", "RECALLED_TAG", "PURGED_TAG"):
        assert getattr(client_message, name) == getattr(server_model, name)


async def next_relayed(client: TurmsClient, kind: str, within: float = 5.0) -> object:
    while True:
        n = await client.next_notification(within)
        if n.HasField("relayed_request") and n.relayed_request.WhichOneof("kind") == kind:
            return n


async def test_send_push_multi_device_query_recall_edit(server: Server, store: Store) -> None:
    a_desk, a_msgs = await messaging(server.tcp_port, 101, DESKTOP)
    a_mobile, a_mobile_msgs = await messaging(server.tcp_port, 101, MOBILE)
    b, b_msgs = await messaging(server.tcp_port, 102)
    try:
        sent = await a_msgs.send_private(102, "hello")
        assert sent.message_id > 0
        got_b = await b_msgs.next_message(5)
        got_mobile = await a_mobile_msgs.next_message(5)  # the sender's other device sees its own message
        for got in (got_b, got_mobile):
            assert (got.message_id, got.sequence_id, got.sender_id, got.text) == (sent.message_id, 1, 101, "hello")
        assert got_b.conversation == ConversationKey(False, 101)
        assert got_mobile.conversation == ConversationKey(False, 102)
        (doc,) = await store.find("message", {"_id": sent.message_id})
        assert doc["sqid"] == 1 and doc["sid"] == 101 and doc["tid"] == 102 and doc["txt"] == "hello"

        reply = await b_msgs.send_private(101, "hi back")
        # The sending session delivers its own message in sequence order too (from the ack, or from the sync
        # that the reply's sequence id 2 triggers).
        assert (await a_msgs.next_message(5)).message_id == sent.message_id
        for svc in (a_msgs, a_mobile_msgs):
            m = await svc.next_message(5)
            assert (m.message_id, m.sequence_id) == (reply.message_id, 2)
        # The sender queries its own private messages: one conversation, both directions.
        history = await a_msgs.query(from_ids=[102], are_group_messages=False)
        assert [m.id for m in history] == [sent.message_id, reply.message_id]
        totals = await b_msgs.query_with_total(from_ids=[101], are_group_messages=False)
        assert [(t.from_id, t.total) for t in totals] == [(101, 1)]

        # Edit by a non-sender, then by the sender (pushed to the other party).
        with pytest.raises(ResponseError) as e:
            await b_msgs.edit(sent.message_id, text="hacked")
        assert e.value.code == Code.NOT_SENDER_TO_UPDATE_MESSAGE
        edits: list[object] = []
        b_msgs.on_update(edits.append)
        await a_msgs.edit(sent.message_id, text="hello!")
        assert (await store.find_one("message", {"_id": sent.message_id}))["txt"] == "hello!"  # type: ignore[index]
        # Recall inside the window: a RECALL system message with the next sequence id reaches both parties.
        with pytest.raises(ResponseError) as e:
            await b_msgs.recall(sent.message_id)
        assert e.value.code == Code.NOT_SENDER_TO_RECALL_MESSAGE
        await a_msgs.recall(sent.message_id)
        assert (await b_msgs.next_message(5)).message_id == reply.message_id  # its own, in order
        notice = await b_msgs.next_message(5)
        assert notice.is_system_message and notice.sequence_id == 3
        assert notice.records == [SystemMessageType.RECALL.as_record(), sent.message_id.to_bytes(8, "big")]
        assert (await a_mobile_msgs.next_message(5)).sequence_id == 3
        assert len(edits) >= 2  # the relayed edit and the relayed recall
        with pytest.raises(ResponseError) as e:
            await a_msgs.recall(123456789)
        assert e.value.code == Code.RECALL_NONEXISTENT_MESSAGE
    finally:
        for c in (a_desk, a_mobile, b):
            await c.close()


async def test_refusals_blocked_and_muted(server: Server, store: Store) -> None:
    now = datetime.now(UTC)
    await store.insert_one("userRelationship", {"_id": {"oid": 202, "rid": 201}, "bd": now})
    await make_group(store, 9201, [203, 201])
    await store.update_one(
        "groupMember", {"_id.gid": 9201, "_id.uid": 201}, {"$set": {"med": now + timedelta(hours=1)}}
    )
    await make_group(store, 9202, [203, 201], med=now + timedelta(hours=1))
    a, a_msgs = await messaging(server.tcp_port, 201)
    try:
        for call, code in (
            (a_msgs.send_private(202, "x"), Code.BLOCKED_USER_SEND_PRIVATE_MESSAGE),
            (a_msgs.send_group(9201, "x"), Code.MUTED_GROUP_MEMBER_SEND_MESSAGE),
            (a_msgs.send_group(9202, "x"), Code.SEND_MESSAGE_TO_MUTED_GROUP),
            (a_msgs.send_group(9999, "x"), Code.SEND_MESSAGE_TO_NONEXISTENT_GROUP),
        ):
            with pytest.raises(ResponseError) as e:
                await call
            assert e.value.code == code
        assert await store.count("message", {"sid": 201}) == 0
    finally:
        await a.close()


async def test_group_messages_idempotent_retry_and_conversations(server: Server, store: Store) -> None:
    await make_group(store, 9301, [301, 302, 303])
    clients = [await messaging(server.tcp_port, uid) for uid in (301, 302, 303)]
    (_, m1), (_, m2), (_, m3) = clients
    convs = [ConversationService(c) for c, _ in clients]
    try:
        first = await m1.send_group(9301, "to all", idempotency_key="group-key-1")
        for svc in (m2, m3):
            got = await svc.next_message(5)
            assert (got.message_id, got.sequence_id, got.conversation) == (
                first.message_id,
                1,
                ConversationKey(True, 9301),
            )
        again = await m1.send_group(9301, "to all", idempotency_key="group-key-1")
        assert again.message_id == first.message_id
        assert await store.count("message", {"tid": 9301}) == 1

        # Read receipt: stored, pushed to the members.
        reads: list[tuple[int, object]] = []
        convs[0].on_read(lambda uid, body: reads.append((uid, body)))
        await convs[1].update_read_date(group_id=9301)
        doc = await store.find_one("groupConversation", {"_id": 9301})
        assert doc is not None and set(doc["mr"]) == {"302"}
        conversations = await convs[0].query_conversations(group_ids=[9301])
        assert set(conversations.group_conversations[0].member_id_to_read_date) == {302}
        # Typing: relayed to the other members, never stored.
        typing: list[int] = []
        convs[2].on_typing(lambda uid, body: typing.append(uid))
        await convs[0].update_typing_status(9301, is_group=True)
        await convs[0].update_read_date(user_id=302)
        private = await convs[1].query_conversations(user_ids=[301])
        assert [(p.owner_id, p.target_id) for p in private.private_conversations] == [(301, 302)]
        await asyncio.sleep(0.3)
        assert typing == [301] and reads and reads[0][0] == 302
        # Settings.
        await convs[0].update_settings({"mute": True, "tags": ["a", "b"]}, group_id=9301)
        assert await convs[0].query_settings() == {(True, 9301): {"mute": True, "tags": ["a", "b"]}}
        await convs[0].delete_settings(group_ids=[9301], names=["tags"])
        assert await convs[0].query_settings(group_ids=[9301]) == {(True, 9301): {"mute": True}}
        with pytest.raises(ResponseError) as e:
            await convs[0].update_typing_status(9999, is_group=True)
        assert e.value.code == Code.NOT_GROUP_MEMBER_TO_SEND_TYPING_STATUS
    finally:
        for c, _ in clients:
            await c.close()


async def test_reconnect_resyncs_what_was_missed(server: Server) -> None:
    a, a_msgs = await messaging(server.tcp_port, 401)
    b = await connect(server.tcp_port, 402)
    b_msgs = MessageService(b, 402)
    try:
        await a_msgs.send_private(402, "m1")
        assert (await b_msgs.next_message(5)).text == "m1"
        await b.logout()  # b is away while three more arrive
        for i in range(2, 5):
            await a_msgs.send_private(402, f"m{i}")
        b2 = await connect(server.tcp_port, 402)
        b2_msgs = MessageService(b2, 402, since=b_msgs.last_sequence_ids)
        await b2_msgs.resync()
        texts = [(await b2_msgs.next_message(5)).text for _ in range(3)]
        assert texts == ["m2", "m3", "m4"]
        assert b2_msgs.last_sequence_ids == {ConversationKey(False, 401): 4}
        await b2.close()
    finally:
        await a.close()


async def test_a_client_away_while_retention_purged_catches_up_past_the_purge(tmp_path: Path) -> None:
    """B last saw message 1; retention then deleted 1..3 (their delivery dates are moved back past the retention
    period). B's resync is answered with a purge marker and B goes on from 4, delivered in order."""
    settings = {
        **SERVER_SETTINGS,
        "service.message.retention_period_h": "1",
        "service.message.retention_interval_s": "1",
    }
    with running(Server(tmp_path, workers=2, settings=settings)) as server:
        await server.wait_ready()
        async with server_store(server.data_dir) as store:
            a, a_msgs = await messaging(server.tcp_port, 501)
            try:
                for i in range(1, 4):
                    await a_msgs.send_private(502, f"old {i}")
                cid = server_model.private_conversation_id(501, 502)
                expired = datetime.now(UTC) - timedelta(hours=2)
                await store.update_many("message", {"cid": cid}, {"$set": {"dyd": expired}})
                deadline = asyncio.get_running_loop().time() + 10
                while await store.count("message", {"cid": cid}):
                    assert asyncio.get_running_loop().time() < deadline, "retention did not run"
                    await asyncio.sleep(0.1)
                await a_msgs.send_private(502, "new 4")
                b = await connect(server.tcp_port, 502)
                b_msgs = MessageService(b, 502, since={ConversationKey(False, 501): 1})
                try:
                    await asyncio.wait_for(b_msgs.resync(), 10)
                    assert (await b_msgs.next_message(5)).text == "new 4"
                    assert b_msgs.last_sequence_ids == {ConversationKey(False, 501): 4}
                    await a_msgs.send_private(502, "new 5")
                    assert (await b_msgs.next_message(5)).text == "new 5"
                finally:
                    await b_msgs.close()
                    await b.close()
            finally:
                await a_msgs.close()
                await a.close()
