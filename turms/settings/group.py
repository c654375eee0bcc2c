"""Settings of the group domain: lifecycle, enrollment (invitations, join requests, questions), fan-out,
and which audiences are notified of each group event (Turms's ``service.notification.group-*`` defaults).
"""

from __future__ import annotations

from turms.settings.registry import Setting, at_least, between, setting

_THIRTY_DAYS_S = 30 * 24 * 3600

ACTIVATE_GROUP_WHEN_CREATED = setting(
    "service.group.activate_group_when_created",
    bool,
    True,
    "Whether a group created by a client is active (accepts members and messages) from the start.",
    live=True,
)
ALLOW_OWNER_CHANGE_GROUP_TYPE = setting(
    "service.group.allow_owner_change_group_type",
    bool,
    False,
    "Let a group's owner change its type with UpdateGroupRequest.type_id; otherwise such a request is "
    "answered UPDATING_GROUP_TYPE_IS_DISABLED (3102).",
    live=True,
)
DELETE_GROUP_LOGICALLY = setting(
    "service.group.delete_group_logically_by_default",
    bool,
    True,
    "Delete groups by setting their deletion date (their members are removed either way) instead of "
    "removing the group document.",
    live=True,
)
BROADCAST_MEMBER_THRESHOLD = setting(
    "service.group.broadcast_member_threshold",
    int,
    100,
    "A group notification to more recipients than this is sent as one broadcast to every worker instead of "
    "looking up each recipient's sessions in the registry. 0 means always broadcast. See "
    "`service.message.broadcast_member_threshold` for the trade-off.",
    validator=at_least(0),
    live=True,
)
MEMBER_IDS_CACHE_TTL_S = setting(
    "service.group.member_ids_cache_ttl_s",
    float,
    60.0,
    "How long a worker keeps a group's member ids for pushing group messages and read receipts. Changes made "
    "through the server drop the entry on every worker at once (an announcement that fails is retried for this "
    "long; a worker that lost its Redis subscription drops every entry), so this bounds only changes made "
    "around the server (direct store writes). A group messaged less often than this reads its members from "
    "the store for every message (docs/benchmarks.md, ninth pass). A new member who misses a push meanwhile "
    "pulls the message at its next sync. 0 reads the members from the store for every message.",
    validator=between(0.0, 3600.0),
    live=True,
)
MEMBER_IDS_CACHE_MAX_GROUPS = setting(
    "service.group.member_ids_cache_max_groups",
    int,
    100_000,
    "Most groups whose member ids a worker caches; the least recently loaded are dropped first.",
    validator=at_least(1),
    live=True,
)
MEMBER_IDS_CACHE_MAX_IDS = setting(
    "service.group.member_ids_cache_max_ids",
    int,
    2_000_000,
    "Most member ids a worker caches over all groups, about 44 bytes each (2,000,000: about 90 MB); the least "
    "recently loaded groups are dropped first, and a group with more members than this is never cached.",
    validator=at_least(1),
    live=True,
)
MAX_NAME_LENGTH = setting(
    "service.group.info.max_name_length",
    int,
    100,
    "Longest group name accepted, in characters.",
    validator=between(1, 10_000),
    live=True,
)
MAX_INTRO_LENGTH = setting(
    "service.group.info.max_intro_length",
    int,
    1000,
    "Longest group intro accepted, in characters.",
    validator=between(1, 100_000),
    live=True,
)
MAX_ANNOUNCEMENT_LENGTH = setting(
    "service.group.info.max_announcement_length",
    int,
    2000,
    "Longest group announcement accepted, in characters.",
    validator=between(1, 100_000),
    live=True,
)
MAX_MEMBER_NAME_LENGTH = setting(
    "service.group.member.max_name_length",
    int,
    100,
    "Longest group member name (nickname in the group) accepted, in characters.",
    validator=between(1, 10_000),
    live=True,
)
MAX_MEMBERS_PER_REQUEST = setting(
    "service.group.member.max_users_per_request",
    int,
    1000,
    "Most user ids one CreateGroupMembersRequest or DeleteGroupMembersRequest may name "
    "(more is answered ILLEGAL_ARGUMENT).",
    validator=between(1, 100_000),
    live=True,
)

# Invitations ---------------------------------------------------------------------------------------------

INVITATION_MAX_CONTENT_LENGTH = setting(
    "service.group.invitation.max_content_length",
    int,
    200,
    "Longest invitation text accepted, in characters.",
    validator=between(0, 100_000),
    live=True,
)
INVITATION_MAX_REASON_LENGTH = setting(
    "service.group.invitation.max_response_reason_length",
    int,
    200,
    "Longest reason accepted when replying to an invitation, in characters.",
    validator=between(0, 100_000),
    live=True,
)
INVITATION_EXPIRE_AFTER_S = setting(
    "service.group.invitation.expire_after_s",
    int,
    _THIRTY_DAYS_S,
    "A pending invitation expires this long after it was sent: it is then shown as EXPIRED and can no "
    "longer be accepted or recalled.",
    validator=at_least(1),
    live=True,
)
INVITATION_RECALL_BY_OWNER_AND_MANAGER = setting(
    "service.group.invitation.allow_recall_by_owner_and_manager",
    bool,
    False,
    "Let the group's owner and managers recall pending invitations. With this and the sender setting both "
    "off, recalls are answered RECALLING_GROUP_INVITATION_IS_DISABLED (3706), as in Turms.",
    live=True,
)
INVITATION_RECALL_BY_SENDER = setting(
    "service.group.invitation.allow_recall_by_sender",
    bool,
    False,
    "Let the inviter recall a pending invitation it sent.",
    live=True,
)

