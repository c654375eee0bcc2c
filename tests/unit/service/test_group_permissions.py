"""The role x strategy decisions, as tables: every invitation strategy x inviter role, every join strategy."""

from __future__ import annotations

import pytest

from turms.protocol.status import ResponseStatusCode as Code
from turms.service.group import permissions as p
from turms.service.group.model import InvitationStrategy as IS
from turms.service.group.model import JoinStrategy as JS
from turms.service.group.model import Role

ROLES: list[Role | None] = [Role.OWNER, Role.MANAGER, Role.MEMBER, Role.GUEST, None]

# Expected outcome of CreateGroupInvitationRequest per strategy, for inviters OWNER, MANAGER, MEMBER, GUEST,
# non-member. Strategies not requiring approval refuse invitations with 3702 once the role may invite.
NOT_MEMBER = Code.NOT_GROUP_MEMBER_TO_SEND_GROUP_INVITATION
NOT_OM = Code.NOT_GROUP_OWNER_OR_MANAGER_TO_SEND_GROUP_INVITATION
NOT_O = Code.NOT_GROUP_OWNER_TO_SEND_GROUP_INVITATION
DIRECT = Code.SEND_GROUP_INVITATION_TO_GROUP_NOT_REQUIRING_USERS_APPROVAL
INVITE_TABLE: dict[IS, list[Code]] = {
    IS.ALL_REQUIRING_APPROVAL: [Code.OK, Code.OK, Code.OK, Code.OK, NOT_MEMBER],
    IS.OWNER_MANAGER_MEMBER_REQUIRING_APPROVAL: [Code.OK, Code.OK, Code.OK, NOT_MEMBER, NOT_MEMBER],
    IS.OWNER_MANAGER_REQUIRING_APPROVAL: [Code.OK, Code.OK, NOT_OM, NOT_OM, NOT_MEMBER],
    IS.OWNER_REQUIRING_APPROVAL: [Code.OK, NOT_O, NOT_O, NOT_O, NOT_MEMBER],
    IS.ALL: [DIRECT, DIRECT, DIRECT, DIRECT, NOT_MEMBER],
    IS.OWNER_MANAGER_MEMBER: [DIRECT, DIRECT, DIRECT, NOT_MEMBER, NOT_MEMBER],
    IS.OWNER_MANAGER: [DIRECT, DIRECT, NOT_OM, NOT_OM, NOT_MEMBER],
    IS.OWNER: [DIRECT, NOT_O, NOT_O, NOT_O, NOT_MEMBER],
}

# Expected outcome of CreateGroupMembersRequest (adding another user as MEMBER) per strategy and role.
APPROVAL = Code.ADD_USER_TO_GROUP_REQUIRING_USERS_APPROVAL
A_NOT_MEMBER = Code.NOT_GROUP_MEMBER_TO_ADD_GROUP_MEMBER
A_NOT_OM = Code.NOT_GROUP_OWNER_OR_MANAGER_TO_ADD_GROUP_MEMBER
A_NOT_O = Code.NOT_GROUP_OWNER_TO_ADD_GROUP_MEMBER
ADD_TABLE: dict[IS, list[Code]] = {
    **{s: [APPROVAL] * 5 for s in IS if s.requires_approval},
    IS.ALL: [Code.OK] * 5,
    IS.OWNER_MANAGER_MEMBER: [Code.OK, Code.OK, Code.OK, A_NOT_MEMBER, A_NOT_MEMBER],
    IS.OWNER_MANAGER: [Code.OK, Code.OK, A_NOT_OM, A_NOT_OM, A_NOT_OM],
    IS.OWNER: [Code.OK, A_NOT_O, A_NOT_O, A_NOT_O, A_NOT_O],
}


@pytest.mark.parametrize("strategy", list(IS), ids=lambda s: s.name)
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=lambda i: str(ROLES[i].name if ROLES[i] else "NONMEMBER"))
def test_invitation_strategy_by_inviter_role(strategy: IS, role_index: int) -> None:
    assert p.invitation_code(ROLES[role_index], strategy) is INVITE_TABLE[strategy][role_index]


