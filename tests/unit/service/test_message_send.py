"""CreateMessageRequest on a real SQLite store: dense sequence ids, acks, pushes, Turms codes, idempotency."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from turms.protocol.status import ResponseStatusCode as Code
from turms.security.antispam import TextType, Verdict
from turms.service.api import Response
from turms.service.message.model import (
    IDEMPOTENCY_TAG,
    MESSAGE_TAG,
    find_tagged,
    group_conversation_id,
    private_conversation_id,
)

from message_world import tag, world

A, B, C = 11, 22, 33


async def test_private_messages_get_dense_sequence_ids_and_are_pushed_after_the_ack(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        acks = [await w.send(A, to=B, text=f"m{i}") for i in range(3)]
        acks.append(await w.send(B, to=A, text="reply"))
        assert all(a.code == Code.OK for a in acks)
        stored = await w.messages()
        # One conversation for both directions: (min, max) of the two ids.
        assert {d["cid"] for d in stored} == {private_conversation_id(A, B)} == {private_conversation_id(B, A)}
        assert [d["sqid"] for d in stored] == [1, 2, 3, 4]
        assert [d["_id"] for d in stored] == [a.data.long for a in acks]
        assert [d["txt"] for d in stored] == ["m0", "m1", "m2", "reply"]
        # The ack carries the sequence id and delivery date.
        args = find_tagged(acks[3].custom_attributes, MESSAGE_TAG)  # type: ignore[attr-defined]
        assert args is not None and args[0].int64_value == 4
        # Pushed to the recipient and the sender's other sessions, never the requesting session.
        recipients, n, excluded, broadcast = w.notes.sent[0]
        assert recipients == {A, B} and excluded == f"s{A}:0" and not broadcast
        assert n.requester_id == A
        relayed = n.relayed_request.create_message_request
        assert relayed.message_id == acks[0].data.long and relayed.text == "m0"
        assert relayed.delivery_date == int(w.clock.now().timestamp() * 1000)
        seq = find_tagged(n.relayed_request.custom_attributes, MESSAGE_TAG)
        assert seq is not None and seq[0].int64_value == 1


async def test_a_client_send_is_acked_before_its_push_and_pushed_once(tmp_path: Path) -> None:
    """Through the router (the gateway's path), the push is the ack's ``after_sent``: the gateway writes the
    ack, then pushes. Retries that joined the attempt share its ack, so running it again pushes nothing."""
    async with world(tmp_path) as w:
        ack = await w.dispatch(A, "create_message_request", recipient_id=B, text="first")
        assert ack.code == Code.OK and len(await w.messages()) == 1  # stored and acked
        assert w.notes.sent == [] and ack.after_sent is not None  # not pushed yet
        await ack.after_sent()
        await ack.after_sent()
        assert len(w.notes.sent) == 1
        (recipients, n, _, _) = w.notes.sent[0]
        assert recipients == {A, B} and n.relayed_request.create_message_request.message_id == ack.data.long


async def test_refusals_answer_turms_codes_and_store_nothing(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await w.relate(B, A, blocked=True)
        assert (await w.send(A, to=B)).code == Code.BLOCKED_USER_SEND_PRIVATE_MESSAGE
        assert (await w.send(A, to=A)).code == Code.SENDING_MESSAGES_TO_ONESELF_IS_DISABLED
        assert (await w.send(A, to=C, text="x" * 501)).code == Code.ILLEGAL_ARGUMENT
        assert (await w.call(A, "create_message_request", recipient_id=C)).code == Code.ILLEGAL_ARGUMENT
        assert (await w.call(A, "create_message_request", text="t")).code == Code.ILLEGAL_ARGUMENT
        assert (await w.send(A, to=C, is_system_message=True)).code == Code.ILLEGAL_ARGUMENT
        assert (await w.send(A, to=C, burn_after=-1)).code == Code.ILLEGAL_ARGUMENT
        future = int((w.clock.now() + timedelta(hours=1)).timestamp() * 1000)
        assert (await w.send(A, to=C, delivery_date=future)).code == Code.ILLEGAL_ARGUMENT
        assert await w.messages() == [] and w.notes.sent == []
        # An admin may send system messages.
        r = await w.call(A, "create_message_request", recipient_id=C, is_system_message=True, text="s", admin=True)
        assert r.code == Code.OK and (await w.messages())[0]["sm"] is True


async def test_strangers_need_a_relationship_when_the_setting_says_so(tmp_path: Path) -> None:
    async with world(tmp_path, {"service.message.allow_send_messages_to_stranger": "false"}) as w:
        assert (await w.send(A, to=B)).code == Code.NOT_FRIEND_TO_SEND_PRIVATE_MESSAGE
        await w.relate(B, A)
        assert (await w.send(A, to=B)).code == Code.OK
        await w.relate(C, A, blocked=True)
        assert (await w.send(A, to=C)).code == Code.NOT_FRIEND_TO_SEND_PRIVATE_MESSAGE


async def test_group_rules_muted_member_muted_group_guests_blocked_deleted(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        later = w.clock.now() + timedelta(minutes=5)
        await w.group(1, {A: 0, B: 2, C: 3})
        assert (await w.send(B, group=1)).code == Code.OK
        assert (await w.send(C, group=1)).code == Code.NOT_SPEAKABLE_GROUP_GUEST_TO_SEND_MESSAGE
        assert (await w.send(44, group=1)).code == Code.NOT_SPEAKABLE_GROUP_GUEST_TO_SEND_MESSAGE
        await w.add_member(1, 55, muted_until=later)
        assert (await w.send(55, group=1)).code == Code.MUTED_GROUP_MEMBER_SEND_MESSAGE
        w.clock.advance(301)  # the mute ends on the injected clock
        assert (await w.send(55, group=1)).code == Code.OK
        await w.group(2, {A: 0}, muted_until=w.clock.now() + timedelta(minutes=1))
        assert (await w.send(A, group=2)).code == Code.SEND_MESSAGE_TO_MUTED_GROUP
        await w.group(3, {A: 0}, active=False)
        assert (await w.send(A, group=3)).code == Code.SEND_MESSAGE_TO_INACTIVE_GROUP
        # Turms answers "inactive" for a deleted group; only a group that never existed is "nonexistent".
        await w.group(4, {A: 0}, deleted=True)
        assert (await w.send(A, group=4)).code == Code.SEND_MESSAGE_TO_INACTIVE_GROUP
        assert (await w.send(A, group=999)).code == Code.SEND_MESSAGE_TO_NONEXISTENT_GROUP
        await w.group_type(7, gs=True)
        await w.group(5, {A: 0, C: 3}, type_id=7)
        assert (await w.send(C, group=5)).code == Code.OK
        stored = await w.messages()
        assert [(d["cid"], d["sqid"]) for d in stored] == [
            (group_conversation_id(1), 1),
            (group_conversation_id(1), 2),
            (group_conversation_id(5), 1),
        ]


async def test_group_rules_apply_in_turms_order(tmp_path: Path) -> None:
    """When several rules refuse a sender, the first in Turms's order answers (members: muted group,
    inactive group, muted member; guests: inactive group, not speakable, muted group, muted, blocked)."""
    async with world(tmp_path) as w:
        now = w.clock.now()
        muted, blocked, guest = 66, 77, 88
        await w.group_type(7, gs=True)
        await w.group(1, {A: 0, guest: 3})  # guests may not speak (the default type)
        await w.group(2, {A: 0, guest: 3}, type_id=7)  # guests may speak
        await w.group(3, {A: 0}, muted_until=now + timedelta(minutes=1), active=False)
        await w.group(4, {A: 0, guest: 3}, type_id=7, muted_until=now + timedelta(minutes=1))
        await w.group(5, {A: 0}, type_id=7, deleted=True)
        await w.add_member(2, muted, role=3, muted_until=now + timedelta(minutes=1))
        await w.add_member(3, muted, muted_until=now + timedelta(minutes=1))
        for gid in (1, 2):
            await w.store.insert_one("groupBlockedUser", {"_id": {"gid": gid, "uid": blocked}, "bd": now})
        for sender, gid, code in (
            (A, 3, Code.SEND_MESSAGE_TO_MUTED_GROUP),  # member: a muted group before an inactive one
            (muted, 3, Code.SEND_MESSAGE_TO_MUTED_GROUP),  # ... and before a muted member
            (44, 3, Code.SEND_MESSAGE_TO_INACTIVE_GROUP),  # guest: an inactive group first
            (44, 5, Code.SEND_MESSAGE_TO_INACTIVE_GROUP),  # ... or a deleted one, even if guests may speak
            (blocked, 1, Code.NOT_SPEAKABLE_GROUP_GUEST_TO_SEND_MESSAGE),  # then speakable, before blocked
            (blocked, 2, Code.BLOCKED_USER_SEND_GROUP_MESSAGE),
            (guest, 4, Code.SEND_MESSAGE_TO_MUTED_GROUP),  # a speakable guest in a muted group
            (44, 4, Code.SEND_MESSAGE_TO_MUTED_GROUP),
            (muted, 2, Code.MUTED_GROUP_MEMBER_SEND_MESSAGE),  # a muted member with a guest role
            (guest, 2, Code.OK),
            (44, 2, Code.OK),
        ):
            assert (await w.send(sender, group=gid)).code == code, (sender, gid)
        assert len(await w.messages()) == 2


async def test_group_messages_reach_members_and_large_groups_are_broadcast(tmp_path: Path) -> None:
    async with world(tmp_path, {"service.message.broadcast_member_threshold": "3"}) as w:
        await w.group(1, {A: 0, B: 2, C: 2})
        await w.group(2, {A: 0, B: 2, C: 2, 44: 2})
        await w.send(A, group=1)
        await w.send(A, group=2)
        (small, _, excluded, b1), (large, _, _, b2) = w.notes.sent
        assert small == {A, B, C} and excluded == f"s{A}:0" and not b1
        assert large == {A, B, C, 44} and b2


async def test_forwarding_clones_a_message_the_requester_may_read(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        original = (await w.send(A, to=B, text="fwd me", records=[b"\x01\x02"])).data.long
        assert (await w.call(C, "create_message_request", recipient_id=A, message_id=original)).code == (
            Code.NOT_MESSAGE_RECIPIENT_OR_SENDER_TO_FORWARD_MESSAGE
        )
        r = await w.call(B, "create_message_request", recipient_id=C, message_id=original)
        assert r.code == Code.OK
        clone = (await w.messages({"_id": r.data.long}))[0]
        assert clone["txt"] == "fwd me" and clone["rec"] == [b"\x01\x02"] and clone["rid"] == original
        pushed = w.notes.sent[-1][1].relayed_request.create_message_request
        assert pushed.message_id == r.data.long and pushed.text == "fwd me"


async def test_a_retry_with_the_same_key_returns_the_original_ack(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        key = [tag(IDEMPOTENCY_TAG, "k-1")]
        first = await w.send(A, to=B, attrs=key, text="once")
        w.clock.advance(5)
        again = await w.send(A, to=B, attrs=key, text="once")
        assert first.code == again.code == Code.OK and first.data.long == again.data.long
        assert again.custom_attributes == first.custom_attributes  # type: ignore[attr-defined]
        assert len(await w.messages()) == 1 and len(w.notes.sent) == 1  # the retry pushes nothing
        # The key is per (sender, device): another device's key is another message.
        other = await w.send(A, to=B, attrs=key, device=1)
        assert other.data.long != first.data.long
        # The key never reaches the recipients.
        assert find_tagged(w.notes.sent[0][1].relayed_request.custom_attributes, IDEMPOTENCY_TAG) is None
        assert (await w.send(A, to=B, attrs=[tag(IDEMPOTENCY_TAG, "")])).code == Code.ILLEGAL_ARGUMENT
        assert (await w.send(A, to=B, attrs=[tag(IDEMPOTENCY_TAG, 5)])).code == Code.ILLEGAL_ARGUMENT


async def test_a_keyed_send_is_one_write(tmp_path: Path) -> None:
    """The idempotency claim is stored with the message, in one write (one transaction on SQLite)."""
    async with world(tmp_path) as w:
        await w.send(A, to=B, text="warm up")
        before = w.store.committed_writes
        assert (await w.send(A, to=B, attrs=[tag(IDEMPOTENCY_TAG, "one-write")], text="x")).code == Code.OK
        assert w.store.committed_writes - before == 1
        claim = await w.store.find_one("messageIdempotency", {"_id": {"sid": A, "dev": 0, "cmid": "one-write"}})
        assert claim is not None and [d["_id"] for d in await w.messages({"txt": "x"})] == [claim["mid"]]


class Unshared:
    """Each attempt runs on its own, as attempts that reached different workers do."""

    async def run(self, key: object, call: Callable[[], Awaitable[Response]]) -> Response:
        return await call()


async def test_concurrent_attempts_on_different_workers_create_one_message(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        w.s.sends_in_flight = Unshared()  # type: ignore[assignment]
        key = [tag(IDEMPOTENCY_TAG, "same")]
        acks = await asyncio.gather(*(w.send(A, to=B, attrs=key) for _ in range(10)))
        assert {a.code for a in acks} == {Code.OK}
        assert len({a.data.long for a in acks}) == 1
        assert len(await w.messages()) == 1


async def test_retries_reaching_the_worker_of_a_running_attempt_wait_for_its_ack(tmp_path: Path) -> None:
    """A client retried while its first attempt was still running (slow store): the retries share the first
    attempt's work instead of each claiming, numbering and inserting again."""
    async with world(tmp_path) as w:
        inserts = attempts = 0
        real = w.store.insert_with_sequence

        async def slow_insert(*args: Any, **kwargs: Any) -> int:
            nonlocal inserts, attempts
            attempts += 1
            await asyncio.sleep(0.05)
            seq = await real(*args, **kwargs)
            inserts += 1  # stored (a retry's write refused by the taken key stores nothing)
            return seq

        w.store.insert_with_sequence = slow_insert  # type: ignore[method-assign]
        key = [tag(IDEMPOTENCY_TAG, "retried")]
        first = asyncio.create_task(w.send(A, to=B, attrs=key, text="hello"))
        await asyncio.sleep(0.01)
        retries = await asyncio.gather(*(w.send(A, to=B, attrs=key, text="hello") for _ in range(5)))
        original = await first
        assert original.code == Code.OK
        assert [r.data.long for r in retries] == [original.data.long] * 5
        assert inserts == attempts == 1
        assert len(await w.messages()) == 1 and len(w.notes.sent) == 1
        # Once it is done, a later retry is answered from the stored claim: its one write (claim and message
        # together) is refused by the taken key and stores nothing.
        late = await w.send(A, to=B, attrs=key, text="hello")
        assert late.data.long == original.data.long and inserts == 1 and attempts == 2
        assert len(await w.messages()) == 1 and len(w.notes.sent) == 1


