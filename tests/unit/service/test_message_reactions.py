"""Reactions (CreateMessageReactionsRequest, DeleteMessageReactionsRequest) on a real SQLite store with an
injected clock and the recording Notifier: who may react, idempotence, limits, pushes, history and sync."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from turms.protocol.status import ResponseStatusCode as Code
from turms.service.message import reactions
from turms.service.message.model import (
    OWN_REACTION_TAG,
    REACTION_COUNTS_TAG,
    REACTION_TAG,
    REACTIONS_CHANGED_TAG,
    REACTIONS_SINCE_TAG,
    SEQ_RANGE_TAG,
    find_tagged,
    int_arg,
)

from message_world import World, tag, world

A, B, C = 11, 22, 33
GROUP = 1
ADD, REMOVE = "create_message_reactions_request", "delete_message_reactions_request"
Q = "query_messages_request"


def counts(attributes: Any) -> dict[int, int]:
    args = find_tagged(attributes, REACTION_COUNTS_TAG)
    assert args is not None
    values = [int_arg(args, i) for i in range(len(args))]
    return {int(values[i] or 0): int(values[i + 1] or 0) for i in range(0, len(values), 2)}


def groups(message: Any) -> dict[int, tuple[int, list[int], bool]]:
    """type -> (count, listed user ids, whether the viewer reacted so)."""
    return {
        g.reaction_type: (
            g.reaction_count,
            [u.id for u in g.user_infos],
            find_tagged(g.custom_attributes, OWN_REACTION_TAG) is not None,
        )
        for g in message.reaction_groups
    }


async def one_message(w: World, sender: int, **where: int) -> int:
    r = await w.send(sender, **where)
    assert r.code == Code.OK
    return int(r.data.long)


async def test_adding_and_removing_are_idempotent_and_pushed_to_the_conversation(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        mid = await one_message(w, A, to=B)
        w.notes.clear()
        r = await w.call(B, ADD, message_id=mid, reaction_types=[5, 7, 5])
        assert r.code == Code.OK and counts(r.custom_attributes) == {5: 1, 7: 1}
        where = find_tagged(r.custom_attributes, REACTION_TAG)
        assert where is not None and [int_arg(where, i) for i in range(4)] == [w.clock.now_ms(), 0, A, B]
        (sent,) = w.notes.sent
        recipients, n, excluded, _ = sent
        assert recipients == {A, B} and excluded == f"s{B}:0" and n.requester_id == B  # A, and B's other devices
        assert list(n.relayed_request.create_message_reactions_request.reaction_types) == [5, 7]
        assert counts(n.relayed_request.custom_attributes) == {5: 1, 7: 1}
        # Again: nothing changes, nothing is pushed, the answer is the same.
        w.clock.advance(1)
        again = await w.call(B, ADD, message_id=mid, reaction_types=[7])
        assert again.code == Code.OK and counts(again.custom_attributes) == {5: 1, 7: 1} and len(w.notes.sent) == 1
        # The sender reacts too; then B takes one back (only the changed type is relayed).
        await w.ok(A, ADD, message_id=mid, reaction_types=[5])
        r = await w.call(B, REMOVE, message_id=mid, reaction_types=[5, 9])
        assert counts(r.custom_attributes) == {5: 1, 7: 1}
        assert list(w.notes.sent[-1][1].relayed_request.delete_message_reactions_request.reaction_types) == [5]
        assert (await w.call(B, REMOVE, message_id=mid, reaction_types=[5])).code == Code.OK
        assert len(w.notes.sent) == 3
        await w.ok(B, REMOVE, message_id=mid, reaction_types=[7])
        doc = (await w.messages())[0]
        assert doc["rx"] == {"5": [A]} and doc["rxv"] == 4


async def test_who_may_react(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await w.group(GROUP, {A: 0, B: 2, 44: 2})
        private = await one_message(w, A, to=B)
        in_group = await one_message(w, A, group=GROUP)
        # Not a participant, or no such message: the same answer.
        for uid, mid in ((C, private), (C, in_group), (A, private + 1000)):
            assert (await w.call(uid, ADD, message_id=mid, reaction_types=[1])).code == Code.RESOURCE_NOT_FOUND
        await w.relate(A, B, blocked=True)
        r = await w.call(B, ADD, message_id=private, reaction_types=[1])
        assert r.code == Code.BLOCKED_USER_SEND_PRIVATE_MESSAGE
        assert (await w.call(A, ADD, message_id=private, reaction_types=[1])).code == Code.OK  # the blocker may
        future = w.clock.now() + timedelta(hours=1)
        await w.store.update_one("groupMember", {"_id.gid": GROUP, "_id.uid": 44}, {"$set": {"med": future}})
        r = await w.call(44, ADD, message_id=in_group, reaction_types=[1])
        assert r.code == Code.MUTED_GROUP_MEMBER_SEND_MESSAGE
        await w.store.update_one("group", {"_id": GROUP}, {"$set": {"med": future}})
        assert (await w.call(B, ADD, message_id=in_group, reaction_types=[1])).code == Code.SEND_MESSAGE_TO_MUTED_GROUP
        await w.store.update_one("group", {"_id": GROUP}, {"$unset": {"med": ""}})
        r = await w.call(B, ADD, message_id=in_group, reaction_types=[1])
        assert r.code == Code.OK
        # A group reaction reaches every member (B's other devices included).
        assert w.notes.sent[-1][0] == {A, B, 44}
        # A recalled message takes no reactions.
        await w.ok(A, "update_message_request", message_id=in_group, recall_date=w.clock.now_ms())
        assert (await w.call(B, ADD, message_id=in_group, reaction_types=[2])).code == Code.RESOURCE_NOT_FOUND


async def test_invalid_requests_and_limits(tmp_path: Path) -> None:
    settings = {"service.message.reaction.max_types_per_message": "4"}
    async with world(tmp_path, settings) as w:
        mid = await one_message(w, A, to=B)
        for fields in (
            {"message_id": mid},
            {"message_id": 0, "reaction_types": [1]},
            {"message_id": mid, "reaction_types": [-1]},
        ):
            assert (await w.call(B, ADD, **fields)).code == Code.ILLEGAL_ARGUMENT, fields
        # At most 3 types per user (the default) and 4 per message (set above); refusals change nothing.
        assert (await w.call(B, ADD, message_id=mid, reaction_types=[1, 2, 3, 4])).code == Code.ILLEGAL_ARGUMENT
        await w.ok(B, ADD, message_id=mid, reaction_types=[1, 2])
        assert (await w.call(B, ADD, message_id=mid, reaction_types=[3, 4])).code == Code.ILLEGAL_ARGUMENT
        await w.ok(B, ADD, message_id=mid, reaction_types=[3])
        await w.ok(A, ADD, message_id=mid, reaction_types=[4])
        r = await w.call(A, ADD, message_id=mid, reaction_types=[5])
        assert r.code == Code.ILLEGAL_ARGUMENT and "4 reaction types" in (r.reason or "")
        assert (await w.messages())[0]["rx"] == {"1": [B], "2": [B], "3": [B], "4": [A]}
    async with world(tmp_path / "off", {"service.message.reaction.enabled": "false"}) as w:
        mid = await one_message(w, A, to=B)
        assert (await w.call(B, ADD, message_id=mid, reaction_types=[1])).code == Code.ILLEGAL_ARGUMENT


async def test_concurrent_reactions_are_all_counted(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        members = {A: 0, **{uid: 2 for uid in range(100, 112)}}
        await w.group(GROUP, members)
        mid = await one_message(w, A, group=GROUP)
        results = await asyncio.gather(*(w.call(uid, ADD, message_id=mid, reaction_types=[1, 2]) for uid in members))
        assert {r.code for r in results} == {Code.OK}
        doc = (await w.messages())[0]
        assert sorted(doc["rx"]["1"]) == sorted(members) and sorted(doc["rx"]["2"]) == sorted(members)
        assert doc["rxv"] == len(members)


async def test_history_shows_counts_and_own_reactions(tmp_path: Path) -> None:
    async with world(tmp_path, {"service.message.reaction.users_listed_per_type": "2"}) as w:
        await w.group(GROUP, {A: 0, B: 2, C: 2, 44: 2})
        mid = await one_message(w, A, group=GROUP)
        for uid in (B, C, 44):
            await w.ok(uid, ADD, message_id=mid, reaction_types=[1])
        await w.ok(C, ADD, message_id=mid, reaction_types=[2])
        seen = {uid: groups((await w.ok(uid, Q, from_ids=[GROUP])).data.messages.messages[0]) for uid in (A, 44)}
        assert seen[A] == {1: (3, [B, C], False), 2: (1, [C], False)}
        assert seen[44] == {1: (3, [44, B], True), 2: (1, [C], False)}  # the viewer first, marked as its own
        by_ids = (await w.ok(C, Q, ids=[mid])).data.messages.messages[0]
        assert groups(by_ids) == {1: (3, [C, B], True), 2: (1, [C], True)}
        totals = (await w.ok(B, Q, with_total=True)).data.messages_with_total_list.messages_with_total_list
        assert groups(totals[0].messages[0])[1] == (3, [B, C], True)
        synced = (
            await w.ok(B, Q, from_ids=[GROUP], are_group_messages=True, attrs=[tag(SEQ_RANGE_TAG, 1, 0)])
        ).data.messages.messages
        assert groups(synced[0])[1][0] == 3


async def test_reaction_changes_since_a_date(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        first = await one_message(w, A, to=B)
        second = await one_message(w, A, to=B)
        untouched = await one_message(w, A, to=B)
        w.clock.advance(10)
        await w.ok(B, ADD, message_id=second, reaction_types=[1])
        since = w.clock.now_ms()
        w.clock.advance(10)
        await w.ok(B, ADD, message_id=first, reaction_types=[2])
        w.clock.advance(10)
        await w.ok(B, REMOVE, message_id=second, reaction_types=[1])

        r = await w.ok(A, Q, from_ids=[B], attrs=[tag(REACTIONS_SINCE_TAG, since)])
        changed = r.data.messages.messages
        assert [m.id for m in changed] == [first, second]  # oldest change first; untouched is not there
        dates = [int_arg(find_tagged(m.custom_attributes, REACTIONS_CHANGED_TAG) or [], 0) for m in changed]
        assert dates == [since + 10_000, since + 20_000]
        assert groups(changed[0]) == {2: (1, [B], False)} and groups(changed[1]) == {}  # removed: now empty
        assert untouched not in [m.id for m in changed]
        r = await w.ok(A, Q, from_ids=[B], max_count=1, attrs=[tag(REACTIONS_SINCE_TAG, since)])
        assert [m.id for m in r.data.messages.messages] == [first]
        assert (
            await w.call(A, Q, from_ids=[B], attrs=[tag(REACTIONS_SINCE_TAG, since + 30_000)])
        ).code == Code.NO_CONTENT
        assert (await w.call(A, Q, attrs=[tag(REACTIONS_SINCE_TAG, since)])).code == Code.ILLEGAL_ARGUMENT
        both = [tag(REACTIONS_SINCE_TAG, since), tag(SEQ_RANGE_TAG, 1, 0)]
        assert (await w.call(A, Q, from_ids=[B], attrs=both)).code == Code.ILLEGAL_ARGUMENT
        assert (await w.call(C, Q, from_ids=[B], attrs=[tag(REACTIONS_SINCE_TAG, 0)])).code == Code.NO_CONTENT


async def test_an_operator_removes_reactions_and_each_user_is_told(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await w.group(GROUP, {A: 0, B: 2, C: 2})
        mid = await one_message(w, A, group=GROUP)
        await w.ok(B, ADD, message_id=mid, reaction_types=[1, 2])
        await w.ok(C, ADD, message_id=mid, reaction_types=[1])
        w.notes.clear()
        removed = await reactions.remove(w.s, mid, user_ids=None, types=[1], now=w.clock.now())
        assert removed == 2 and (await w.messages())[0]["rx"] == {"2": [B]}
        told = {
            n.requester_id: (to, list(n.relayed_request.delete_message_reactions_request.reaction_types))
            for to, n, _, _ in w.notes.sent
        }
        assert told == {B: ({A, B, C}, [1]), C: ({A, B, C}, [1])}
        assert await reactions.remove(w.s, mid, user_ids=[C], types=None, now=w.clock.now()) == 0
        assert await reactions.remove(w.s, mid + 999, user_ids=None, types=None, now=w.clock.now()) == 0


async def test_a_client_cannot_forge_the_counts_others_are_told(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        mid = await one_message(w, A, to=B)
        w.notes.clear()
        forged = [tag(REACTION_COUNTS_TAG, 1, 1000), tag(REACTION_TAG, 0, 0, 0, 0), tag("app:mine", 7)]
        r = await w.call(B, ADD, message_id=mid, reaction_types=[1], attrs=forged)
        assert r.code == Code.OK
        relay = w.notes.sent[0][1].relayed_request
        assert counts(relay.custom_attributes) == {1: 1}
        where = find_tagged(relay.custom_attributes, REACTION_TAG)
        assert where is not None and int_arg(where, 2) == A
        assert find_tagged(relay.custom_attributes, "app:mine") is not None  # the client's own attributes stay
