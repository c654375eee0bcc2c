"""QueryMessagesRequest and UpdateMessageRequest (edit, recall) on a real SQLite store with an injected clock."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from turms.protocol.status import ResponseStatusCode as Code
from turms.protocol.status import SystemMessageType
from turms.service.message.model import PURGED_TAG, RECALLED_TAG, SEQ_RANGE_TAG, TOMBSTONE_TAG, find_tagged
from turms.service.message.retention import purge_once

from message_world import tag, world

A, B, C = 11, 22, 33
Q = "query_messages_request"


async def test_a_sender_reads_its_own_private_messages_and_nobody_else_does(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        ids = [(await w.send(A, to=B, text=f"a{i}")).data.long for i in range(2)]
        ids.append((await w.send(B, to=A, text="b")).data.long)
        for reader, peer in ((A, B), (B, A)):
            r = await w.ok(reader, Q, from_ids=[peer], are_group_messages=False)
            assert [m.id for m in r.data.messages.messages] == ids
            assert [m.sequence_id for m in r.data.messages.messages] == [1, 2, 3]
        by_ids = await w.ok(A, Q, ids=ids)
        assert [m.id for m in by_ids.data.messages.messages] == ids
        assert (await w.call(C, Q, ids=ids)).code == Code.NO_CONTENT
        assert (await w.call(C, Q, from_ids=[A])).code == Code.NO_CONTENT
        desc = await w.ok(A, Q, from_ids=[B], descending=True, max_count=2)
        assert [m.text for m in desc.data.messages.messages] == ["b", "a1"]
        # No from_ids: every conversation of the requester.
        assert len((await w.ok(B, Q)).data.messages.messages) == 3


async def test_sequence_and_date_ranges(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        dates = []
        for i in range(6):
            await w.send(A, to=B, text=str(i))
            dates.append(w.clock.now_ms())
            w.clock.advance(10)
        r = await w.ok(B, Q, from_ids=[A], are_group_messages=False, attrs=[tag(SEQ_RANGE_TAG, 3, 5)])
        assert [m.sequence_id for m in r.data.messages.messages] == [3, 4, 5]
        r = await w.ok(B, Q, from_ids=[A], are_group_messages=False, attrs=[tag(SEQ_RANGE_TAG, 5, 0)])
        assert [m.sequence_id for m in r.data.messages.messages] == [5, 6]
        r = await w.ok(B, Q, from_ids=[A], delivery_date_start=dates[1], delivery_date_end=dates[3])
        assert [m.text for m in r.data.messages.messages] == ["1", "2", "3"]
        assert (await w.call(B, Q, attrs=[tag(SEQ_RANGE_TAG, 1, 0)])).code == Code.ILLEGAL_ARGUMENT
        assert (await w.call(B, Q, from_ids=[A], attrs=[tag(SEQ_RANGE_TAG, -1)])).code == Code.ILLEGAL_ARGUMENT
        assert (await w.call(B, Q, from_ids=[A], max_count=0)).code == Code.ILLEGAL_ARGUMENT


async def test_max_count_is_capped_and_tombstones_are_marked_in_sequence_syncs(tmp_path: Path) -> None:
    async with world(tmp_path, {"service.message.query.max_count": "2"}) as w:
        for _ in range(3):
            await w.send(A, to=B)
        r = await w.ok(A, Q, from_ids=[B], max_count=50)
        assert len(r.data.messages.messages) == 2
        # A tombstone (left by a failed insert on MongoDB) keeps its number in sequence syncs only.
        await w.store.update_one("message", {"sqid": 2}, {"$set": {"tomb": True}})
        r = await w.ok(A, Q, from_ids=[B], attrs=[tag(SEQ_RANGE_TAG, 1, 0)])
        tomb = r.data.messages.messages[1]
        assert tomb.sequence_id == 2 and find_tagged(tomb.custom_attributes, TOMBSTONE_TAG) == []
        r = await w.ok(A, Q, from_ids=[B])
        assert [m.sequence_id for m in r.data.messages.messages] == [1, 3]


async def test_with_total_counts_unread_messages_per_conversation(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await w.group(1, {A: 0, B: 2})
        for _ in range(3):
            await w.send(A, to=B)
        await w.send(B, to=A)
        w.clock.advance(1)
        await w.ok(B, "update_conversation_request", user_id=A)
        w.clock.advance(1)
        await w.send(A, to=B, text="new")
        await w.send(A, group=1, text="g")
        await w.send(C, to=B, text="stranger")
        r = await w.ok(B, Q, with_total=True)
        totals = {(t.is_group_message, t.from_id): t for t in r.data.messages_with_total_list.messages_with_total_list}
        assert set(totals) == {(False, A), (True, 1), (False, C)}
        assert totals[(False, A)].total == 1 and [m.text for m in totals[(False, A)].messages] == ["new"]
        assert totals[(True, 1)].total == 1 and totals[(False, C)].total == 1
        # Named conversations only; a group needs membership.
        r = await w.ok(A, Q, with_total=True, from_ids=[B], are_group_messages=False)
        assert [t.total for t in r.data.messages_with_total_list.messages_with_total_list] == [1]
        assert (await w.call(C, Q, from_ids=[1], are_group_messages=True)).code == (
            Code.NOT_GROUP_MEMBER_TO_QUERY_GROUP_MESSAGES
        )


async def test_recall_inside_and_outside_the_window(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        mid = (await w.send(A, to=B, text="oops")).data.long
        U = "update_message_request"
        now = w.clock.now_ms()
        assert (await w.call(B, U, message_id=mid, recall_date=now)).code == Code.NOT_SENDER_TO_RECALL_MESSAGE
        assert (await w.call(A, U, message_id=999, recall_date=now)).code == Code.RECALL_NONEXISTENT_MESSAGE
        w.clock.advance(299)
        w.notes.clear()
        assert (await w.call(A, U, message_id=mid, recall_date=now)).code == Code.OK
        recalled, notice = await w.messages()
        assert "rd" in recalled and notice["sm"] is True and notice["sqid"] == 2
        assert notice["rec"] == [SystemMessageType.RECALL.as_record(), mid.to_bytes(8, "big")]
        assert w.notes.kinds() == ["update_message_request", "create_message_request"]
        assert all(r == {A, B} for r, _, _, _ in w.notes.sent)
        # Queries keep the recalled message's place, without its content.
        r = await w.ok(B, Q, from_ids=[A])
        first = r.data.messages.messages[0]
        assert not first.HasField("text") and find_tagged(first.custom_attributes, RECALLED_TAG) is not None
        # Outside the window.
        late = (await w.send(A, to=B)).data.long
        w.clock.advance(301)
        assert (await w.call(A, U, message_id=late, recall_date=now)).code == Code.MESSAGE_RECALL_TIMEOUT
    async with world(tmp_path / "off", {"service.message.allow_recall_message": "false"}) as w:
        mid = (await w.send(A, to=B)).data.long
        r = await w.call(A, "update_message_request", message_id=mid, recall_date=1)
        assert r.code == Code.RECALLING_MESSAGE_IS_DISABLED


async def test_edit_by_sender_only_and_group_type_rules(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        U = "update_message_request"
        mid = (await w.send(A, to=B, text="v1")).data.long
        assert (await w.call(B, U, message_id=mid, text="hack")).code == Code.NOT_SENDER_TO_UPDATE_MESSAGE
        assert (await w.call(A, U, message_id=mid)).code == Code.ILLEGAL_ARGUMENT
        w.notes.clear()
        assert (await w.call(A, U, message_id=mid, text="v2")).code == Code.OK
        (doc,) = await w.messages()
        assert doc["txt"] == "v2" and "md" in doc and doc["sqid"] == 1
        assert w.notes.kinds() == ["update_message_request"] and w.notes.sent[0][0] == {A, B}
        await w.group_type(3, me=False)
        await w.group(1, {A: 0, B: 2}, type_id=3)
        gmid = (await w.send(A, group=1)).data.long
        assert (await w.call(A, U, message_id=gmid, text="x")).code == Code.UPDATING_GROUP_MESSAGE_BY_SENDER_IS_DISABLED
    async with world(tmp_path / "off", {"service.message.allow_edit_message_by_sender": "false"}) as w:
        mid = (await w.send(A, to=B)).data.long
        r = await w.call(A, "update_message_request", message_id=mid, text="x")
        assert r.code == Code.UPDATING_MESSAGE_BY_SENDER_IS_DISABLED


# Sequence holes (a writer that died between the MongoDB counter and its insert) -------------------------


def seqs(r: Any) -> list[tuple[int, bool]]:
    """(sequence id, is tombstone) of each answered message."""
    return [
        (m.sequence_id, find_tagged(m.custom_attributes, TOMBSTONE_TAG) is not None) for m in r.data.messages.messages
    ]


async def test_an_old_hole_is_filled_with_a_tombstone_by_the_sync_that_meets_it(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        for _ in range(4):
            await w.send(A, to=B)
        await w.store.delete_one("message", {"sqid": 2})  # allocated, never stored
        w.clock.advance(60)
        r = await w.ok(B, Q, from_ids=[A], are_group_messages=False, attrs=[tag(SEQ_RANGE_TAG, 1, 0)])
        assert seqs(r) == [(1, False), (2, True), (3, False), (4, False)]
        stored = await w.messages({"sqid": 2})
        assert len(stored) == 1 and stored[0]["tomb"] is True
        # The next send takes the next number; the tombstone is never shown outside sequence syncs.
        assert (await w.send(A, to=B)).code == Code.OK
        r = await w.ok(B, Q, from_ids=[A], are_group_messages=False)
        assert [m.sequence_id for m in r.data.messages.messages] == [1, 3, 4, 5]


async def test_a_young_hole_is_waited_for_and_an_insert_landing_meanwhile_wins(tmp_path: Path) -> None:
    async with world(tmp_path, {"service.message.query.sequence_hole_grace_s": "0.5"}) as w:
        for _ in range(3):
            await w.send(A, to=B)
        [original] = await w.messages({"sqid": 2})
        await w.store.delete_one("message", {"sqid": 2})
        sync = asyncio.create_task(w.ok(B, Q, from_ids=[A], attrs=[tag(SEQ_RANGE_TAG, 2, 0)]))
        await asyncio.sleep(0.1)
        assert not sync.done()  # waiting for the hole to age
        await w.store.insert_one("message", original)  # the slow insert lands
        r = await sync
        assert seqs(r) == [(2, False), (3, False)]
        assert r.data.messages.messages[0].id == original["_id"]


async def test_numbers_below_the_lowest_stored_one_are_holes_unless_retention_took_them(tmp_path: Path) -> None:
    settings = {"service.message.query.sequence_hole_grace_s": "0.1"}
    async with world(tmp_path, settings) as w:
        for _ in range(3):
            await w.send(A, to=B)
        # No retention: the bottom number is missing because its insert is late (or an admin deleted it).
        await w.store.delete_one("message", {"sqid": 1})
        w.clock.advance(60)
        r = await w.ok(B, Q, from_ids=[A], attrs=[tag(SEQ_RANGE_TAG, 1, 0)])
        assert seqs(r) == [(1, True), (2, False), (3, False)]
    async with world(tmp_path / "retention", {**settings, "service.message.retention_period_h": "1"}) as w:
        for _ in range(2):
            await w.send(A, to=B)
        w.clock.advance(3601)
        for _ in range(3):
            await w.send(A, to=B)
        assert await purge_once(w.s) == 2  # retention took 1 and 2
        # A sync from below the purge mark is answered from above it, led by the marker.
        r = await w.ok(B, Q, from_ids=[A], attrs=[tag(SEQ_RANGE_TAG, 1, 0)])
        assert marked(r) == [(2, "purged"), (3, ""), (4, ""), (5, "")]
        assert len(await w.messages()) == 3  # no tombstone written
        r = await w.ok(B, Q, from_ids=[A], attrs=[tag(SEQ_RANGE_TAG, 3, 0)])
        assert marked(r) == [(3, ""), (4, ""), (5, "")]  # from above the mark: no marker
        r = await w.ok(B, Q, from_ids=[A], attrs=[tag(SEQ_RANGE_TAG, 1, 2)])
        assert marked(r) == [(2, "purged")]  # the whole asked range is gone
        # A hole above the mark is one, even when the range starts below it.
        await w.store.delete_one("message", {"sqid": 4})
        r = await w.ok(B, Q, from_ids=[A], attrs=[tag(SEQ_RANGE_TAG, 1, 0)])
        assert marked(r) == [(2, "purged"), (3, ""), (4, "tombstone"), (5, "")]
        # Everything purged: the marker alone answers, so a client that was away moves past it.
        w.clock.advance(7200)
        assert await purge_once(w.s) == 3
        r = await w.ok(B, Q, from_ids=[A], attrs=[tag(SEQ_RANGE_TAG, 1, 0)])
        assert marked(r) == [(5, "purged")]
        assert (await w.call(B, Q, from_ids=[A], attrs=[tag(SEQ_RANGE_TAG, 6, 0)])).code == Code.NO_CONTENT


def marked(r: Any) -> list[tuple[int, str]]:
    out = []
    for m in r.data.messages.messages:
        if find_tagged(m.custom_attributes, PURGED_TAG) is not None:
            out.append((m.sequence_id, "purged"))
        elif find_tagged(m.custom_attributes, TOMBSTONE_TAG) is not None:
            out.append((m.sequence_id, "tombstone"))
        else:
            out.append((m.sequence_id, ""))
    return out
