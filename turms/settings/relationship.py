"""Settings of relationships: friend requests, one-sided relationships and their groups, and which audiences
are notified of each event (Turms's ``service.user.friend-request.*`` and ``service.notification.*``
defaults).
"""

from __future__ import annotations

from turms.settings.registry import Setting, at_least, between, setting

_THIRTY_DAYS_S = 30 * 24 * 3600

FRIEND_REQUEST_MAX_CONTENT_LENGTH = setting(
    "service.user.friend_request.max_content_length",
    int,
    200,
    "Longest friend-request content accepted, in characters.",
    validator=between(0, 100_000),
    live=True,
)
FRIEND_REQUEST_MAX_REASON_LENGTH = setting(
    "service.user.friend_request.max_response_reason_length",
    int,
    200,
    "Longest reason accepted when a friend request is answered, in characters.",
    validator=between(0, 100_000),
    live=True,
)
FRIEND_REQUEST_EXPIRE_AFTER_S = setting(
    "service.user.friend_request.friend_request_expire_after_s",
    int,
    _THIRTY_DAYS_S,
    "A pending friend request expires this long after its creation: it can no longer be answered or "
    "recalled and is reported with status EXPIRED.",
    validator=at_least(1),
    live=True,
)
ALLOW_RESEND_AFTER_DECLINED = setting(
    "service.user.friend_request.allow_send_request_after_declined_or_ignored_or_expired",
    bool,
    False,
    "Let a user send a new friend request to someone who declined, ignored or let expire an earlier one. "
    "When off, such a request answers CREATE_EXISTING_FRIEND_REQUEST (2600), as a pending one always does.",
    live=True,
)
ALLOW_RECALL_BY_SENDER = setting(
    "service.user.friend_request.allow_recall_pending_friend_request_by_sender",
    bool,
    False,
    "Let the sender recall a pending friend request (DeleteFriendRequestRequest); when off it answers "
    "RECALLING_FRIEND_REQUEST_IS_DISABLED (2603).",
    live=True,
)
DELETE_TWO_SIDED_RELATIONSHIPS = setting(
    "service.user.delete_two_sided_relationships",
    bool,
    False,
    "DeleteRelationshipRequest also deletes the other user's relationship with the requester, unless that "
    "user has blocked the requester.",
    live=True,
)
RELATIONSHIP_GROUP_MAX_NAME_LENGTH = setting(
    "service.user.relationship_group.max_name_length",
    int,
    100,
    "Longest relationship-group name accepted, in characters.",
    validator=between(1, 10_000),
    live=True,
)

# -- notifications (Turms's service.notification.* defaults) -------------------------------------------------

_N = "service.notification."


def _notify(event: str, audience: str, default: bool, doc: str) -> Setting[bool]:
    return setting(_N + f"{event}.{audience}", bool, default, doc, live=True)


FR_CREATED_OWN = _notify(
    "friend_request_created", "notify_requester_other_online_sessions", True, "Tell the sender's other devices."
)
FR_CREATED_RECIPIENT = _notify(
    "friend_request_created", "notify_friend_request_recipient", True, "Tell the recipient of a friend request."
)
FR_RECALLED_OWN = _notify(
    "friend_request_recalled", "notify_requester_other_online_sessions", True, "Tell the sender's other devices."
)
FR_RECALLED_RECIPIENT = _notify(
    "friend_request_recalled", "notify_friend_request_recipient", True, "Tell the recipient of a recalled request."
)
FR_REPLIED_OWN = _notify(
    "friend_request_replied", "notify_requester_other_online_sessions", True, "Tell the replier's other devices."
)
FR_REPLIED_SENDER = _notify(
    "friend_request_replied", "notify_friend_request_sender", True, "Tell the sender that their request was answered."
)
REL_UPDATED_OWN = _notify(
    "one_sided_relationship_updated",
    "notify_requester_other_online_sessions",
    True,
    "Tell the owner's other devices of UpdateRelationshipRequest.",
)
REL_UPDATED_RELATED = _notify(
    "one_sided_relationship_updated",
    "notify_related_user",
    False,
    "Tell the related user that the owner updated (e.g. blocked) the relationship.",
)
GROUP_DELETED_OWN = _notify(
    "one_sided_relationship_group_deleted",
    "notify_requester_other_online_sessions",
    True,
    "Tell the owner's other devices that a relationship group was deleted.",
)
GROUP_DELETED_MEMBERS = _notify(
    "one_sided_relationship_group_deleted",
    "notify_relationship_group_members",
    False,
    "Tell the members of a deleted relationship group.",
)
GROUP_UPDATED_OWN = _notify(
    "one_sided_relationship_group_updated",
    "notify_requester_other_online_sessions",
    True,
    "Tell the owner's other devices that a relationship group was renamed.",
)
GROUP_UPDATED_MEMBERS = _notify(
    "one_sided_relationship_group_updated",
    "notify_relationship_group_members",
    False,
    "Tell the members of a renamed relationship group.",
)
MEMBER_ADDED_OWN = _notify(
    "one_sided_relationship_group_member_added",
    "notify_requester_other_online_sessions",
    True,
    "Tell the owner's other devices that a relationship was created (CreateRelationshipRequest).",
)
MEMBER_ADDED_NEW_MEMBER = _notify(
    "one_sided_relationship_group_member_added",
    "notify_new_relationship_group_member",
    False,
    "Tell the related user of a new relationship (also on an accepted friend request).",
)
MEMBER_REMOVED_OWN = _notify(
    "one_sided_relationship_group_member_removed",
    "notify_requester_other_online_sessions",
    True,
    "Tell the owner's other devices that a relationship was deleted.",
)
MEMBER_REMOVED_MEMBER = _notify(
    "one_sided_relationship_group_member_removed",
    "notify_removed_relationship_group_member",
    False,
    "Tell the related user that the owner deleted the relationship.",
)
