"""The group domain's vocabulary: collection names, Turms's enums (stored as their ordinals), group types.

Stored shapes (Turms's short field names, declared in ``turms.storage.schema``), which other domains read
directly — the messaging domain checks these before accepting a group message:

* ``group``: ``_id`` group id, ``tid`` type id, ``cid`` creator, ``oid`` owner, ``n`` name, ``intro``,
  ``annt`` announcement, ``ms`` minimum score, ``cd``/``lud`` creation/last-update dates, ``dd`` deletion
  date (set = deleted), ``med`` mute end date (in the future = the whole group is muted), ``ac`` active,
  ``uda`` user-defined attributes.
* ``groupMember``: ``_id`` = ``{gid, uid}``, ``n`` name in the group, ``role`` (:class:`Role` ordinal),
  ``jd`` join date, ``med`` mute end date (in the future = the member is muted).
* ``groupType``: ``_id``, ``n`` name, ``gsl`` size limit, ``is`` :class:`InvitationStrategy`, ``js``
  :class:`JoinStrategy`, ``gius``/``mius`` group-info / member-info :class:`UpdateStrategy`, ``gs`` guest
  speakable, ``siu`` self info updatable, ``err`` read receipts enabled, ``me`` messages editable.
* ``groupBlockedUser``: ``_id`` = ``{gid, uid}``, ``bd`` block date, ``rid`` who blocked.
* ``groupVersion``: ``_id`` group id; last change of ``mbr`` members, ``bl`` blocklist, ``jr`` join
  requests, ``jq`` join questions, ``invt`` invitations.
* ``userVersion`` (shared with the user domain): this domain writes ``jg`` joined groups, ``sgi``/``rgi``
  sent/received group invitations, ``gjr`` sent join requests.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GROUP = "group"
GROUP_TYPE = "groupType"
GROUP_MEMBER = "groupMember"
GROUP_VERSION = "groupVersion"
GROUP_BLOCKED_USER = "groupBlockedUser"
GROUP_INVITATION = "groupInvitation"
GROUP_JOIN_REQUEST = "groupJoinRequest"
GROUP_JOIN_QUESTION = "groupJoinQuestion"
USER = "user"
USER_VERSION = "userVersion"
USER_ROLE = "userRole"

#: Turms's ``GroupConst.DEFAULT_GROUP_TYPE_ID`` and ``UserConst.DEFAULT_USER_ROLE_ID``.
DEFAULT_GROUP_TYPE_ID = 0
DEFAULT_GROUP_TYPE_NAME = "DEFAULT"
DEFAULT_USER_ROLE_ID = 0
#: Turms's "no limit" (``Integer.MAX_VALUE``) in user roles.
NO_LIMIT = 2**31 - 1


class Role(enum.IntEnum):
    """``GroupMemberRole``: a smaller number is a higher role."""

    OWNER = 0
    MANAGER = 1
    MEMBER = 2
    GUEST = 3
    ANONYMOUS_GUEST = 4


class RequestStatus(enum.IntEnum):
    PENDING = 0
    ACCEPTED = 1
    ACCEPTED_WITHOUT_CONFIRM = 2
    DECLINED = 3
    IGNORED = 4
    EXPIRED = 5
    CANCELED = 6


class ResponseAction(enum.IntEnum):
    ACCEPT = 0
    DECLINE = 1
    IGNORE = 2


class InvitationStrategy(enum.IntEnum):
    """Who may invite or add users; ``*_REQUIRING_APPROVAL`` means the invitee must accept an invitation
    (members cannot be added directly). Ordinals are Turms's declaration order."""

    ALL_REQUIRING_APPROVAL = 0
    OWNER_MANAGER_MEMBER_REQUIRING_APPROVAL = 1
    OWNER_MANAGER_REQUIRING_APPROVAL = 2
    OWNER_REQUIRING_APPROVAL = 3
    ALL = 4
    OWNER_MANAGER_MEMBER = 5
    OWNER_MANAGER = 6
    OWNER = 7

    @property
    def requires_approval(self) -> bool:
        return self.name.endswith("_REQUIRING_APPROVAL")

    @property
    def lowest_role(self) -> Role | None:
        """The lowest role allowed to invite; None when anyone may (ALL)."""
        base = self.name.removesuffix("_REQUIRING_APPROVAL")
        return {"ALL": None, "OWNER_MANAGER_MEMBER": Role.MEMBER, "OWNER_MANAGER": Role.MANAGER}.get(base, Role.OWNER)