@pytest.mark.parametrize("strategy", list(IS), ids=lambda s: s.name)
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=lambda i: str(ROLES[i].name if ROLES[i] else "NONMEMBER"))
def test_add_member_strategy_by_requester_role(strategy: IS, role_index: int) -> None:
    assert p.add_members_code(ROLES[role_index], strategy, Role.MEMBER) is ADD_TABLE[strategy][role_index]


def test_only_the_owner_adds_managers() -> None:
    assert p.add_members_code(Role.MANAGER, IS.ALL, Role.MANAGER) is Code.NOT_GROUP_OWNER_TO_ADD_GROUP_MANAGER
    assert p.add_members_code(Role.OWNER, IS.ALL, Role.MANAGER) is Code.OK


@pytest.mark.parametrize(
    ("strategy", "join", "request_", "question"),
    [
        (
            JS.MEMBERSHIP_REQUEST,
            Code.OK,
            Code.SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_MEMBERSHIP_REQUEST,
            Code.CREATE_GROUP_QUESTION_FOR_GROUP_USING_MEMBERSHIP_REQUEST,
        ),
        (
            JS.INVITATION,
            Code.USER_JOIN_GROUP_WITHOUT_ACCEPTING_GROUP_INVITATION,
            Code.SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_INVITATION,
            Code.CREATE_GROUP_QUESTION_FOR_GROUP_USING_INVITATION,
        ),
        (
            JS.QUESTION,
            Code.USER_JOIN_GROUP_WITHOUT_ANSWERING_GROUP_QUESTION,
            Code.SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_QUESTION,
            Code.OK,
        ),
        (
            JS.JOIN_REQUEST,
            Code.USER_JOIN_GROUP_WITHOUT_SENDING_GROUP_JOIN_REQUEST,
            Code.OK,
            Code.CREATE_GROUP_QUESTION_FOR_GROUP_USING_JOIN_REQUEST,
        ),
    ],
    ids=lambda v: v.name if isinstance(v, JS) else "",
)
def test_join_strategies(strategy: JS, join: Code, request_: Code, question: Code) -> None:
    assert p.self_join_code(strategy) is join
    assert p.join_request_code(strategy) is request_
    assert p.create_question_code(strategy) is question


def test_mute_needs_a_strictly_higher_role() -> None:
    assert p.mute_member_code(Role.OWNER, Role.MANAGER) is Code.OK
    assert p.mute_member_code(Role.MANAGER, Role.MEMBER) is Code.OK
    assert (
        p.mute_member_code(Role.MANAGER, Role.MANAGER)
        is Code.MUTE_GROUP_MEMBER_WITH_ROLE_EQUAL_TO_OR_HIGHER_THAN_REQUESTER
    )
    assert (
        p.mute_member_code(Role.MEMBER, Role.OWNER)
        is Code.MUTE_GROUP_MEMBER_WITH_ROLE_EQUAL_TO_OR_HIGHER_THAN_REQUESTER
    )
    assert p.mute_member_code(None, Role.MEMBER) is Code.NOT_GROUP_OWNER_OR_MANAGER_TO_MUTE_GROUP_MEMBER
    assert p.mute_member_code(Role.OWNER, None) is Code.MUTE_NONEXISTENT_GROUP_MEMBER


def test_remove_member_rules() -> None:
    assert p.remove_member_code(Role.OWNER, Role.MANAGER) is Code.OK
    assert p.remove_member_code(Role.MANAGER, Role.MEMBER) is Code.OK
    assert p.remove_member_code(Role.MANAGER, Role.MANAGER) is Code.NOT_GROUP_OWNER_TO_REMOVE_GROUP_OWNER_OR_MANAGER
    assert p.remove_member_code(Role.MEMBER, Role.GUEST) is Code.NOT_GROUP_OWNER_OR_MANAGER_TO_REMOVE_GROUP_MEMBER
