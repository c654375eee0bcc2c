"""Friend requests at service level: expiry and the re-send rule on an injected clock, answers, recall,
blocks, versions and audiences. Real SQLite store; the clock is a FakeClock (no sleeping)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from user_world import World, world

from turms.protocol.pb import constant_pb2
from turms.protocol.status import ResponseStatusCode as Code

DAY_S = 24 * 3600
S = constant_pb2.RequestStatus
ACCEPT, DECLINE, IGNORE = 0, 1, 2
A, B, C = 101, 102, 103


async def send(w: World, sender: int, recipient: int, content: str = "hi") -> int:
    r = await w.call(sender, "create_friend_request_request", recipient_id=recipient, content=content)
    assert r.code == Code.OK, (r.code, r.reason)
    return int(r.data.long)


async def reply(w: World, uid: int, request_id: int, action: int, **fields: Any) -> Code:
    return await w.code(uid, "update_friend_request_request", request_id=request_id, response_action=action, **fields)


async def statuses(w: World, uid: int, *, sent: bool) -> list[int]:
    r = await w.call(uid, "query_friend_requests_request", are_sent_by_me=sent)
    return [int(x.request_status) for x in r.data.user_friend_requests_with_version.user_friend_requests]


async def test_request_expires_after_the_configured_time(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        rid = await send(w, A, B)
        w.clock.advance(30 * DAY_S - 1)
        assert await statuses(w, B, sent=False) == [S.PENDING]
        w.clock.advance(1)  # exactly 30 days: expired
        assert await statuses(w, B, sent=False) == [S.EXPIRED]
        assert await statuses(w, A, sent=True) == [S.EXPIRED]
        assert await reply(w, B, rid, ACCEPT) == Code.UPDATE_NON_PENDING_FRIEND_REQUEST
        doc = await w.store.find_one("userFriendRequest", {"_id": rid})
        assert doc is not None and doc["stat"] == S.PENDING  # expiry is computed, nothing was written
        assert await w.store.count("userRelationship") == 0


async def test_expiry_follows_the_live_setting(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        w.set("service.user.friend_request.friend_request_expire_after_s", 60)
        rid = await send(w, A, B)
        w.clock.advance(61)
        assert await reply(w, B, rid, DECLINE) == Code.UPDATE_NON_PENDING_FRIEND_REQUEST
        r = await w.call(B, "query_friend_requests_request", are_sent_by_me=False)
        request = r.data.user_friend_requests_with_version.user_friend_requests[0]
        assert request.expiration_date - request.creation_date == 60_000


async def test_resend_rule_by_default(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        rid = await send(w, A, B)
        # Pending: never a second one.
        assert await w.code(A, "create_friend_request_request", recipient_id=B) == Code.CREATE_EXISTING_FRIEND_REQUEST
        assert await reply(w, B, rid, DECLINE) == Code.OK
        # Declined: not again (the default forbids re-sending after declined/ignored/expired).
        assert await w.code(A, "create_friend_request_request", recipient_id=B) == Code.CREATE_EXISTING_FRIEND_REQUEST
        # Ignored and expired count alike.
        rid_c = await send(w, A, C)
        assert await reply(w, C, rid_c, IGNORE) == Code.OK
        assert await w.code(A, "create_friend_request_request", recipient_id=C) == Code.CREATE_EXISTING_FRIEND_REQUEST
        await send(w, C, B)
        w.clock.advance(31 * DAY_S)
        assert await w.code(C, "create_friend_request_request", recipient_id=B) == Code.CREATE_EXISTING_FRIEND_REQUEST
        # The other direction is a different pair.
        await send(w, B, A)


async def test_resend_allowed_after_declined_ignored_or_expired(tmp_path: Path) -> None:
    async with world(
        tmp_path, {"service.user.friend_request.allow_send_request_after_declined_or_ignored_or_expired": "true"}
    ) as w:
        rid = await send(w, A, B)
        assert await w.code(A, "create_friend_request_request", recipient_id=B) == Code.CREATE_EXISTING_FRIEND_REQUEST
        assert await reply(w, B, rid, DECLINE) == Code.OK
        rid2 = await send(w, A, B)
        assert await reply(w, B, rid2, IGNORE) == Code.OK
        await send(w, A, B)
        # A live pending one still blocks; once it expires a new one is fine.
        w.clock.advance(30 * DAY_S - 1)
        assert await w.code(A, "create_friend_request_request", recipient_id=B) == Code.CREATE_EXISTING_FRIEND_REQUEST
        w.clock.advance(1)
        await send(w, A, B)
        assert await w.store.count("userFriendRequest", {"rrid": A, "rtid": B}) == 4


async def test_accept_creates_both_relationships_and_tells_the_sender(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        rid = await send(w, A, B, "be my friend")
        assert w.notes.audiences() == [("create_friend_request_request", {B, A})]  # recipient + sender's devices
        assert w.notes.sent[0][3] == f"s{A}:0"  # never the requesting session itself
        w.notes.clear()
        assert await reply(w, A, rid, ACCEPT) == Code.NOT_RECIPIENT_TO_UPDATE_FRIEND_REQUEST
        assert await reply(w, B, 999, ACCEPT) == Code.NOT_RECIPIENT_TO_UPDATE_FRIEND_REQUEST
        assert await reply(w, B, rid, ACCEPT, reason="sure") == Code.OK
        doc = await w.store.find_one("userFriendRequest", {"_id": rid})
        assert doc is not None and doc["stat"] == S.ACCEPTED and doc["rsn"] == "sure" and doc["adr"] == w.clock.now()
        for owner, related in ((A, B), (B, A)):
            rel = await w.store.find_one("userRelationship", {"_id.oid": owner, "_id.rid": related})
            assert rel is not None and "bd" not in rel
            member = await w.store.find_one("userRelationshipGroupMember", {"_id.oid": owner, "_id.ruid": related})
            assert member is not None and member["_id"]["gidx"] == 0
        assert w.notes.audiences() == [("update_friend_request_request", {A, B})]
        assert await reply(w, B, rid, DECLINE) == Code.UPDATE_NON_PENDING_FRIEND_REQUEST
        assert await reply(w, B, rid, 7) == Code.ILLEGAL_ARGUMENT


async def test_new_relationship_pushes_when_enabled(tmp_path: Path) -> None:
    settings = {
        "service.notification.one_sided_relationship_group_member_added.notify_new_relationship_group_member": "true"
    }
    async with world(tmp_path, settings) as w:
        rid = await send(w, A, B)
        w.notes.clear()
        assert await reply(w, B, rid, ACCEPT) == Code.OK
        kinds = w.notes.audiences()
        assert kinds[0] == ("update_friend_request_request", {A, B})
        assert ("create_relationship_request", {A}) in kinds and ("create_relationship_request", {B}) in kinds


async def test_recall(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        rid = await send(w, A, B)
        assert (
            await w.code(A, "delete_friend_request_request", request_id=rid)
            == Code.RECALLING_FRIEND_REQUEST_IS_DISABLED
        )
        w.set("service.user.friend_request.allow_recall_pending_friend_request_by_sender", True)
        assert (
            await w.code(B, "delete_friend_request_request", request_id=rid) == Code.NOT_SENDER_TO_RECALL_FRIEND_REQUEST
        )
        assert (
            await w.code(A, "delete_friend_request_request", request_id=12345)
            == Code.NOT_SENDER_TO_RECALL_FRIEND_REQUEST
        )
        w.notes.clear()
        assert await w.code(A, "delete_friend_request_request", request_id=rid) == Code.OK
        assert w.notes.audiences() == [("delete_friend_request_request", {A, B})]
        assert await statuses(w, B, sent=False) == [S.CANCELED]
        assert (
            await w.code(A, "delete_friend_request_request", request_id=rid) == Code.RECALL_NON_PENDING_FRIEND_REQUEST
        )
        assert await reply(w, B, rid, ACCEPT) == Code.UPDATE_NON_PENDING_FRIEND_REQUEST
        # Recalled requests do not block a new one; an expired one cannot be recalled.
        rid2 = await send(w, A, B)
        w.clock.advance(30 * DAY_S)
        assert (
            await w.code(A, "delete_friend_request_request", request_id=rid2) == Code.RECALL_NON_PENDING_FRIEND_REQUEST
        )


async def test_blocked_sender_and_bad_input(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await w.ok(B, "create_relationship_request", user_id=A, blocked=True)
        assert (
            await w.code(A, "create_friend_request_request", recipient_id=B) == Code.BLOCKED_USER_TO_SEND_FRIEND_REQUEST
        )
        assert await w.code(A, "create_friend_request_request", recipient_id=A) == Code.ILLEGAL_ARGUMENT
        assert await w.code(A, "create_friend_request_request", recipient_id=-5) == Code.ILLEGAL_ARGUMENT
        too_long = "x" * 201
        assert (
            await w.code(A, "create_friend_request_request", recipient_id=C, content=too_long) == Code.ILLEGAL_ARGUMENT
        )
        assert await w.store.count("userFriendRequest") == 0


async def test_versions_answer_up_to_date_then_new_data(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        # Never changed: any date is up to date; without a date: no content.
        assert await w.code(B, "query_friend_requests_request", last_updated_date=1) == Code.ALREADY_UP_TO_DATE
        assert await w.code(B, "query_friend_requests_request") == Code.NO_CONTENT
        await send(w, A, B)
        r = await w.call(B, "query_friend_requests_request", are_sent_by_me=False)
        version = r.data.user_friend_requests_with_version.last_updated_date
        assert version == w.s.clock.now_ms()
        assert await w.code(B, "query_friend_requests_request", last_updated_date=version) == Code.ALREADY_UP_TO_DATE
        sent = await w.call(A, "query_friend_requests_request", are_sent_by_me=True, last_updated_date=version - 1)
        assert len(sent.data.user_friend_requests_with_version.user_friend_requests) == 1
        w.clock.advance(1)
        await send(w, C, B)
        r = await w.call(B, "query_friend_requests_request", last_updated_date=version)
        assert r.code == Code.OK
        assert len(r.data.user_friend_requests_with_version.user_friend_requests) == 2
