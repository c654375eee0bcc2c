"""Content resources over the domain collections, declared with :mod:`turms.admin.crud`.

Paths follow Turms's admin API. The domain services own the behaviour of these records; these routes give an
operator direct access to them (query, repair, remove). Messages can be queried, edited and deleted here;
sending them (``POST /messages``) and recalling them (``POST /messages/recalls``) go through the message service
(:mod:`turms.admin.messages`, :mod:`turms.admin.message_ops`), and so do reading and removing their reactions
(``/messages/reactions``, :mod:`turms.admin.reactions`); dissolving groups (``DELETE /groups``) goes through the
group service (:mod:`turms.admin.groups`). Setting read
dates in group conversations (``PUT /conversations/group``) is in :mod:`turms.admin.conversations`.
"""

from __future__ import annotations

from typing import TypedDict

from turms.admin import content_rules as rules
from turms.admin import conversations, groups, message_ops, messages, reactions
from turms.admin.context import AdminDeps
from turms.admin.crud import Field, Filter, Resource, crud_routes
from turms.admin.permissions import AdminPermission as P
from turms.admin.routes import Route

F = Field


class _Perms(TypedDict):
    create: P
    query: P
    update: P
    delete: P


def _perms(prefix: str) -> _Perms:
    return _Perms(
        create=P[f"{prefix}_CREATE"],
        query=P[f"{prefix}_QUERY"],
        update=P[f"{prefix}_UPDATE"],
        delete=P[f"{prefix}_DELETE"],
    )