class JoinStrategy(enum.IntEnum):
    """How a non-member joins: directly (MEMBERSHIP_REQUEST), only when invited, by answering questions,
    or by a join request that an owner or manager accepts."""

    MEMBERSHIP_REQUEST = 0
    INVITATION = 1
    QUESTION = 2
    JOIN_REQUEST = 3


class UpdateStrategy(enum.IntEnum):
    """Who may update group info (``gius``) or other members' info (``mius``)."""

    ALL = 0
    OWNER_MANAGER_MEMBER = 1
    OWNER_MANAGER = 2
    OWNER = 3

    @property
    def lowest_role(self) -> Role | None:
        return {0: None, 1: Role.MEMBER, 2: Role.MANAGER, 3: Role.OWNER}[int(self)]


@dataclass(frozen=True, slots=True)
class GroupType:
    id: int
    name: str
    size_limit: int
    invitation_strategy: InvitationStrategy
    join_strategy: JoinStrategy
    group_info_update_strategy: UpdateStrategy
    member_info_update_strategy: UpdateStrategy
    guest_speakable: bool
    self_info_updatable: bool
    enable_read_receipt: bool
    message_editable: bool

    def to_doc(self) -> dict[str, Any]:
        return {
            "_id": self.id,
            "n": self.name,
            "gsl": self.size_limit,
            "is": int(self.invitation_strategy),
            "js": int(self.join_strategy),
            "gius": int(self.group_info_update_strategy),
            "mius": int(self.member_info_update_strategy),
            "gs": self.guest_speakable,
            "siu": self.self_info_updatable,
            "err": self.enable_read_receipt,
            "me": self.message_editable,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> GroupType:
        d = DEFAULT_GROUP_TYPE
        return cls(
            id=int(doc["_id"]),
            name=str(doc.get("n", "")),
            size_limit=int(doc.get("gsl", d.size_limit)),
            invitation_strategy=InvitationStrategy(doc.get("is", d.invitation_strategy)),
            join_strategy=JoinStrategy(doc.get("js", d.join_strategy)),
            group_info_update_strategy=UpdateStrategy(doc.get("gius", d.group_info_update_strategy)),
            member_info_update_strategy=UpdateStrategy(doc.get("mius", d.member_info_update_strategy)),
            guest_speakable=bool(doc.get("gs", d.guest_speakable)),
            self_info_updatable=bool(doc.get("siu", d.self_info_updatable)),
            enable_read_receipt=bool(doc.get("err", d.enable_read_receipt)),
            message_editable=bool(doc.get("me", d.message_editable)),
        )


#: Turms's default group type: 500 members, invitations needing approval from any member, join by
#: invitation only, info and member info updated by the owner and managers.
DEFAULT_GROUP_TYPE = GroupType(
    id=DEFAULT_GROUP_TYPE_ID,
    name=DEFAULT_GROUP_TYPE_NAME,
    size_limit=500,
    invitation_strategy=InvitationStrategy.OWNER_MANAGER_MEMBER_REQUIRING_APPROVAL,
    join_strategy=JoinStrategy.INVITATION,
    group_info_update_strategy=UpdateStrategy.OWNER_MANAGER,
    member_info_update_strategy=UpdateStrategy.OWNER_MANAGER,
    guest_speakable=False,
    self_info_updatable=True,
    enable_read_receipt=True,
    message_editable=True,
)


def is_active_group(doc: dict[str, Any] | None) -> bool:
    """Whether a group document exists, is not deleted and is active."""
    return doc is not None and doc.get("dd") is None and doc.get("ac", True) is not False


def in_future(date: datetime | None, now: datetime) -> bool:
    return date is not None and date > now