async def test_a_claim_whose_message_was_never_stored_does_not_block_the_retry(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        # A first attempt claimed the key, then its worker died before storing the message.
        await w.store.insert_one(
            "messageIdempotency", {"_id": {"sid": A, "dev": 0, "cmid": "lost"}, "mid": 4242, "cd": w.clock.now()}
        )
        r = await w.send(A, to=B, attrs=[tag(IDEMPOTENCY_TAG, "lost")])
        assert r.code == Code.OK and r.data.long == 4242  # the claimed id: at most one message per key
        assert [(d["_id"], d["sqid"]) for d in await w.messages()] == [(4242, 1)]


class WordFilter:
    """A TextModerator (the antispam port): rejects "spam", masks "darn"."""

    def moderate(self, text_type: TextType, text: str) -> Verdict:
        assert text_type is TextType.MESSAGE_TEXT
        if "spam" in text:
            return Verdict(text, rejected=True)
        return Verdict(text.replace("darn", "****"))


async def test_message_text_goes_through_antispam(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        w.s.moderator = WordFilter()
        assert (await w.send(A, to=B, text="buy spam")).code == Code.MESSAGE_IS_ILLEGAL
        mid = (await w.send(A, to=B, text="darn it")).data.long
        assert (await w.messages())[0]["txt"] == "**** it"
        r = await w.call(A, "update_message_request", message_id=mid, text="more spam")
        assert r.code == Code.MESSAGE_IS_ILLEGAL


async def test_a_forged_sequence_id_never_reaches_the_recipients(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        forged = [tag(MESSAGE_TAG, 999, 1), tag("app:note", "kept")]
        r = await w.send(A, to=B, attrs=forged)
        assert r.code == Code.OK
        relay = w.notes.sent[0][1].relayed_request
        assert find_tagged(relay.custom_attributes, MESSAGE_TAG)[0].int64_value == 1  # type: ignore[index]
        assert find_tagged(relay.custom_attributes, "app:note") is not None