RESOURCES: tuple[Resource, ...] = (
    Resource(
        "/users/roles",
        "userRole",
        "users",
        (
            F("id", "_id", "int", key=True),
            F("name", "n", "str"),
            F("creatableGroupTypeIds", "cgtid", "array"),
            F("ownedGroupLimit", "ogl", "int"),
            F("ownedGroupLimitForEachGroupType", "oglegt", "int"),
            F("groupTypeIdToLimit", "gtl", "map"),
        ),
        (Filter("ids", "_id"),),
        **_perms("USER_PERMISSION_GROUP"),
    ),
    Resource(
        "/users/relationships",
        "userRelationship",
        "relationships",
        (
            F("ownerId", "_id.oid", "int", key=True),
            F("relatedUserId", "_id.rid", "int", key=True),
            F("name", "n", "str"),
            F("blockDate", "bd", "date"),
            F("establishmentDate", "ed", "date"),
        ),
        (Filter("ownerIds", "_id.oid"), Filter("relatedUserIds", "_id.rid")),
        **_perms("USER_RELATIONSHIP"),
        created_at="ed",
        rules=rules.relationship_rules,
    ),
    Resource(
        "/users/relationships/groups",
        "userRelationshipGroup",
        "relationships",
        (
            F("ownerId", "_id.oid", "int", key=True),
            F("index", "_id.gidx", "int", key=True),
            F("name", "n", "str"),
            F("creationDate", "cd", "date", writable=False),
        ),
        (Filter("ownerIds", "_id.oid"), Filter("indexes", "_id.gidx")),
        **_perms("USER_RELATIONSHIP_GROUP"),
        created_at="cd",
    ),
    Resource(
        "/users/relationships/friend-requests",
        "userFriendRequest",
        "relationships",
        (
            F("id", "_id", "int", writable=False),
            F("requesterId", "rrid", "int", key=True),
            F("recipientId", "rtid", "int", key=True),
            F("content", "cnt", "str"),
            F("status", "stat", "int", values=rules.REQUEST_STATUS),
            F("reason", "rsn", "str"),
            F("creationDate", "cd", "date", writable=False),
            F("responseDate", "adr", "date"),
        ),
        (Filter("ids", "_id"), Filter("requesterIds", "rrid"), Filter("recipientIds", "rtid")),
        **_perms("USER_FRIEND_REQUEST"),
        generated_id=True,
        created_at="cd",
    ),
    Resource(
        "/groups",
        "group",
        "groups",
        (
            F("id", "_id", "int", writable=False),
            F("typeId", "tid", "int", values=rules.NON_NEGATIVE),
            F("creatorId", "cid", "int", values=rules.POSITIVE),
            F("ownerId", "oid", "int", updatable=False, values=rules.POSITIVE),
            F("name", "n", "str"),
            F("intro", "intro", "str"),
            F("announcement", "annt", "str"),
            F("minimumScore", "ms", "int", values=rules.NON_NEGATIVE),
            F("creationDate", "cd", "date", writable=False),
            F("deletionDate", "dd", "date"),
            F("lastUpdatedDate", "lud", "date", writable=False),
            F("muteEndDate", "med", "date"),
            F("isActive", "ac", "bool"),
            F("userDefinedAttributes", "uda", "map", values=rules.ATTRIBUTES),
        ),
        (Filter("ids", "_id"), Filter("typeIds", "tid"), Filter("creatorIds", "cid"), Filter("ownerIds", "oid")),
        create=P.GROUP_CREATE,
        query=P.GROUP_QUERY,
        update=P.GROUP_UPDATE,
        # DELETE /groups dissolves through the group service: turms.admin.groups.
        generated_id=True,
        created_at="cd",
        rules=rules.group_rules,
        create_example={"ownerId": 1, "name": "group of user 1"},
    ),
    Resource(
        "/groups/types",
        "groupType",
        "groups",
        (
            F("id", "_id", "int", writable=False),
            F("name", "n", "str"),
            F("groupSizeLimit", "gsl", "int", values=rules.POSITIVE),
            F("invitationStrategy", "is", "int", values=rules.INVITATION_STRATEGY),
            F("joinStrategy", "js", "int", values=rules.JOIN_STRATEGY),
            F("groupInfoUpdateStrategy", "gius", "int", values=rules.UPDATE_STRATEGY),
            F("memberInfoUpdateStrategy", "mius", "int", values=rules.UPDATE_STRATEGY),
            F("guestSpeakable", "gs", "bool"),
            F("selfInfoUpdatable", "siu", "bool"),
            F("enableReadReceipt", "err", "bool"),
            F("messageEditable", "me", "bool"),
        ),
        (Filter("ids", "_id"),),
        **_perms("GROUP_TYPE"),
        generated_id=True,
    ),
    Resource(
        "/groups/members",
        "groupMember",
        "groups",
        (
            F("groupId", "_id.gid", "int", key=True),
            F("userId", "_id.uid", "int", key=True),
            F("name", "n", "str"),
            F("role", "role", "int", values=rules.ROLE, writes=rules.WRITABLE_ROLE),
            F("joinDate", "jd", "date", writable=False),
            F("muteEndDate", "med", "date"),
        ),
        (Filter("groupIds", "_id.gid"), Filter("userIds", "_id.uid")),
        **_perms("GROUP_MEMBER"),
        created_at="jd",
        rules=rules.member_rules,
        create_example={"groupId": 1, "userId": 3, "role": 2},
    ),
    Resource(
        "/groups/blocked-users",
        "groupBlockedUser",
        "groups",
        (
            F("groupId", "_id.gid", "int", key=True),
            F("userId", "_id.uid", "int", key=True),
            F("blockDate", "bd", "date", writable=False),
            F("requesterId", "rid", "int"),
        ),
        (Filter("groupIds", "_id.gid"), Filter("userIds", "_id.uid")),
        **_perms("GROUP_BLOCKLIST"),
        created_at="bd",
        rules=rules.blocked_user_rules,
        create_example={"groupId": 1, "userId": 4},
    ),
    Resource(
        "/groups/invitations",
        "groupInvitation",
        "groups",
        (
            F("id", "_id", "int", writable=False),
            F("groupId", "gid", "int", key=True),
            F("inviterId", "irid", "int", key=True),
            F("inviteeId", "ieid", "int", key=True),
            F("content", "cnt", "str"),
            F("status", "stat", "int", values=rules.REQUEST_STATUS),
            F("creationDate", "cd", "date", writable=False),
            F("responseDate", "rd", "date"),
            F("reason", "rsn", "str"),
        ),
        (Filter("ids", "_id"), Filter("groupIds", "gid"), Filter("inviterIds", "irid"), Filter("inviteeIds", "ieid")),
        **_perms("GROUP_INVITATION"),
        generated_id=True,
        created_at="cd",
    ),
    Resource(
        "/groups/join-requests",
        "groupJoinRequest",
        "groups",
        (
            F("id", "_id", "int", writable=False),
            F("groupId", "gid", "int", key=True),
            F("requesterId", "rqid", "int", key=True),
            F("responderId", "rpid", "int"),
            F("content", "cnt", "str"),
            F("status", "stat", "int", values=rules.REQUEST_STATUS),
            F("creationDate", "cd", "date", writable=False),
            F("responseDate", "rd", "date"),
            F("reason", "rsn", "str"),
        ),
        (Filter("ids", "_id"), Filter("groupIds", "gid"), Filter("requesterIds", "rqid")),
        **_perms("GROUP_JOIN_REQUEST"),
        generated_id=True,
        created_at="cd",
    ),
    Resource(
        "/groups/questions",
        "groupJoinQuestion",
        "groups",
        (
            F("id", "_id", "int", writable=False),
            F("groupId", "gid", "int", key=True),
            F("question", "q", "str"),
            F("answers", "ans", "array"),
            F("score", "score", "int", values=rules.NON_NEGATIVE),
        ),
        (Filter("ids", "_id"), Filter("groupIds", "gid")),
        **_perms("GROUP_QUESTION"),
        generated_id=True,
    ),
    Resource(
        "/conversations/private",
        "privateConversation",
        "conversations",
        (
            F("ownerId", "_id.oid", "int", key=True),
            F("targetId", "_id.tid", "int", key=True),
            F("readDate", "rd", "date"),
        ),
        (Filter("ownerIds", "_id.oid"), Filter("targetIds", "_id.tid")),
        query=P.CONVERSATION_QUERY,
        update=P.CONVERSATION_UPDATE,
        delete=P.CONVERSATION_DELETE,
    ),
    Resource(
        "/conversations/group",
        "groupConversation",
        "conversations",
        (F("groupId", "_id", "int", key=True), F("memberIdToReadDate", "mr", "map", writable=False)),
        (Filter("groupIds", "_id"),),
        query=P.CONVERSATION_QUERY,
        delete=P.CONVERSATION_DELETE,
    ),
    Resource(
        "/messages",
        "message",
        "messages",
        (
            F("id", "_id", "int", writable=False),
            F("conversationId", "cid", "bytes", writable=False),
            F("isGroupMessage", "gm", "bool", writable=False),
            F("isSystemMessage", "sm", "bool", writable=False),
            F("deliveryDate", "dyd", "date", writable=False),
            F("modificationDate", "md", "date"),
            F("deletionDate", "dd", "date"),
            F("recallDate", "rd", "date"),
            F("text", "txt", "str"),
            F("senderId", "sid", "int", writable=False),
            F("targetId", "tid", "int", writable=False),
            F("burnAfter", "bf", "int"),
            F("referenceId", "rid", "int", writable=False),
            F("sequenceId", "sqid", "int", writable=False),
            F("preMessageId", "pmid", "int", writable=False),
        ),
        (
            Filter("ids", "_id"),
            Filter("senderIds", "sid"),
            Filter("targetIds", "tid"),
            Filter("areGroupMessages", "gm", "bool"),
        ),
        query=P.MESSAGE_QUERY,
        update=P.MESSAGE_UPDATE,
        delete=P.MESSAGE_DELETE,
    ),
)


def routes(deps: AdminDeps) -> list[Route]:
    crud = [route for resource in RESOURCES for route in crud_routes(deps, resource)]
    return [
        *crud,
        rules.transfer_route(deps),
        *groups.routes(deps),
        *messages.routes(deps),
        *message_ops.routes(deps),
        *reactions.routes(deps),
        *conversations.routes(deps),
    ]
