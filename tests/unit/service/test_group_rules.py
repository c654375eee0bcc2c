"""Group handlers on a real SQLite store with an injected clock: codes, state, audiences, expiry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from turms.clock import FakeClock
from turms.protocol.pb import turms_notification_pb2, turms_request_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service import group
from turms.service.api import Requester, Response, Router, ServiceRequest
from turms.service.context import Services
from turms.service.group import group_types
from turms.service.group.model import GROUP_TYPE, InvitationStrategy, JoinStrategy, Role
from turms.settings import load_settings
from turms.storage.factory import open_store

from testlib import CountingIds


class Recorder:
    """The Notifier port, recording (recipients, decoded notification, broadcast)."""

    def __init__(self) -> None:
        self.sent: list[tuple[set[int], Any, bool]] = []

    async def notify(
        self,
        user_ids: Any,
        notification: bytes,
        *,
        exclude_session: str | None = None,
        trace_id: str | None = None,
        broadcast: bool = False,
    ) -> None:
        n = turms_notification_pb2.TurmsNotification.FromString(notification)
        self.sent.append((set(user_ids), n, broadcast))


class NoPresence:
    async def statuses(self, user_ids: Any) -> dict[int, tuple[int | None, list[int]]]:
        return {u: (None, []) for u in user_ids}


class World:
    def __init__(self, services: Services, router: Router, clock: FakeClock, notes: Recorder) -> None:
        self.s, self.router, self.clock, self.notes = services, router, clock, notes

    async def call(self, uid: int, kind: str, **fields: Any) -> Response:
        request = turms_request_pb2.TurmsRequest(request_id=1)
        body = getattr(request, kind)
        body.SetInParent()
        for name, value in fields.items():
            target = getattr(body, name)
            if isinstance(value, list):
                target.extend(value)
            elif isinstance(value, dict):
                target.update(value)
            else:
                setattr(body, name, value)
        req = ServiceRequest(Requester(uid, 0, f"s{uid}"), 1, request, kind, self.clock.now())
        return await self.router.dispatch(req)

    async def ok(self, uid: int, kind: str, **fields: Any) -> Response:
        r = await self.call(uid, kind, **fields)
        assert r.code in (Code.OK, Code.NO_CONTENT), (r.code, r.reason)
        return r

    async def new_type(self, type_id: int, **fields: Any) -> None:
        await group_types.create_type(self.s.store, type_id, f"t{type_id}", **fields)

    async def new_group(self, owner: int, type_id: int = 0, **fields: Any) -> int:
        r = await self.ok(owner, "create_group_request", name="g", type_id=type_id, **fields)
        return int(r.data.long)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    settings = load_settings(
        None,
        env={},
        flags=[
            ("storage.sqlite.path", str(tmp_path / "g.sqlite3")),
            ("service.group.invitation.allow_recall_by_sender", "true"),
            ("service.group.join_request.allow_recall_by_sender", "true"),
        ],
    )
    store = open_store(settings)
    await store.start()
    clock = FakeClock()
    notes = Recorder()
    services = Services(settings, store, clock, CountingIds(1000), notes, NoPresence())
    router = Router()
    group.register(router, services)
    try:
        yield World(services, router, clock, notes)
    finally:
        await store.close()


async def test_default_type_exists_and_create_group_makes_owner(world: World) -> None:
    gid = await world.new_group(1)
    assert await world.s.store.find_one(GROUP_TYPE, {"_id": 0}) is not None
    member = await world.s.store.find_one("groupMember", {"_id": {"gid": gid, "uid": 1}})
    assert member is not None and member["role"] == Role.OWNER
    ids = await world.ok(1, "query_joined_group_ids_request")
    assert list(ids.data.longs_with_version.longs) == [gid]
    stamp = ids.data.longs_with_version.last_updated_date
    assert (
        await world.call(1, "query_joined_group_ids_request", last_updated_date=stamp)
    ).code is Code.ALREADY_UP_TO_DATE


async def test_invitation_strategy_x_role_through_handlers(world: World) -> None:
    for n, strategy in enumerate(InvitationStrategy):
        await world.new_type(10 + n, invitation_strategy=strategy)
    expected_ok = {s for s in InvitationStrategy if s.requires_approval}
    for n, strategy in enumerate(InvitationStrategy):
        role = await world.s.store.find_one("userRole", {"_id": 0})
        assert role is None  # default role: creatable types come from the built-in default
        await world.s.store.update_one("userRole", {"_id": 0}, {"$set": {"cgtid": list(range(0, 20))}}, upsert=True)
        gid = await world.new_group(1, 10 + n)
        r = await world.call(1, "create_group_invitation_request", group_id=gid, invitee_id=99)
        assert (r.code is Code.OK) == (strategy in expected_ok), (strategy, r.code)
        await world.s.store.delete_many("userRole", {})


async def test_size_limit_blocked_user_and_join_strategies(world: World) -> None:
    await world.s.store.update_one("userRole", {"_id": 0}, {"$set": {"cgtid": [0, 5, 6]}}, upsert=True)
    await world.new_type(
        5,
        size_limit=3,
        invitation_strategy=InvitationStrategy.OWNER_MANAGER,
        join_strategy=JoinStrategy.MEMBERSHIP_REQUEST,
    )
    gid = await world.new_group(1, 5)
    await world.ok(1, "create_group_members_request", group_id=gid, user_ids=[2, 3])
    r = await world.call(1, "create_group_members_request", group_id=gid, user_ids=[4])
    assert r.code is Code.ADD_USER_TO_GROUP_WITH_SIZE_LIMIT_REACHED
    await world.ok(1, "create_group_blocked_user_request", group_id=gid, user_id=3)
    assert await world.s.store.find_one("groupMember", {"_id": {"gid": gid, "uid": 3}}) is None
    assert (
        await world.call(3, "create_group_members_request", group_id=gid, user_ids=[3])
    ).code is Code.ADD_BLOCKED_USER_TO_GROUP
    await world.ok(4, "create_group_members_request", group_id=gid, user_ids=[4])  # joins directly
    # Join requests to this group are refused by its strategy; a JOIN_REQUEST group takes them.
    assert (
        await world.call(5, "create_group_join_request_request", group_id=gid)
    ).code is Code.SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_MEMBERSHIP_REQUEST
    await world.new_type(6, join_strategy=JoinStrategy.JOIN_REQUEST)
    g2 = await world.new_group(1, 6)
    assert (await world.call(3, "create_group_join_request_request", group_id=g2)).code is Code.OK


async def test_invitation_expires_with_the_clock(world: World) -> None:
    gid = await world.new_group(1)
    r = await world.ok(1, "create_group_invitation_request", group_id=gid, invitee_id=2, content="hi")
    invitation_id = int(r.data.long)
    world.clock.advance(30 * 24 * 3600 + 1)
    r = await world.call(2, "update_group_invitation_request", invitation_id=invitation_id, response_action=0)
    assert r.code is Code.UPDATE_NON_PENDING_GROUP_INVITATION
    listed = await world.ok(2, "query_group_invitations_request")
    assert listed.data.group_invitations_with_version.group_invitations[0].status == 5  # EXPIRED
    assert await world.s.store.find_one("groupMember", {"_id": {"gid": gid, "uid": 2}}) is None


async def test_invitation_accept_adds_member_and_notifies(world: World) -> None:
    gid = await world.new_group(1)
    r = await world.ok(1, "create_group_invitation_request", group_id=gid, invitee_id=2)
    added = world.notes.sent[-1]
    assert added[0] == {1, 2}  # invitee, owner/managers (the requester's other sessions)
    world.notes.sent.clear()
    await world.ok(2, "update_group_invitation_request", invitation_id=int(r.data.long), response_action=0)
    assert await world.s.store.find_one("groupMember", {"_id": {"gid": gid, "uid": 2}}) is not None
    replied, joined = world.notes.sent
    assert replied[0] == {1, 2} and replied[1].relayed_request.HasField("update_group_invitation_request")
    # The member-added push: the other members and the new member's other sessions (the notifier excludes
    # the requesting session).
    assert joined[0] == {1, 2} and list(joined[1].relayed_request.create_group_members_request.user_ids) == [2]
    # Answering twice is refused.
    r2 = await world.call(2, "update_group_invitation_request", invitation_id=int(r.data.long), response_action=0)
    assert r2.code is Code.UPDATE_NON_PENDING_GROUP_INVITATION


async def test_questions_admit_at_minimum_score(world: World) -> None:
    await world.s.store.update_one("userRole", {"_id": 0}, {"$set": {"cgtid": [0, 7]}}, upsert=True)
    await world.new_type(7, join_strategy=JoinStrategy.QUESTION)
    gid = await world.new_group(1, 7, min_score=10)
    qs = await world.ok(1, "create_group_join_questions_request", group_id=gid)
    assert qs.code is Code.OK
    from turms.protocol.pb import model_group_pb2

    req = turms_request_pb2.TurmsRequest(request_id=1)
    body = req.create_group_join_questions_request
    body.group_id = gid
    body.questions.append(model_group_pb2.GroupJoinQuestion(question="a?", answers=["x"], score=6))
    body.questions.append(model_group_pb2.GroupJoinQuestion(question="b?", answers=["y"], score=6))
    r = await world.router.dispatch(
        ServiceRequest(Requester(1, 0, "s1"), 1, req, "create_group_join_questions_request", world.clock.now())
    )
    q1, q2 = list(r.data.longs_with_version.longs)
    low = await world.ok(2, "check_group_join_questions_answers_request", question_id_to_answer={q1: "x", q2: "no"})
    assert (
        low.data.group_join_question_answer_result.score == 6 and not low.data.group_join_question_answer_result.joined
    )
    high = await world.ok(2, "check_group_join_questions_answers_request", question_id_to_answer={q1: "x", q2: "y"})
    assert high.data.group_join_question_answer_result.joined
    again = await world.call(2, "check_group_join_questions_answers_request", question_id_to_answer={q1: "x"})
    assert again.code is Code.GROUP_MEMBER_ANSWER_GROUP_QUESTION


async def test_join_request_expires_with_the_clock(world: World) -> None:
    await world.s.store.update_one("userRole", {"_id": 0}, {"$set": {"cgtid": [0, 6]}}, upsert=True)
    await world.new_type(6, join_strategy=JoinStrategy.JOIN_REQUEST)
    gid = await world.new_group(1, 6)
    first = int((await world.ok(2, "create_group_join_request_request", group_id=gid, content="a")).data.long)
    second = int((await world.ok(3, "create_group_join_request_request", group_id=gid, content="b")).data.long)
    expire_after_s = 30 * 24 * 3600  # service.group.join_request.expire_after_s
    world.clock.advance(expire_after_s - 1)  # one second before: still pending, still answerable
    listed = await world.ok(1, "query_group_join_requests_request", group_id=gid)
    assert {r.id: r.status for r in listed.data.group_join_requests_with_version.group_join_requests} == {
        first: 0,
        second: 0,
    }
    await world.ok(1, "update_group_join_request_request", request_id=second, response_action=0)
    world.clock.advance(1)  # now the first is due: it can be neither answered nor recalled
    world.notes.sent.clear()
    for uid, kind, fields, code in (
        (1, "update_group_join_request_request", {"response_action": 0}, Code.UPDATE_NON_PENDING_GROUP_JOIN_REQUEST),
        (1, "update_group_join_request_request", {"response_action": 1}, Code.UPDATE_NON_PENDING_GROUP_JOIN_REQUEST),
        (2, "delete_group_join_request_request", {}, Code.RECALL_NON_PENDING_GROUP_JOIN_REQUEST),
    ):
        assert (await world.call(uid, kind, request_id=first, **fields)).code is code
    assert world.notes.sent == []
    mine = await world.ok(2, "query_group_join_requests_request")
    (shown,) = mine.data.group_join_requests_with_version.group_join_requests
    assert (shown.id, shown.status) == (first, 5)  # EXPIRED
    assert shown.expiration_date == shown.creation_date + expire_after_s * 1000
    stored = await world.s.store.find_one("groupJoinRequest", {"_id": first})
    assert stored is not None and stored["stat"] == 0  # shown as expired, never rewritten
    assert await world.s.store.find_one("groupMember", {"_id": {"gid": gid, "uid": 2}}) is None
    assert await world.s.store.find_one("groupMember", {"_id": {"gid": gid, "uid": 3}}) is not None


async def test_groups_created_and_deleted_are_counted(world: World) -> None:
    """The business counters Turms has: each group created once, each deleted once (logically by default)."""
    from turms.observability import metrics

    def counts() -> tuple[float, float]:
        return metrics.GROUPS_CREATED._value.get(), metrics.GROUPS_DELETED._value.get()

    created, deleted = counts()
    first = await world.new_group(1)
    await world.new_group(2)
    assert counts() == (created + 2, deleted)
    await world.ok(1, "delete_group_request", group_id=first)
    assert counts() == (created + 2, deleted + 1)
    assert (await world.call(1, "delete_group_request", group_id=first)).code is not Code.OK  # no longer owner
    assert counts() == (created + 2, deleted + 1)
