"""Every group request kind through a real 2-worker server: response codes, stored state, push audiences."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from turms.client import ResponseError, TurmsClient
from turms.client.group import GroupService
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.group import group_types
from turms.service.group.model import InvitationStrategy, JoinStrategy

from integration_support import Server, running
from session_support import shared_store

pytestmark = pytest.mark.slow
_ids = itertools.count(10_000)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("groups")
    srv = Server(
        tmp,
        workers=2,
        settings={
            "gateway.auth.type": "none",
            "service.group.invitation.allow_recall_by_sender": "true",
            "service.group.join_request.allow_recall_by_sender": "true",
        },
    )
    with running(srv):
        asyncio.run(srv.wait_ready())
        yield srv


class User:
    def __init__(self, uid: int, client: TurmsClient) -> None:
        self.id = uid
        self.client = client
        self.groups = GroupService(client)
        self.pushes: list[Any] = []
        client.on_notification(lambda n: self.pushes.append(n) if n.HasField("relayed_request") else None)

    def kinds(self) -> list[str]:
        return [str(n.relayed_request.WhichOneof("kind")) for n in self.pushes]


@pytest.fixture
async def users(server: Server) -> AsyncIterator[Any]:
    made: list[User] = []

    async def make(device: int = 0, uid: int | None = None) -> User:
        client = TurmsClient(
            "127.0.0.1", server.tcp_port, reconnect=False, heartbeat_interval_s=0, request_timeout_s=10
        )
        await client.connect()
        user_id = next(_ids) if uid is None else uid
        await client.login(user_id, device_type=device)
        user = User(user_id, client)
        made.append(user)
        return user

    yield make
    for u in made:
        await u.client.close()


async def settle(*users: User, quiet_s: float = 0.4) -> None:
    """Wait until pushes stop arriving (pushes cross workers through Redis)."""
    while True:
        before = [len(u.pushes) for u in users]
        await asyncio.sleep(quiet_s)
        if before == [len(u.pushes) for u in users]:
            return


async def code_of(coro: Any) -> int:
    try:
        await coro
    except ResponseError as e:
        return int(e.code)
    return int(Code.OK)


async def test_group_lifecycle_members_and_audiences(users: Any, server: Server) -> None:
    owner, manager, member, outsider = [await users() for _ in range(4)]
    owner_phone = await users(device=3, uid=owner.id)
    gid = await owner.groups.create_group("team", intro="hi")
    await settle(owner, owner_phone)
    assert owner_phone.kinds() == ["create_group_request"]  # requester's other session only
    assert owner.kinds() == []
    # The default type requires approval: adding directly is refused; invitations work.
    assert await code_of(owner.groups.add_members(gid, [manager.id])) == Code.ADD_USER_TO_GROUP_REQUIRING_USERS_APPROVAL
    inv = await owner.groups.invite(gid, manager.id, "join us")
    await settle(manager)
    assert manager.kinds() == ["create_group_invitation_request"]
    received = await manager.groups.query_invitations()
    assert received is not None and [i.id for i in received] == [inv]
    await manager.groups.reply_invitation(inv, 0)
    inv2 = await owner.groups.invite(gid, member.id)
    await member.groups.reply_invitation(inv2, 0)
    await settle(owner, owner_phone, manager, member)
    assert "create_group_members_request" in owner_phone.kinds()
    members = await owner.groups.query_members(gid)
    assert members is not None and {m.user_id for m in members} == {owner.id, manager.id, member.id}
    # Roles and member info.
    await owner.groups.update_member(gid, manager.id, role=1)
    assert (
        await code_of(member.groups.update_member(gid, manager.id, role=2))
        == Code.NOT_GROUP_OWNER_TO_UPDATE_GROUP_MEMBER_ROLE
    )
    assert await code_of(member.groups.update_member(gid, manager.id, mute_end_date=2**40)) == (
        Code.MUTE_GROUP_MEMBER_WITH_ROLE_EQUAL_TO_OR_HIGHER_THAN_REQUESTER
    )
    await manager.groups.update_member(gid, member.id, mute_end_date=2**41)
    await member.groups.update_member(gid, member.id, name="me")  # self info updatable
    (m,) = await owner.groups.query_members(gid, member_ids=[member.id]) or []
    assert m.name == "me" and m.mute_end_date == 2**41
    # Group info: updates go to all members.
    for u in (owner, owner_phone, manager, member, outsider):
        u.pushes.clear()
    await manager.groups.update_group(gid, announcement="news")
    await settle(owner, owner_phone, manager, member, outsider)
    assert owner.kinds() == owner_phone.kinds() == member.kinds() == ["update_group_request"]
    assert manager.kinds() == [] and outsider.kinds() == []
    assert (
        await code_of(member.groups.update_group(gid, name="x")) == Code.NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_INFO
    )
    (g,) = await outsider.groups.query_groups([gid]) or []
    assert g.announcement == "news" and g.name == "team"
    assert await outsider.groups.query_groups([gid], last_updated_date=g.last_updated_date) is None
    joined = await member.groups.query_joined_groups()
    assert joined is not None and [x.id for x in joined] == [gid]
    assert await member.groups.query_joined_group_ids(last_updated_date=2**42) is None
    # Blocklist: blocking a member removes them; blocked users cannot be invited.
    await manager.groups.block_user(gid, member.id)
    assert await owner.groups.query_blocked_user_ids(gid) == [member.id]
    infos = await owner.groups.query_blocked_user_infos(gid)
    assert infos is not None and [i.id for i in infos] == [member.id]
    assert await code_of(owner.groups.invite(gid, member.id)) == Code.SEND_GROUP_INVITATION_TO_BLOCKED_USER
    assert await code_of(member.groups.query_members(gid)) == Code.NOT_GROUP_MEMBER_TO_QUERY_GROUP_MEMBER_INFO
    await manager.groups.unblock_user(gid, member.id)
    assert await owner.groups.query_blocked_user_ids(gid) == []
    # Invitation recall by its sender; outsider cannot query the group's invitations.
    inv3 = await owner.groups.invite(gid, outsider.id)
    await owner.groups.recall_invitation(inv3)
    assert await code_of(outsider.groups.reply_invitation(inv3, 0)) == Code.UPDATE_NON_PENDING_GROUP_INVITATION
    assert (
        await code_of(outsider.groups.query_invitations(group_id=gid))
        == Code.NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_INVITATION
    )
    # Removing, quitting, transferring, deleting.
    assert (
        await code_of(owner.groups.remove_members(gid, [owner.id]))
        == Code.GROUP_OWNER_QUIT_WITHOUT_SPECIFYING_SUCCESSOR
    )
    await owner.groups.transfer_ownership(gid, manager.id, quit_after=True)
    members = await manager.groups.query_members(gid)
    assert members is not None and {(x.user_id, x.role) for x in members} == {(manager.id, 0)}
    manager.pushes.clear()
    await manager.groups.delete_group(gid)
    assert await outsider.groups.query_groups([gid]) == []
    assert await code_of(manager.groups.query_members(gid)) == Code.NOT_GROUP_MEMBER_TO_QUERY_GROUP_MEMBER_INFO


async def test_join_requests_questions_and_membership_requests(users: Any, server: Server) -> None:
    async with shared_store(server.data_dir / "turms.sqlite3") as store:
        await store.update_one("userRole", {"_id": 0}, {"$set": {"cgtid": [0, 71, 72, 73]}}, upsert=True)
        for type_id, join in (
            (71, JoinStrategy.JOIN_REQUEST),
            (72, JoinStrategy.QUESTION),
            (73, JoinStrategy.MEMBERSHIP_REQUEST),
        ):
            if await group_types.get_type(store, type_id) is None:
                await group_types.create_type(
                    store,
                    type_id,
                    f"t{type_id}",
                    join_strategy=join,
                    invitation_strategy=InvitationStrategy.OWNER_MANAGER,
                )
    owner, asker, other = await users(), await users(), await users()
    # Join request: created, seen by the owner, accepted.
    g1 = await owner.groups.create_group("jr", type_id=71)
    rid = await asker.groups.request_to_join(g1, "please")
    await settle(owner)
    assert owner.kinds() == ["create_group_join_request_request"]
    pending = await owner.groups.query_join_requests(group_id=g1)
    assert pending is not None and [(r.id, r.status) for r in pending] == [(rid, 0)]
    assert (
        await code_of(asker.groups.query_join_requests(group_id=g1))
        == Code.NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_JOIN_REQUEST
    )
    rid2 = await other.groups.request_to_join(g1)
    await other.groups.recall_join_request(rid2)
    mine = await other.groups.query_join_requests()
    assert mine is not None and mine[0].status == 6  # CANCELED
    await owner.groups.reply_join_request(rid, 0)
    await settle(asker)
    assert "update_group_join_request_request" in asker.kinds() and "create_group_members_request" in asker.kinds()
    assert await code_of(asker.groups.request_to_join(g1)) == Code.GROUP_MEMBER_SEND_GROUP_JOIN_REQUEST
    # Questions: scored answers admit at the minimum score.
    g2 = await owner.groups.create_group("q", type_id=72, min_score=5)
    q1, q2 = await owner.groups.add_questions(g2, [("1+1?", ["2"], 3), ("2+2?", ["4"], 3)])
    public = await asker.groups.query_questions(g2)
    assert public is not None and all(not q.answers for q in public)
    assert (
        await code_of(asker.groups.query_questions(g2, with_answers=True))
        == Code.NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_QUESTION_ANSWER
    )
    await owner.groups.update_question(q2, answers=["4", "four"])
    low = await asker.groups.answer_questions({q1: "2", q2: "5"})
    assert (low.score, low.joined) == (3, False)
    high = await asker.groups.answer_questions({q1: "2", q2: "four"})
    assert (high.score, high.joined) == (6, True)
    await owner.groups.delete_questions(g2, [q1])
    left = await owner.groups.query_questions(g2, with_answers=True)
    assert left is not None and [(q.id, list(q.answers)) for q in left] == [(q2, ["4", "four"])]
    # Membership request: join directly; the default type refuses it.
    g3 = await owner.groups.create_group("open", type_id=73)
    await other.groups.join_group(g3, other.id)
    g4 = await owner.groups.create_group("closed")
    assert (
        await code_of(other.groups.join_group(g4, other.id)) == Code.USER_JOIN_GROUP_WITHOUT_ACCEPTING_GROUP_INVITATION
    )
    assert await code_of(other.groups.request_to_join(g4)) == Code.SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_INVITATION
    assert (
        await code_of(owner.groups.add_questions(g4, [("x", ["y"], 1)]))
        == Code.CREATE_GROUP_QUESTION_FOR_GROUP_USING_INVITATION
    )
