"""Who may do what in a group: pure decisions from roles and the group type's strategies.

Each function returns the Turms status code of the decision (``OK`` when allowed), so handlers and the
table-driven tests share one source of truth. No I/O here.
"""

from __future__ import annotations

from turms.protocol.status import ResponseStatusCode as Code
from turms.service.group.model import InvitationStrategy, JoinStrategy, Role, UpdateStrategy


def has_role(role: Role | None, lowest: Role | None) -> bool:
    """Whether ``role`` is ``lowest`` or higher (None ``lowest``: anyone, members or not)."""
    if lowest is None:
        return True
    return role is not None and role <= lowest


def is_owner_or_manager(role: Role | None) -> bool:
    return role is not None and role <= Role.MANAGER


def is_guest(role: Role | None) -> bool:
    """Guests are non-members and members with a guest role."""
    return role is None or role >= Role.GUEST


def invitation_code(inviter_role: Role | None, strategy: InvitationStrategy) -> Code:
    """May a user with ``inviter_role`` send an invitation (``CreateGroupInvitationRequest``)?

    As in Turms, the inviter must be a member whatever the strategy; the strategy must require approval
    (else users are added directly and an invitation makes no sense: 3702).
    """
    if inviter_role is None:
        return Code.NOT_GROUP_MEMBER_TO_SEND_GROUP_INVITATION
    lowest = strategy.lowest_role
    if not has_role(inviter_role, lowest):
        if lowest is Role.OWNER:
            return Code.NOT_GROUP_OWNER_TO_SEND_GROUP_INVITATION
        if lowest is Role.MANAGER:
            return Code.NOT_GROUP_OWNER_OR_MANAGER_TO_SEND_GROUP_INVITATION
        return Code.NOT_GROUP_MEMBER_TO_SEND_GROUP_INVITATION
    if not strategy.requires_approval:
        return Code.SEND_GROUP_INVITATION_TO_GROUP_NOT_REQUIRING_USERS_APPROVAL
    return Code.OK


def add_members_code(requester_role: Role | None, strategy: InvitationStrategy, new_role: Role) -> Code:
    """May ``requester_role`` add other users directly (``CreateGroupMembersRequest``)?"""
    if strategy.requires_approval:
        return Code.ADD_USER_TO_GROUP_REQUIRING_USERS_APPROVAL
    if new_role is Role.MANAGER and requester_role is not Role.OWNER:
        return Code.NOT_GROUP_OWNER_TO_ADD_GROUP_MANAGER
    lowest = strategy.lowest_role
    if has_role(requester_role, lowest):
        return Code.OK
    if lowest is Role.OWNER:
        return Code.NOT_GROUP_OWNER_TO_ADD_GROUP_MEMBER
    if lowest is Role.MANAGER:
        return Code.NOT_GROUP_OWNER_OR_MANAGER_TO_ADD_GROUP_MEMBER
    return Code.NOT_GROUP_MEMBER_TO_ADD_GROUP_MEMBER


def self_join_code(strategy: JoinStrategy) -> Code:
    """May a user add itself (``CreateGroupMembersRequest`` naming only the requester)?"""
    return {
        JoinStrategy.MEMBERSHIP_REQUEST: Code.OK,
        JoinStrategy.INVITATION: Code.USER_JOIN_GROUP_WITHOUT_ACCEPTING_GROUP_INVITATION,
        JoinStrategy.QUESTION: Code.USER_JOIN_GROUP_WITHOUT_ANSWERING_GROUP_QUESTION,
        JoinStrategy.JOIN_REQUEST: Code.USER_JOIN_GROUP_WITHOUT_SENDING_GROUP_JOIN_REQUEST,
    }[strategy]


def join_request_code(strategy: JoinStrategy) -> Code:
    """May a user send a join request (``CreateGroupJoinRequestRequest``) to a group of this strategy?"""
    return {
        JoinStrategy.MEMBERSHIP_REQUEST: Code.SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_MEMBERSHIP_REQUEST,
        JoinStrategy.INVITATION: Code.SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_INVITATION,
        JoinStrategy.QUESTION: Code.SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_QUESTION,
        JoinStrategy.JOIN_REQUEST: Code.OK,
    }[strategy]


def create_question_code(strategy: JoinStrategy) -> Code:
    """May join questions be added to a group of this strategy?"""
    return {
        JoinStrategy.MEMBERSHIP_REQUEST: Code.CREATE_GROUP_QUESTION_FOR_GROUP_USING_MEMBERSHIP_REQUEST,
        JoinStrategy.INVITATION: Code.CREATE_GROUP_QUESTION_FOR_GROUP_USING_INVITATION,
        JoinStrategy.QUESTION: Code.OK,
        JoinStrategy.JOIN_REQUEST: Code.CREATE_GROUP_QUESTION_FOR_GROUP_USING_JOIN_REQUEST,
    }[strategy]


def update_group_info_code(role: Role | None, strategy: UpdateStrategy) -> Code:
    lowest = strategy.lowest_role
    if has_role(role, lowest):
        return Code.OK
    if lowest is Role.OWNER:
        return Code.NOT_GROUP_OWNER_TO_UPDATE_GROUP_INFO
    if lowest is Role.MANAGER:
        return Code.NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_INFO
    return Code.NOT_GROUP_MEMBER_TO_UPDATE_GROUP_INFO


def update_member_info_code(role: Role | None, strategy: UpdateStrategy) -> Code:
    lowest = strategy.lowest_role
    if has_role(role, lowest):
        return Code.OK
    if lowest is Role.OWNER:
        return Code.NOT_GROUP_OWNER_TO_UPDATE_GROUP_MEMBER_INFO
    if lowest is Role.MANAGER:
        return Code.NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_MEMBER_INFO
    return Code.NOT_GROUP_MEMBER_TO_UPDATE_GROUP_MEMBER_INFO


def mute_member_code(requester_role: Role | None, target_role: Role | None) -> Code:
    """Muting needs a strictly higher role than the target's (Turms compares the role numbers)."""
    if requester_role is None:
        return Code.NOT_GROUP_OWNER_OR_MANAGER_TO_MUTE_GROUP_MEMBER
    if target_role is None:
        return Code.MUTE_NONEXISTENT_GROUP_MEMBER
    if requester_role >= target_role:
        return Code.MUTE_GROUP_MEMBER_WITH_ROLE_EQUAL_TO_OR_HIGHER_THAN_REQUESTER
    return Code.OK


def remove_member_code(requester_role: Role | None, target_role: Role) -> Code:
    """Removing others: owners and managers only, and only members of a lower role."""
    if not is_owner_or_manager(requester_role):
        return Code.NOT_GROUP_OWNER_OR_MANAGER_TO_REMOVE_GROUP_MEMBER
    assert requester_role is not None
    if target_role <= requester_role:
        return Code.NOT_GROUP_OWNER_TO_REMOVE_GROUP_OWNER_OR_MANAGER
    return Code.OK
