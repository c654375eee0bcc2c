"""Conversations on a real SQLite store: read positions and receipts, typing status, settings, deletion."""

from __future__ import annotations

from pathlib import Path

from turms.protocol.pb import model_common_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.conversation.read import delete_conversations

from message_world import world

A, B, C = 11, 22, 33
UC = "update_conversation_request"
QC = "query_conversations_request"


async def test_private_read_dates_move_forward_and_are_pushed(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        assert (await w.call(A, UC, user_id=B, group_id=1)).code == Code.ILLEGAL_ARGUMENT
        await w.send(B, to=A)  # a conversation: read receipts go only to the other party of one
        w.notes.clear()
        first = w.clock.now_ms()
        await w.ok(A, UC, user_id=B)
        (recipients, n, excluded, _) = w.notes.sent[0]
        assert recipients == {A, B} and excluded == f"s{A}:0"
        assert n.relayed_request.update_conversation_request.user_id == B and n.requester_id == A
        w.clock.advance(60)
        await w.ok(B, UC, user_id=A)
        r = await w.ok(B, QC, user_ids=[A])
        got = {(c.owner_id, c.target_id): c.read_date for c in r.data.conversations.private_conversations}
        assert got == {(A, B): first, (B, A): first + 60_000}
        assert (await w.call(C, QC, user_ids=[44])).code == Code.NO_CONTENT
        assert (await w.call(C, QC)).code == Code.ILLEGAL_ARGUMENT
    async with world(tmp_path / "client-time", {"service.conversation.read_receipt.use_server_time": "false"}) as w:
        now = w.clock.now_ms()
        await w.ok(A, UC, user_id=B, read_date=now - 1000)
        await w.ok(A, UC, user_id=B, read_date=now - 5000)  # older: the read date never moves back
        r = await w.ok(A, QC, user_ids=[B])
        assert [c.read_date for c in r.data.conversations.private_conversations] == [now - 1000]
        assert (await w.call(A, UC, user_id=B, read_date=now + 10_000)).code == Code.ILLEGAL_ARGUMENT


async def test_a_read_receipt_reaches_neither_a_stranger_nor_a_user_who_blocked_the_reader(tmp_path: Path) -> None:
    """Issue 22: read receipts were pushed to anyone named (a way to push to any user id) and to users who had
    blocked the reader. The read date is still stored: it is the reader's own record."""
    async with world(tmp_path) as w:
        await w.ok(A, UC, user_id=C)  # A and C share no conversation
        assert [r for r, *_ in w.notes.sent] == [{A}]  # only A's own other sessions
        await w.send(B, to=A)
        await w.relate(B, A, blocked=True)  # then B blocks A
        w.notes.clear()
        await w.ok(A, UC, user_id=B)
        assert [r for r, *_ in w.notes.sent] == [{A}]
        r = await w.ok(A, QC, user_ids=[B, C])
        assert {(c.owner_id, c.target_id) for c in r.data.conversations.private_conversations} == {(A, B), (A, C)}


async def test_group_read_dates_need_membership_and_read_receipts(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await w.group(1, {A: 0, B: 2})
        await w.group_type(5, err=False)
        await w.group(2, {A: 0}, type_id=5)
        assert (await w.call(A, UC, group_id=9)).code == Code.UPDATING_READ_DATE_OF_NONEXISTENT_GROUP_CONVERSATION
        assert (await w.call(A, UC, group_id=2)).code == Code.UPDATING_READ_DATE_IS_DISABLED_BY_GROUP
        assert (await w.call(C, UC, group_id=1)).code == (
            Code.NOT_GROUP_MEMBER_TO_UPDATE_READ_DATE_OF_GROUP_CONVERSATION
        )
        await w.ok(B, UC, group_id=1)
        assert w.notes.sent[0][0] == {A, B}
        r = await w.ok(A, QC, group_ids=[1])
        (conv,) = r.data.conversations.group_conversations
        assert dict(conv.member_id_to_read_date) == {B: w.clock.now_ms()}
        assert (await w.call(C, QC, group_ids=[1])).code == Code.NO_CONTENT
    async with world(tmp_path / "off", {"service.conversation.read_receipt.enabled": "false"}) as w:
        assert (await w.call(A, UC, user_id=B)).code == Code.UPDATING_READ_DATE_IS_DISABLED


async def test_typing_status_is_relayed_never_stored(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        T = "update_typing_status_request"
        await w.group(1, {A: 0, B: 2, C: 2})
        await w.ok(A, T, to_id=B)
        await w.ok(A, T, to_id=1, is_group_message=True)
        assert [r for r, _, _, _ in w.notes.sent] == [{B}, {B, C}]
        assert (await w.call(44, T, to_id=1, is_group_message=True)).code == Code.NOT_GROUP_MEMBER_TO_SEND_TYPING_STATUS
        await w.relate(C, A, blocked=True)
        assert (await w.call(A, T, to_id=C)).code == Code.NOT_FRIEND_TO_SEND_TYPING_STATUS
        for coll in ("privateConversation", "groupConversation", "message"):
            assert await w.store.count(coll) == 0
    async with world(tmp_path / "off", {"service.conversation.typing_status.enabled": "false"}) as w:
        r = await w.call(A, "update_typing_status_request", to_id=B)
        assert r.code == Code.UPDATING_TYPING_STATUS_IS_DISABLED


async def test_conversation_settings_update_query_delete(tmp_path: Path) -> None:
    V = model_common_pb2.Value
    async with world(tmp_path) as w:
        await w.group(1, {A: 0})
        U, Qs, D = (
            "update_conversation_settings_request",
            "query_conversation_settings_request",
            "delete_conversation_settings_request",
        )
        await w.ok(A, U, user_id=B, settings={"mute": V(bool_value=True), "draft": V(string_value="hel")})
        w.clock.advance(10)
        await w.ok(A, U, group_id=1, settings={"pin": V(int32_value=3)})
        assert (await w.call(C, U, group_id=1, settings={"pin": V(bool_value=True)})).code == (
            Code.NOT_GROUP_MEMBER_TO_UPDATE_GROUP_CONVERSATION_SETTING
        )
        assert (await w.call(A, U, user_id=B, settings={"a.b": V(bool_value=True)})).code == Code.ILLEGAL_ARGUMENT
        assert (await w.call(A, U, user_id=B, settings={})).code == Code.ILLEGAL_ARGUMENT
        r = await w.ok(A, Qs)
        by_target = {(s.user_id, s.group_id): s for s in r.data.conversation_settings_list.conversation_settings_list}
        assert by_target[(B, 0)].settings["mute"].bool_value is True
        assert by_target[(0, 1)].settings["pin"].int64_value == 3
        r = await w.ok(A, Qs, group_ids=[1], names=["pin"])
        assert len(r.data.conversation_settings_list.conversation_settings_list) == 1
        assert (await w.call(A, Qs, last_updated_date_start=w.clock.now_ms() + 1)).code == Code.ALREADY_UP_TO_DATE
        await w.ok(A, D, user_ids=[B], names=["draft"])
        r = await w.ok(A, Qs, user_ids=[B])
        assert set(r.data.conversation_settings_list.conversation_settings_list[0].settings) == {"mute"}
        await w.ok(A, D)
        assert (await w.call(A, Qs)).code == Code.NO_CONTENT


async def test_deleting_conversations(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await w.group(1, {A: 0, B: 2})
        await w.ok(A, UC, user_id=B)
        await w.ok(B, UC, user_id=A)
        await w.ok(C, UC, user_id=A)
        await w.ok(A, UC, group_id=1)
        assert await delete_conversations(w.store, user_ids=[B], group_ids=[1]) == 3
        assert [d["_id"] for d in await w.store.find("privateConversation")] == [{"oid": C, "tid": A}]