# Join requests -------------------------------------------------------------------------------------------

JOIN_REQUEST_MAX_CONTENT_LENGTH = setting(
    "service.group.join_request.max_content_length",
    int,
    200,
    "Longest join request text accepted, in characters.",
    validator=between(0, 100_000),
    live=True,
)
JOIN_REQUEST_MAX_REASON_LENGTH = setting(
    "service.group.join_request.max_response_reason_length",
    int,
    200,
    "Longest reason accepted when replying to a join request, in characters.",
    validator=between(0, 100_000),
    live=True,
)
JOIN_REQUEST_EXPIRE_AFTER_S = setting(
    "service.group.join_request.expire_after_s",
    int,
    _THIRTY_DAYS_S,
    "A pending join request expires this long after it was sent.",
    validator=at_least(1),
    live=True,
)
JOIN_REQUEST_RECALL_BY_SENDER = setting(
    "service.group.join_request.allow_recall_by_sender",
    bool,
    False,
    "Let a user recall a pending join request it sent; otherwise recalls are answered "
    "RECALLING_GROUP_JOIN_REQUEST_IS_DISABLED (3609), as in Turms.",
    live=True,
)

# Join questions ------------------------------------------------------------------------------------------

QUESTION_MAX_LENGTH = setting(
    "service.group.question.max_question_length",
    int,
    200,
    "Longest join question accepted, in characters.",
    validator=between(1, 100_000),
    live=True,
)
QUESTION_MAX_ANSWER_LENGTH = setting(
    "service.group.question.max_answer_length",
    int,
    50,
    "Longest accepted answer of a join question (and longest answer a user may submit), in characters.",
    validator=between(1, 100_000),
    live=True,
)
QUESTION_MAX_ANSWER_COUNT = setting(
    "service.group.question.max_answer_count",
    int,
    10,
    "Most accepted answers one join question may have.",
    validator=between(1, 1000),
    live=True,
)

# Notification audiences ----------------------------------------------------------------------------------
#
# One setting per (event, audience), named and defaulted as Turms's NotificationGroup*Properties.

_AUDIENCES: dict[str, dict[str, bool]] = {
    "group_created": {"notify_requester_other_online_sessions": True},
    "group_deleted": {"notify_requester_other_online_sessions": True, "notify_group_members": True},
    "group_updated": {"notify_requester_other_online_sessions": True, "notify_group_members": True},
    "group_member_added": {
        "notify_requester_other_online_sessions": True,
        "notify_added_group_member": True,
        "notify_other_group_members": True,
    },
    "group_member_removed": {
        "notify_requester_other_online_sessions": True,
        "notify_removed_group_member": True,
        "notify_other_group_members": True,
    },
    "group_member_info_updated": {
        "notify_requester_other_online_sessions": True,
        "notify_updated_group_member": False,
        "notify_other_group_members": False,
    },
    "group_blocked_user_added": {
        "notify_requester_other_online_sessions": True,
        "notify_blocked_user": False,
        "notify_group_members": False,
    },
    "group_blocked_user_removed": {
        "notify_requester_other_online_sessions": True,
        "notify_unblocked_user": False,
        "notify_group_members": False,
    },
    "group_invitation_added": {
        "notify_requester_other_online_sessions": True,
        "notify_invitee": True,
        "notify_group_owner_and_managers": True,
        "notify_group_members": False,
    },
    "group_invitation_recalled": {
        "notify_requester_other_online_sessions": True,
        "notify_invitee": True,
        "notify_group_owner_and_managers": True,
        "notify_group_members": False,
    },
    "group_invitation_replied": {
        "notify_requester_other_online_sessions": True,
        "notify_group_invitation_inviter": True,
        "notify_group_owner_and_managers": True,
        "notify_group_members": False,
    },
    "group_join_request_created": {
        "notify_requester_other_online_sessions": True,
        "notify_group_owner_and_managers": True,
        "notify_group_members": False,
    },
    "group_join_request_recalled": {
        "notify_requester_other_online_sessions": True,
        "notify_group_owner_and_managers": True,
        "notify_group_members": False,
    },
    "group_join_request_replied": {
        "notify_requester_other_online_sessions": True,
        "notify_group_join_request_sender": True,
        "notify_group_owner_and_managers": True,
        "notify_group_members": False,
    },
}


def _describe(event: str, audience: str) -> str:
    who = audience.removeprefix("notify_").replace("_", " ")
    return f"On {event.replace('_', ' ')}: notify the {who}."


#: ``NOTIFY[event][audience]`` is the live boolean setting ``service.notification.<event>.<audience>``.
NOTIFY: dict[str, dict[str, Setting[bool]]] = {
    event: {
        audience: setting(
            f"service.notification.{event}.{audience}", bool, default, _describe(event, audience), live=True
        )
        for audience, default in audiences.items()
    }
    for event, audiences in _AUDIENCES.items()
}
