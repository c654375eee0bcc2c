"""The query and update shapes the meeting and reaction code builds, run through that code on every adapter.

The filters come from the domain functions themselves (``active_filter``, ``query_filter``, the reaction
compare-and-set in ``reactions.apply``, the reaction-sync find), so a change there is checked here on SQLite
and on MongoDB alike: ``$exists`` true and false beside ``$or`` and date ranges, ``$in`` on ids, a
compare-and-set on a version that starts absent, a map of arrays replaced whole, sort with skip and limit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from turms.clock import FakeClock
from turms.protocol.pb.request_conference_pb2 import QueryMeetingsRequest
from turms.service.conference.meetings import query_filter
from turms.service.conference.model import active_filter
from turms.service.context import Services
from turms.service.message import reactions
from turms.service.message.model import private_conversation_id
from turms.settings import load_settings
from turms.storage.port import Store

from testlib import CountingIds

T0 = datetime(2030, 1, 1, tzinfo=UTC)
A, B, C = 11, 22, 33


class _NoNotifier:
    async def notify(self, user_ids: Any, notification: bytes, **kw: Any) -> None:
        raise AssertionError("these tests push nothing")


class _NoPresence:
    async def statuses(self, user_ids: Any) -> dict[int, tuple[int | None, list[int]]]:
        return {}


def services_over(store: Store) -> Services:
    settings = load_settings(None, env={}, flags=[("service.message.reaction.max_per_user_per_message", "5")])
    return Services(settings, store, FakeClock(T0), CountingIds(), _NoNotifier(), _NoPresence())


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


MEETINGS: list[dict[str, Any]] = [
    {"_id": 1, "cid": A, "uid": B, "cd": at(0), "sd": at(0)},  # active
    {"_id": 2, "cid": A, "uid": C, "cd": at(1), "sd": at(1), "ccd": at(2)},  # cancelled
    {"_id": 3, "cid": A, "gid": 7, "cd": at(2), "sd": at(2), "ed": at(3)},  # ended
    {"_id": 4, "cid": A, "gid": 7, "cd": at(3), "sd": at(3)},  # active (group meetings expire after 100 h)
    {"_id": 5, "cid": A, "uid": B, "cd": at(-180), "sd": at(-180)},  # private, expired at 2 h
    {"_id": 6, "cid": B, "uid": A, "cd": at(4), "sd": at(4)},  # B's
    {"_id": 7, "cid": C, "gid": 8, "cd": at(5), "sd": at(600)},  # scheduled, active
]


async def test_active_meetings_of_a_creator(store: Store) -> None:
    services = services_over(store)
    await store.insert_many("meeting", MEETINGS)
    found = await store.find("meeting", active_filter(services.settings, A, at(10)), sort=[("_id", 1)])
    assert [d["_id"] for d in found] == [1, 4]
    assert await store.count("meeting", active_filter(services.settings, C, at(10))) == 1
    # 2 h after its start a private meeting is no longer active; a group one is.
    assert await store.count("meeting", active_filter(services.settings, A, at(120))) == 1


async def test_meeting_queries(store: Store) -> None:
    services = services_over(store)
    await store.insert_many("meeting", MEETINGS)
    await store.insert_one("groupMember", {"_id": {"gid": 7, "uid": B}, "role": 2})

    async def query(requester: int, **fields: Any) -> list[int]:
        flt = await query_filter(services, requester, QueryMeetingsRequest(**fields))
        if flt is None:
            return []
        docs = await store.find("meeting", flt, sort=[("cd", 1), ("_id", 1)], skip=fields.get("skip", 0) or 0)
        return [d["_id"] for d in docs]

    assert await query(B) == [5, 1, 6]  # created by B or inviting B, by creation date
    assert await query(A, user_ids=[B, C]) == [5, 1, 2]
    assert await query(B, user_ids=[B], creator_ids=[A]) == [5, 1]
    assert await query(B, group_ids=[7, 8]) == [3, 4]  # B is a member of group 7 only
    assert await query(A, group_ids=[7]) == []
    assert await query(A, creator_ids=[A], creation_date_start=int(at(1).timestamp() * 1000)) == [2, 3, 4]
    assert await query(A, ids=[1, 2, 6], creator_ids=[A]) == [1, 2]
    assert await query(A, creation_date_end=int(at(0).timestamp() * 1000)) == [5, 1]
    page = await store.find(
        "meeting",
        await query_filter(services, A, QueryMeetingsRequest()) or {},
        sort=[("cd", 1), ("_id", 1)],
        skip=1,
        limit=2,
    )
    assert [d["_id"] for d in page] == [1, 2]


async def test_cancel_is_a_conditional_set_and_its_undo_a_conditional_unset(store: Store) -> None:
    await store.insert_many("meeting", MEETINGS)
    first = await store.update_one("meeting", {"_id": 1, "ccd": {"$exists": False}}, {"$set": {"ccd": at(5)}})
    second = await store.update_one("meeting", {"_id": 1, "ccd": {"$exists": False}}, {"$set": {"ccd": at(6)}})
    assert (first.modified, second.modified) == (1, 0)
    undone = await store.update_one("meeting", {"_id": 1, "ccd": at(5)}, {"$unset": {"ccd": ""}})
    assert undone.modified == 1 and "ccd" not in (await store.find_one("meeting", {"_id": 1}) or {})


def message(mid: int, seq: int, **fields: Any) -> dict[str, Any]:
    cid = private_conversation_id(A, B)
    return {"_id": mid, "cid": cid, "gm": False, "sm": False, "dyd": at(0), "sid": A, "tid": B, "sqid": seq, **fields}


async def test_reaction_compare_and_set(store: Store) -> None:
    services = services_over(store)
    await store.insert_one("message", message(100, 1))
    stale = await store.find_one("message", {"_id": 100})
    assert stale is not None
    first = await reactions.apply(services, stale, at(1), add=True, user_ids=[B], types=[3, 1])
    assert first.changed == ((B, 3), (B, 1))
    # A writer holding the version-less read loses the compare-and-set, reads again and adds its own.
    second = await reactions.apply(services, stale, at(2), add=True, user_ids=[A], types=[3])
    assert second.changed == ((A, 3),)
    doc = await store.find_one("message", {"_id": 100})
    assert doc is not None and doc["rx"] == {"3": [B, A], "1": [B]} and doc["rxv"] == 2 and doc["rxd"] == at(2)
    # A date never moves backwards (a worker whose clock is behind).
    third = await reactions.apply(services, doc, at(1), add=False, user_ids=None, types=[3])
    assert third.changed == ((B, 3), (A, 3))
    doc = await store.find_one("message", {"_id": 100})
    assert doc is not None and doc["rx"] == {"1": [B]} and doc["rxv"] == 3 and doc["rxd"] == at(2)
    await reactions.apply(services, doc, at(3), add=False, user_ids=[B], types=None)
    doc = await store.find_one("message", {"_id": 100})
    assert doc is not None and doc["rx"] == {} and doc["rxv"] == 4


async def test_reaction_sync_find(store: Store) -> None:
    cid = private_conversation_id(A, B)
    await store.insert_many(
        "message",
        [
            message(1, 1, rxd=at(3), rx={"1": [A]}, rxv=1),
            message(2, 2),
            message(3, 3, rxd=at(1), rx={}, rxv=2),
            message(4, 4, rxd=at(3), rx={"2": [B]}, rxv=1),
            message(5, 5, rxd=at(0), rx={"1": [B]}, rxv=1),
            message(6, 6, rxd=at(5), tomb=True),
        ],
    )
    flt = {"cid": cid, "rxd": {"$gte": at(1)}, "tomb": {"$ne": True}}
    docs = await store.find("message", flt, sort=[("rxd", 1), ("_id", 1)], limit=3)
    assert [d["_id"] for d in docs] == [3, 1, 4]
    assert docs[1]["rx"] == {"1": [A]} and docs[0]["rx"] == {}
