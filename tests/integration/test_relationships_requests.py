"""Every relationship request kind through a real 2-worker server: response codes, stored state and who
received which push. Users sit on both workers, so pushes cross the routing bus."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from user_rel_support import Member, code_of, connect, settle

from turms.client.relationship import ACCEPT, DECLINE, IGNORE
from turms.protocol.pb import constant_pb2, request_relationship_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.storage.port import Store

from integration_support import Server, running
from session_support import shared_store

pytestmark = pytest.mark.slow
_ids = itertools.count(70_000)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(
        tmp_path_factory.mktemp("relationships"),
        workers=2,
        settings={
            "gateway.auth.type": "none",
            "service.user.friend_request.allow_recall_pending_friend_request_by_sender": "true",
        },
    )
    with running(srv):
        asyncio.run(srv.wait_ready())
        yield srv


@pytest.fixture
async def store(server: Server) -> AsyncIterator[Store]:
    async with shared_store(Path(server.data_dir) / "turms.sqlite3") as s:
        yield s


@pytest.fixture
async def members(server: Server) -> AsyncIterator[Any]:
    made: list[Member] = []
    pids = sorted(server.worker_pids())

    async def make(uid: int | None = None, *, device: int = 0, worker: int = 0) -> Member:
        m = await connect(server.tcp_port, next(_ids) if uid is None else uid, device=device, on_worker=pids[worker])
        made.append(m)
        return m

    yield make
    for m in made:
        await m.client.close()


async def test_friend_requests_end_to_end(members: Any, store: Store) -> None:
    a = await members(worker=0)
    a_phone = await members(a.id, device=3, worker=1)
    b = await members(worker=1)
    c = await members(worker=0)
    rid = await a.rel.send_friend_request(b.id, "hello")
    await settle(a, a_phone, b)
    assert (a.take(), a_phone.take(), b.take()) == (
        [],
        ["create_friend_request_request"],
        ["create_friend_request_request"],
    )
    doc = await store.find_one("userFriendRequest", {"_id": rid})
    assert doc is not None and (doc["rrid"], doc["rtid"], doc["cnt"], doc["stat"]) == (a.id, b.id, "hello", 0)
    assert await code_of(a.rel.send_friend_request(b.id)) == Code.CREATE_EXISTING_FRIEND_REQUEST
    received = await b.rel.query_friend_requests(sent=False)
    assert received is not None and [(r.id, r.requester_id, r.request_status) for r in received] == [
        (rid, a.id, constant_pb2.RequestStatus.PENDING)
    ]
    version = received[0].creation_date
    assert await b.rel.query_friend_requests(sent=False, last_updated_date=version) is None  # 1002
    # Only the recipient answers; accepting creates both relationships and tells the sender.
    assert await code_of(a.rel.reply_friend_request(rid, ACCEPT)) == Code.NOT_RECIPIENT_TO_UPDATE_FRIEND_REQUEST
    await b.rel.reply_friend_request(rid, ACCEPT, reason="welcome")
    await settle(a, a_phone, b)
    assert (a.take(), a_phone.take(), b.take()) == (
        ["update_friend_request_request"],
        ["update_friend_request_request"],
        [],
    )
    assert await store.count("userRelationship", {"_id.oid": {"$in": [a.id, b.id]}}) == 2
    sent = await a.rel.query_friend_requests(sent=True, last_updated_date=version)
    assert (
        sent is not None
        and sent[0].request_status == constant_pb2.RequestStatus.ACCEPTED
        and sent[0].reason == "welcome"
    )
    assert await a.rel.query_related_user_ids() == [b.id]
    # Recall by the sender (enabled on this server): the recipient is told.
    rid2 = await a.rel.send_friend_request(c.id)
    await settle(a, a_phone, b, c)
    assert (a.take(), a_phone.take(), b.take(), c.take()) == (
        [],
        ["create_friend_request_request"],
        [],
        ["create_friend_request_request"],
    )
    assert await code_of(c.rel.recall_friend_request(rid2)) == Code.NOT_SENDER_TO_RECALL_FRIEND_REQUEST
    await a.rel.recall_friend_request(rid2)
    await settle(a, a_phone, b, c)
    assert (a.take(), a_phone.take(), b.take(), c.take()) == (
        [],
        ["delete_friend_request_request"],
        [],
        ["delete_friend_request_request"],
    )
    doc = await store.find_one("userFriendRequest", {"_id": rid2})
    assert doc is not None and doc["stat"] == constant_pb2.RequestStatus.CANCELED
    assert await code_of(a.rel.recall_friend_request(rid2)) == Code.RECALL_NON_PENDING_FRIEND_REQUEST


@pytest.mark.parametrize("action", [DECLINE, IGNORE], ids=["decline", "ignore"])
async def test_friend_request_declined_or_ignored(members: Any, store: Store, action: int) -> None:
    sender = await members(worker=0)
    recipient = await members(worker=1)
    recipient_laptop = await members(recipient.id, device=1, worker=0)
    other = await members(worker=1)
    rid = await sender.rel.send_friend_request(recipient.id, "hi")
    await settle(sender, recipient, recipient_laptop, other)
    for m in (sender, recipient, recipient_laptop, other):
        m.take()
    assert await code_of(other.rel.reply_friend_request(rid, action)) == Code.NOT_RECIPIENT_TO_UPDATE_FRIEND_REQUEST
    await recipient.rel.reply_friend_request(rid, action, reason="not now")
    # The sender is told, and the replier's other device; nobody else.
    await settle(sender, recipient, recipient_laptop, other)
    (push,) = sender.pushes
    assert push.requester_id == recipient.id
    assert push.relayed_request.update_friend_request_request.response_action == action
    assert (sender.take(), recipient.take(), recipient_laptop.take(), other.take()) == (
        ["update_friend_request_request"],
        [],
        ["update_friend_request_request"],
        [],
    )
    expected = constant_pb2.RequestStatus.DECLINED if action == DECLINE else constant_pb2.RequestStatus.IGNORED
    doc = await store.find_one("userFriendRequest", {"_id": rid})
    assert doc is not None and (doc["stat"], doc["rsn"]) == (expected, "not now")
    assert await store.count("userRelationship", {"_id.oid": {"$in": [sender.id, recipient.id]}}) == 0
    sent = await sender.rel.query_friend_requests(sent=True)
    assert sent is not None and [(r.id, r.request_status, r.reason) for r in sent] == [(rid, expected, "not now")]
    # Answered once: a second answer is refused, and the default re-send rule refuses a new request.
    assert await code_of(recipient.rel.reply_friend_request(rid, ACCEPT)) == Code.UPDATE_NON_PENDING_FRIEND_REQUEST
    assert await code_of(sender.rel.send_friend_request(recipient.id)) == Code.CREATE_EXISTING_FRIEND_REQUEST
    assert await store.count("userFriendRequest", {"rrid": sender.id}) == 1
    await settle(sender, recipient, recipient_laptop, other)
    assert [m.take() for m in (sender, recipient, recipient_laptop, other)] == [[], [], [], []]


async def groups_last_updated(member: Member) -> int:
    """The ``last_updated_date`` of a full QueryRelationshipGroupsRequest (the client SDK drops it)."""
    n = await member.client.request(
        "query_relationship_groups_request", request_relationship_pb2.QueryRelationshipGroupsRequest()
    )
    assert n.code == Code.OK
    return int(n.data.user_relationship_groups_with_version.last_updated_date)


async def test_relationships_and_groups_end_to_end(members: Any, store: Store) -> None:
    a = await members(worker=0)
    a_phone = await members(a.id, device=3, worker=1)
    b, c = await members(worker=1), await members(worker=0)
    assert await a.rel.query_relationships(last_updated_date=1) is None  # never changed: 1002
    await a.rel.create_relationship(b.id, name="bee")
    await a.rel.create_relationship(c.id)
    assert await code_of(a.rel.create_relationship(b.id)) == Code.CREATE_EXISTING_RELATIONSHIP
    docs = await store.find("userRelationship", {"_id.oid": a.id}, sort=[("_id.rid", 1)])
    assert [(d["_id"]["rid"], d.get("n"), "bd" in d) for d in docs] == [(b.id, "bee", False), (c.id, None, False)]
    assert await store.count("userRelationship", {"_id.oid": {"$in": [b.id, c.id]}}) == 0  # one-sided
    rels = await a.rel.query_relationships()
    assert rels is not None and [(r.related_user_id, r.name) for r in rels] == [(b.id, "bee"), (c.id, "")]
    version = max(r.establishment_date for r in rels)
    assert await a.rel.query_relationships(last_updated_date=version) is None
    # Groups: create, move a contact in, rename, delete (members go back to the default group).
    work = await a.rel.create_group("work")
    group = await store.find_one("userRelationshipGroup", {"_id.oid": a.id, "_id.gidx": work})
    assert group is not None and group["n"] == "work"
    await a.rel.move_to_group(c.id, 0, work)
    assert await a.rel.query_related_user_ids(group_indexes=[work]) == [c.id]
    groups = await a.rel.query_groups()
    assert groups is not None and sorted(groups) == [(0, ""), (work, "work")]
    groups_version = await groups_last_updated(a)
    assert await a.rel.query_groups(last_updated_date=groups_version) is None  # unchanged: 1002
    await asyncio.sleep(0.002)
    await a.rel.rename_group(work, "office")
    group = await store.find_one("userRelationshipGroup", {"_id.oid": a.id, "_id.gidx": work})
    assert group is not None and group["n"] == "office"
    changed = await a.rel.query_groups(last_updated_date=groups_version)  # changed: the new data
    assert changed is not None and sorted(changed) == [(0, ""), (work, "office")]
    assert await groups_last_updated(a) > groups_version
    await a.rel.rename_group(work, "office")  # the same name: nothing changes, nobody is told
    member = await store.find_one("userRelationshipGroupMember", {"_id.oid": a.id, "_id.ruid": c.id})
    assert member is not None and member["_id"]["gidx"] == work
    await a.rel.delete_group(work)
    assert await store.count("userRelationshipGroup", {"_id.oid": a.id, "_id.gidx": work}) == 0
    member = await store.find_one("userRelationshipGroupMember", {"_id.oid": a.id, "_id.ruid": c.id})
    assert member is not None and member["_id"]["gidx"] == 0
    # Block, then the relationship query shows new data after the change.
    await asyncio.sleep(0.002)
    await a.rel.block(b.id)
    rel = await store.find_one("userRelationship", {"_id.oid": a.id, "_id.rid": b.id})
    assert rel is not None and "bd" in rel and rel["n"] == "bee"
    changed = await a.rel.query_relationships(last_updated_date=version)
    assert changed is not None and [r.related_user_id for r in changed if r.HasField("block_date")] == [b.id]
    assert await a.rel.query_related_user_ids(blocked=True) == [b.id]
    await a.rel.delete_relationship(c.id)
    assert await store.count("userRelationship", {"_id.oid": a.id, "_id.rid": c.id}) == 0
    await settle(a, a_phone, b, c)
    # Every change went to the owner's other device only (Turms's defaults); related users heard nothing.
    assert a_phone.take() == [
        "create_relationship_request",
        "create_relationship_request",
        "update_relationship_request",
        "update_relationship_group_request",
        "delete_relationship_group_request",
        "update_relationship_request",
        "delete_relationship_request",
    ]
    assert (a.take(), b.take(), c.take()) == ([], [], [])
