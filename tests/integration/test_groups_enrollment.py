"""The group enrollment request kinds (invitations, join requests, join questions) through a real 2-worker
server: for each, the response code, the stored state (read from the store) and exactly who received which
push under Turms's default notification settings. Sessions sit on both workers, so pushes cross the routing
bus. Expiry is tested with an injected clock in tests/unit/service/test_group_rules.py."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator

import pytest
from groups_support import (
    BY_QUESTION,
    BY_REQUEST,
    NO_CONTENT,
    OK,
    UP_TO_DATE,
    Cast,
    Session,
    add_members,
    call,
    code_of,
    member_roles,
    ms,
    ok,
    start_server,
)

from turms.protocol.pb import model_group_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.storage.port import Store

from integration_support import Server
from session_support import shared_store

pytestmark = pytest.mark.slow
_ids = itertools.count(20_000)

OWNER, MANAGER, MEMBER = 0, 1, 2
ACCEPT, DECLINE, IGNORE = 0, 1, 2
PENDING, ACCEPTED, DECLINED, IGNORED, CANCELED = 0, 1, 3, 4, 6
THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000

JOINED = "create_group_members_request"  # relayed (synthesized) when a user joins by enrollment


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("enrollment"))


@pytest.fixture
async def store(server: Server) -> AsyncIterator[Store]:
    async with shared_store(server.data_dir / "turms.sqlite3") as s:
        yield s


@pytest.fixture
async def cast(server: Server) -> AsyncIterator[Cast]:
    c = Cast(server, _ids)
    try:
        yield c
    finally:
        await c.close()


def joined_push(session: Session, group_id: int, user_id: int) -> None:
    """The synthesized push says who joined which group."""
    n = session.last(JOINED)
    body = n.relayed_request.create_group_members_request
    assert (body.group_id, list(body.user_ids), body.role) == (group_id, [user_id], MEMBER)


async def test_invitations_create_reply_recall_query(cast: Cast, store: Store) -> None:
    owner = await cast.user("owner", worker=0)
    await cast.user("owner_phone", worker=1, uid=owner.id, device=3)
    manager = await cast.user("manager", worker=1)
    member = await cast.user("member", worker=0)
    invitee = await cast.user("invitee", worker=1)
    invitee_phone = await cast.user("invitee_phone", worker=0, uid=invitee.id, device=3)
    decliner = await cast.user("decliner", worker=0)
    ignorer = await cast.user("ignorer", worker=1)
    outsider = await cast.user("outsider", worker=0)
    # The default type: any member may invite, the invitee must accept; users join only by invitation.
    gid = (await ok(owner, "create_group_request", name="inv")).long
    await add_members(store, gid, {manager.id: MANAGER, member.id: MEMBER})
    await cast.drain()
    created, replied, recalled = (
        ["create_group_invitation_request"],
        ["update_group_invitation_request"],
        ["delete_group_invitation_request"],
    )

    # CreateGroupInvitationRequest: the invitee, the owner and managers, and the inviter's other sessions.
    for who, fields, code in (
        (outsider, {"invitee_id": decliner.id}, Code.NOT_GROUP_MEMBER_TO_SEND_GROUP_INVITATION),
        (member, {"invitee_id": manager.id}, Code.SEND_GROUP_INVITATION_TO_GROUP_MEMBER),
        (member, {"invitee_id": invitee.id, "content": "x" * 201}, Code.ILLEGAL_ARGUMENT),
    ):
        assert await code_of(who, "create_group_invitation_request", group_id=gid, **fields) == code
    assert (
        await code_of(owner, "create_group_members_request", group_id=gid, user_ids=[invitee.id])
        == Code.ADD_USER_TO_GROUP_REQUIRING_USERS_APPROVAL
    )
    assert (
        await code_of(invitee, "create_group_members_request", group_id=gid, user_ids=[invitee.id])
        == Code.USER_JOIN_GROUP_WITHOUT_ACCEPTING_GROUP_INVITATION
    )
    assert await store.count("groupInvitation", {"gid": gid}) == 0
    await cast.pushes()
    inv = (await ok(member, "create_group_invitation_request", group_id=gid, invitee_id=invitee.id, content="hi")).long
    doc = await store.find_one("groupInvitation", {"_id": inv})
    assert doc is not None
    assert (doc["gid"], doc["irid"], doc["ieid"], doc["cnt"], doc["stat"]) == (gid, member.id, invitee.id, "hi", 0)
    await cast.pushes(owner=created, owner_phone=created, manager=created, invitee=created, invitee_phone=created)

    # QueryGroupInvitationsRequest: a group's (owners and managers), received, or sent; 1002 when unchanged.
    code, data = await call(owner, "query_group_invitations_request", group_id=gid)
    (i,) = data.group_invitations_with_version.group_invitations
    assert code == OK
    assert (i.id, i.group_id, i.inviter_id, i.invitee_id, i.content, i.status) == (
        inv,
        gid,
        member.id,
        invitee.id,
        "hi",
        PENDING,
    )
    assert (i.creation_date, i.expiration_date) == (ms(doc["cd"]), ms(doc["cd"]) + THIRTY_DAYS_MS)
    code, data = await call(invitee, "query_group_invitations_request")
    received = data.group_invitations_with_version
    assert (code, [x.id for x in received.group_invitations]) == (OK, [inv])
    assert received.last_updated_date == ms((await store.find_one("userVersion", {"_id": invitee.id}))["rgi"])
    assert (
        await code_of(invitee, "query_group_invitations_request", last_updated_date=received.last_updated_date)
        == UP_TO_DATE
    )
    code, data = await call(member, "query_group_invitations_request", are_sent_by_me=True)
    assert (code, [x.id for x in data.group_invitations_with_version.group_invitations]) == (OK, [inv])
    assert (
        await code_of(member, "query_group_invitations_request", group_id=gid)
        == Code.NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_INVITATION
    )
    assert await code_of(outsider, "query_group_invitations_request") == NO_CONTENT

    # UpdateGroupInvitationRequest ACCEPT: the invitee joins. The reply goes to the inviter, the owner and
    # managers and the invitee's other sessions; the join to the other members and the invitee's other
    # sessions.
    assert (
        await code_of(outsider, "update_group_invitation_request", invitation_id=inv, response_action=ACCEPT)
        == Code.NOT_INVITEE_TO_UPDATE_GROUP_INVITATION
    )
    await cast.pushes()
    await ok(invitee, "update_group_invitation_request", invitation_id=inv, response_action=ACCEPT, reason="thanks")
    doc = await store.find_one("groupInvitation", {"_id": inv})
    assert doc is not None and (doc["stat"], doc["rsn"]) == (ACCEPTED, "thanks") and doc["rd"] >= doc["cd"]
    assert (await member_roles(store, gid))[invitee.id] == MEMBER
    both = [*replied, JOINED]
    await cast.pushes(owner=both, owner_phone=both, manager=both, member=both, invitee_phone=both)
    joined_push(member, gid, invitee.id)
    joined_push(invitee_phone, gid, invitee.id)
    assert (
        await code_of(invitee, "update_group_invitation_request", invitation_id=inv, response_action=DECLINE)
        == Code.UPDATE_NON_PENDING_GROUP_INVITATION
    )

    # DECLINE and IGNORE: stored, nobody added; the inviter (here the owner, then a manager), the owner and
    # managers are told.
    inv2 = (await ok(owner, "create_group_invitation_request", group_id=gid, invitee_id=decliner.id)).long
    await cast.pushes(owner_phone=created, manager=created, decliner=created)
    await ok(decliner, "update_group_invitation_request", invitation_id=inv2, response_action=DECLINE)
    await cast.pushes(owner=replied, owner_phone=replied, manager=replied)
    inv3 = (await ok(manager, "create_group_invitation_request", group_id=gid, invitee_id=ignorer.id)).long
    await cast.pushes(owner=created, owner_phone=created, ignorer=created)
    await ok(ignorer, "update_group_invitation_request", invitation_id=inv3, response_action=IGNORE)
    await cast.pushes(owner=replied, owner_phone=replied, manager=replied)
    stats = {d["_id"]: d["stat"] for d in await store.find("groupInvitation", {"_id": {"$in": [inv2, inv3]}})}
    assert stats == {inv2: DECLINED, inv3: IGNORED}
    assert set(await member_roles(store, gid)) == {owner.id, manager.id, member.id, invitee.id}

    # DeleteGroupInvitationRequest (recall; by the sender on this server): the invitee, the owner and
    # managers, and the sender's other sessions.
    inv4 = (await ok(member, "create_group_invitation_request", group_id=gid, invitee_id=outsider.id)).long
    await cast.pushes(owner=created, owner_phone=created, manager=created, outsider=created)
    for who in (invitee, owner):  # neither sent it (recall by owners and managers is off by default)
        assert (
            await code_of(who, "delete_group_invitation_request", invitation_id=inv4)
            == Code.NOT_GROUP_OWNER_OR_MANAGER_OR_SENDER_TO_RECALL_GROUP_INVITATION
        )
    await cast.pushes()
    await ok(member, "delete_group_invitation_request", invitation_id=inv4)
    assert (await store.find_one("groupInvitation", {"_id": inv4}))["stat"] == CANCELED
    await cast.pushes(owner=recalled, owner_phone=recalled, manager=recalled, outsider=recalled)
    assert (
        await code_of(member, "delete_group_invitation_request", invitation_id=inv4)
        == Code.RECALL_NON_PENDING_GROUP_INVITATION
    )
    assert (
        await code_of(outsider, "update_group_invitation_request", invitation_id=inv4, response_action=ACCEPT)
        == Code.UPDATE_NON_PENDING_GROUP_INVITATION
    )
    code, data = await call(outsider, "query_group_invitations_request")
    assert (code, [(x.id, x.status) for x in data.group_invitations_with_version.group_invitations]) == (
        OK,
        [(inv4, CANCELED)],
    )

    # A blocked user cannot be invited.
    await ok(owner, "create_group_blocked_user_request", group_id=gid, user_id=outsider.id)
    await cast.pushes(owner_phone=["create_group_blocked_user_request"])
    assert (
        await code_of(member, "create_group_invitation_request", group_id=gid, invitee_id=outsider.id)
        == Code.SEND_GROUP_INVITATION_TO_BLOCKED_USER
    )
    assert await store.count("groupInvitation", {"ieid": outsider.id}) == 1
    await cast.pushes()


async def test_join_requests_create_reply_recall_query(cast: Cast, store: Store) -> None:
    owner = await cast.user("owner", worker=0)
    await cast.user("owner_phone", worker=1, uid=owner.id, device=3)
    manager = await cast.user("manager", worker=1)
    await cast.user("manager_phone", worker=0, uid=manager.id, device=3)
    member = await cast.user("member", worker=0)
    asker = await cast.user("asker", worker=1)
    await cast.user("asker_phone", worker=0, uid=asker.id, device=3)
    decliner = await cast.user("decliner", worker=0)
    ignorer = await cast.user("ignorer", worker=1)
    blocked = await cast.user("blocked", worker=1)
    gid = (await ok(owner, "create_group_request", name="jr", type_id=BY_REQUEST)).long
    closed = (await ok(owner, "create_group_request", name="closed")).long  # joins by invitation only
    await add_members(store, gid, {manager.id: MANAGER, member.id: MEMBER})
    await ok(owner, "create_group_blocked_user_request", group_id=gid, user_id=blocked.id)
    await cast.drain()
    created, replied, recalled = (
        ["create_group_join_request_request"],
        ["update_group_join_request_request"],
        ["delete_group_join_request_request"],
    )

    # CreateGroupJoinRequestRequest: the owner and managers, and the requester's other sessions.
    for who, group_id, code in (
        (member, gid, Code.GROUP_MEMBER_SEND_GROUP_JOIN_REQUEST),
        (blocked, gid, Code.BLOCKED_USER_SEND_GROUP_JOIN_REQUEST),
        (asker, closed, Code.SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_INVITATION),
    ):
        assert await code_of(who, "create_group_join_request_request", group_id=group_id) == code
    assert (
        await code_of(asker, "create_group_members_request", group_id=gid, user_ids=[asker.id])
        == Code.USER_JOIN_GROUP_WITHOUT_SENDING_GROUP_JOIN_REQUEST
    )
    assert await store.count("groupJoinRequest", {"gid": {"$in": [gid, closed]}}) == 0
    assert set(await member_roles(store, gid)) == {owner.id, manager.id, member.id}
    await cast.pushes()
    rid = (await ok(asker, "create_group_join_request_request", group_id=gid, content="please")).long
    doc = await store.find_one("groupJoinRequest", {"_id": rid})
    assert doc is not None and (doc["gid"], doc["rqid"], doc["cnt"], doc["stat"]) == (gid, asker.id, "please", 0)
    await cast.pushes(owner=created, owner_phone=created, manager=created, manager_phone=created, asker_phone=created)

    # QueryGroupJoinRequestsRequest: a group's (owners and managers) or one's own; 1002 when unchanged.
    code, data = await call(manager, "query_group_join_requests_request", group_id=gid)
    listed = data.group_join_requests_with_version
    (r,) = listed.group_join_requests
    assert (code, r.id, r.group_id, r.requester_id, r.content, r.status) == (OK, rid, gid, asker.id, "please", 0)
    assert (r.creation_date, r.expiration_date) == (ms(doc["cd"]), ms(doc["cd"]) + THIRTY_DAYS_MS)
    assert listed.last_updated_date == ms((await store.find_one("groupVersion", {"_id": gid}))["jr"])
    code, _ = await call(
        manager, "query_group_join_requests_request", group_id=gid, last_updated_date=listed.last_updated_date
    )
    assert code == UP_TO_DATE
    code, data = await call(asker, "query_group_join_requests_request")
    assert (code, [x.id for x in data.group_join_requests_with_version.group_join_requests]) == (OK, [rid])
    assert (
        await code_of(member, "query_group_join_requests_request", group_id=gid)
        == Code.NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_JOIN_REQUEST
    )
    assert await code_of(decliner, "query_group_join_requests_request") == NO_CONTENT

    # UpdateGroupJoinRequestRequest ACCEPT: the requester joins. The reply goes to the requester, the owner
    # and managers and the replier's other sessions; the join to every member but the replying session,
    # and to the new member.
    assert (
        await code_of(member, "update_group_join_request_request", request_id=rid, response_action=ACCEPT)
        == Code.NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_JOIN_REQUEST
    )
    await cast.pushes()
    await ok(manager, "update_group_join_request_request", request_id=rid, response_action=ACCEPT, reason="welcome")
    doc = await store.find_one("groupJoinRequest", {"_id": rid})
    assert doc is not None and (doc["stat"], doc["rpid"], doc["rsn"]) == (ACCEPTED, manager.id, "welcome")
    assert (await member_roles(store, gid))[asker.id] == MEMBER
    both = [*replied, JOINED]
    await cast.pushes(owner=both, owner_phone=both, manager_phone=both, asker=both, asker_phone=both, member=[JOINED])
    joined_push(asker, gid, asker.id)
    assert (
        await code_of(asker, "create_group_join_request_request", group_id=gid)
        == Code.GROUP_MEMBER_SEND_GROUP_JOIN_REQUEST
    )
    assert (
        await code_of(owner, "update_group_join_request_request", request_id=rid, response_action=DECLINE)
        == Code.UPDATE_NON_PENDING_GROUP_JOIN_REQUEST
    )

    # DECLINE and IGNORE: stored, nobody added; the requester, the owner and managers are told.
    r2 = (await ok(decliner, "create_group_join_request_request", group_id=gid)).long
    r3 = (await ok(ignorer, "create_group_join_request_request", group_id=gid)).long
    await cast.pushes(owner=created * 2, owner_phone=created * 2, manager=created * 2, manager_phone=created * 2)
    await ok(owner, "update_group_join_request_request", request_id=r2, response_action=DECLINE)
    await cast.pushes(decliner=replied, owner_phone=replied, manager=replied, manager_phone=replied)
    await ok(manager, "update_group_join_request_request", request_id=r3, response_action=IGNORE)
    await cast.pushes(ignorer=replied, owner=replied, owner_phone=replied, manager_phone=replied)
    docs = {d["_id"]: d for d in await store.find("groupJoinRequest", {"_id": {"$in": [r2, r3]}})}
    assert {k: (d["stat"], d["rpid"]) for k, d in docs.items()} == {r2: (DECLINED, owner.id), r3: (IGNORED, manager.id)}
    assert set(await member_roles(store, gid)) == {owner.id, manager.id, member.id, asker.id}

    # DeleteGroupJoinRequestRequest (recall by the sender): the owner and managers are told.
    r4 = (await ok(ignorer, "create_group_join_request_request", group_id=gid)).long
    await cast.pushes(owner=created, owner_phone=created, manager=created, manager_phone=created)
    assert (
        await code_of(owner, "delete_group_join_request_request", request_id=r4)
        == Code.NOT_SENDER_TO_RECALL_GROUP_JOIN_REQUEST
    )
    await ok(ignorer, "delete_group_join_request_request", request_id=r4)
    assert (await store.find_one("groupJoinRequest", {"_id": r4}))["stat"] == CANCELED
    await cast.pushes(owner=recalled, owner_phone=recalled, manager=recalled, manager_phone=recalled)
    assert (
        await code_of(ignorer, "delete_group_join_request_request", request_id=r4)
        == Code.RECALL_NON_PENDING_GROUP_JOIN_REQUEST
    )
    assert (
        await code_of(owner, "update_group_join_request_request", request_id=r4, response_action=ACCEPT)
        == Code.UPDATE_NON_PENDING_GROUP_JOIN_REQUEST
    )
    code, data = await call(ignorer, "query_group_join_requests_request")
    assert code == OK
    assert sorted((x.id, x.status) for x in data.group_join_requests_with_version.group_join_requests) == sorted(
        [(r3, IGNORED), (r4, CANCELED)]
    )
    await cast.pushes()


async def test_join_questions_and_answers(cast: Cast, store: Store) -> None:
    owner = await cast.user("owner", worker=0)
    await cast.user("owner_phone", worker=1, uid=owner.id, device=3)
    manager = await cast.user("manager", worker=1)
    member = await cast.user("member", worker=0)
    answerer = await cast.user("answerer", worker=1)
    await cast.user("answerer_phone", worker=0, uid=answerer.id, device=3)
    blocked = await cast.user("blocked", worker=0)
    gid = (await ok(owner, "create_group_request", name="quiz", type_id=BY_QUESTION, min_score=5)).long
    closed = (await ok(owner, "create_group_request", name="closed")).long  # joins by invitation only
    await add_members(store, gid, {manager.id: MANAGER, member.id: MEMBER})
    await ok(owner, "create_group_blocked_user_request", group_id=gid, user_id=blocked.id)
    await cast.drain()

    def question(text: str, answers: list[str], score: int) -> model_group_pb2.GroupJoinQuestion:
        return model_group_pb2.GroupJoinQuestion(question=text, answers=answers, score=score)

    # CreateGroupJoinQuestionsRequest: owners and managers of QUESTION groups; Turms has no notification
    # for join questions, so nobody (not even the requester's other sessions) is told.
    for who, group_id, questions, code in (
        (member, gid, [question("q", ["a"], 1)], Code.NOT_GROUP_OWNER_OR_MANAGER_TO_CREATE_GROUP_QUESTION),
        (owner, closed, [question("q", ["a"], 1)], Code.CREATE_GROUP_QUESTION_FOR_GROUP_USING_INVITATION),
        (owner, gid, [question("q", [], 1)], Code.ILLEGAL_ARGUMENT),
    ):
        code_got, _ = await call(who, "create_group_join_questions_request", group_id=group_id, questions=questions)
        assert code_got == code
    assert await store.count("groupJoinQuestion", {"gid": {"$in": [gid, closed]}}) == 0
    assert (
        await code_of(answerer, "create_group_members_request", group_id=gid, user_ids=[answerer.id])
        == Code.USER_JOIN_GROUP_WITHOUT_ANSWERING_GROUP_QUESTION
    )
    data = await ok(
        owner,
        "create_group_join_questions_request",
        group_id=gid,
        questions=[question("1+1?", ["2", "two"], 3), question("2+2?", ["4"], 3)],
    )
    q1, q2 = data.longs_with_version.longs
    docs = {d["_id"]: d for d in await store.find("groupJoinQuestion", {"gid": gid})}
    assert {k: (d["q"], d["ans"], d["score"]) for k, d in docs.items()} == {
        q1: ("1+1?", ["2", "two"], 3),
        q2: ("2+2?", ["4"], 3),
    }
    await cast.pushes()

    # UpdateGroupJoinQuestionRequest: owners and managers; nobody is told.
    assert (
        await code_of(member, "update_group_join_question_request", question_id=q2, score=1)
        == Code.NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_QUESTION
    )
    await ok(manager, "update_group_join_question_request", question_id=q2, answers=["4", "four"], score=2)
    doc = await store.find_one("groupJoinQuestion", {"_id": q2})
    assert doc is not None and (doc["q"], doc["ans"], doc["score"]) == ("2+2?", ["4", "four"], 2)
    await cast.pushes()

    # QueryGroupJoinQuestionsRequest: anyone, answers for owners and managers only; 1002 when unchanged.
    code, data = await call(answerer, "query_group_join_questions_request", group_id=gid)
    public = data.group_join_questions_with_version
    assert code == OK
    assert sorted((q.id, q.question, q.score, list(q.answers)) for q in public.group_join_questions) == [
        (q1, "1+1?", 3, []),
        (q2, "2+2?", 2, []),
    ]
    assert public.last_updated_date == ms((await store.find_one("groupVersion", {"_id": gid}))["jq"])
    code, _ = await call(
        answerer, "query_group_join_questions_request", group_id=gid, last_updated_date=public.last_updated_date
    )
    assert code == UP_TO_DATE
    assert (
        await code_of(answerer, "query_group_join_questions_request", group_id=gid, with_answers=True)
        == Code.NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_QUESTION_ANSWER
    )
    code, data = await call(manager, "query_group_join_questions_request", group_id=gid, with_answers=True)
    assert sorted((q.id, list(q.answers)) for q in data.group_join_questions_with_version.group_join_questions) == [
        (q1, ["2", "two"]),
        (q2, ["4", "four"]),
    ]
    assert await code_of(owner, "query_group_join_questions_request", group_id=closed) == NO_CONTENT

    # CheckGroupJoinQuestionsAnswersRequest: the score of the correct answers; at the group's minimum (5)
    # the user joins, and every member and the user's other sessions are told.
    for who, answers, code in (
        (blocked, {q1: "2", q2: "4"}, Code.GROUP_QUESTION_ANSWERER_HAS_BEEN_BLOCKED),
        (member, {q1: "2"}, Code.GROUP_MEMBER_ANSWER_GROUP_QUESTION),
        (answerer, {q1: "2", 424242: "x"}, Code.ILLEGAL_ARGUMENT),
    ):
        assert await code_of(who, "check_group_join_questions_answers_request", question_id_to_answer=answers) == code
    code, data = await call(
        answerer, "check_group_join_questions_answers_request", question_id_to_answer={q1: "two", q2: "5"}
    )
    result = data.group_join_question_answer_result
    assert (code, result.score, list(result.question_ids), result.joined) == (OK, 3, [q1], False)
    assert set(await member_roles(store, gid)) == {owner.id, manager.id, member.id}
    await cast.pushes()
    code, data = await call(
        answerer, "check_group_join_questions_answers_request", question_id_to_answer={q1: "2", q2: "four"}
    )
    result = data.group_join_question_answer_result
    assert (code, result.score, sorted(result.question_ids), result.joined) == (OK, 5, sorted([q1, q2]), True)
    assert (await member_roles(store, gid))[answerer.id] == MEMBER
    await cast.pushes(owner=[JOINED], owner_phone=[JOINED], manager=[JOINED], member=[JOINED], answerer_phone=[JOINED])
    joined_push(member, gid, answerer.id)
    assert (
        await code_of(answerer, "check_group_join_questions_answers_request", question_id_to_answer={q1: "2"})
        == Code.GROUP_MEMBER_ANSWER_GROUP_QUESTION
    )

    # DeleteGroupJoinQuestionsRequest: owners and managers; nobody is told.
    assert (
        await code_of(member, "delete_group_join_questions_request", group_id=gid, question_ids=[q1])
        == Code.NOT_GROUP_OWNER_OR_MANAGER_TO_DELETE_GROUP_QUESTION
    )
    await ok(owner, "delete_group_join_questions_request", group_id=gid, question_ids=[q1])
    assert [d["_id"] for d in await store.find("groupJoinQuestion", {"gid": gid})] == [q2]
    await cast.pushes()
    code, data = await call(answerer, "query_group_join_questions_request", group_id=gid)
    assert (code, [q.id for q in data.group_join_questions_with_version.group_join_questions]) == (OK, [q2])
