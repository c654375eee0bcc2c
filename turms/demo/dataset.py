"""The shape of the demo dataset: who is whose friend, who is in group 1, which ids and dates everything gets.

Pure data, no I/O: :mod:`turms.demo.loader` writes what :class:`Plan` describes. The shape is Turms's
development data (``MongoFakeDataGenerator`` in turms-service): the same user ranges derived from
``step = user_count // 10``, the same fixed epoch (2000-01-01T00:00:00Z) for every date, and the same small ids
handed out in the same order (guest admin 1, the ten admins 2..11, then the group invitations, the join question,
the join requests, the messages and the friend requests), so client tests written against Turms's playground
find the records they expect. Deviations are listed in docs/playground.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

#: Every date of the dataset derives from 2000-01-01T00:00:00Z, as in Turms.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
#: Turms's "muted for ever" (``new Date(9999999999999L)``, in the year 2286); timedelta keeps it exact.
FAR_FUTURE = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=9_999_999_999_999)

USER_PASSWORD = "123"
USER_NAME = "my-name"
USER_INTRO = "my-intro"
USER_PICTURE = "my-avatar-id"
#: Turms's users carry lists and nested lists too; our profiles hold scalar attributes only (the store refuses
#: arrays inside arrays), so the demo keeps Turms's scalar ones.
USER_ATTRIBUTES: dict[str, object] = {"k1": 1, "k2": "v2"}
GROUP_ATTRIBUTES: dict[str, object] = {"k1": 1, "k2": "v2", "k3": [3, "v3"]}

GUEST_LOGIN = "guest"
GUEST_PASSWORD = "guest"
ADMIN_LOGIN_PREFIX = "my-login-name:"
ADMIN_NAME = "my-display-name"
ADMIN_PASSWORD = "123"
ADMIN_COUNT = 10
ADMIN_ROLE_ID = 1
ADMIN_ROLE_NAME = "ADMIN"
GUEST_ROLE_ID = 2
GUEST_ROLE_NAME = "GUEST"

USER_ROLE_ID = 1
USER_ROLE_NAME = "my-role"

GROUP_TYPE_ID = 1
GROUP_TYPE_NAME = "test"
GROUP_ID = 1
GROUP_NAME = "Turms Developers Group"
GROUP_INTRO = "This is a group for the developers who are interested in Turms"
GROUP_ANNOUNCEMENT = "nope"
GROUP_MEMBER_NAME = "test-name"
REQUEST_CONTENT = "test-content"
FRIEND_REQUEST_CONTENT = "test-request"
QUESTION = "test-question"
QUESTION_ANSWERS = ("a", "b", "c")
QUESTION_SCORE = 20

#: Rounds of messages: each sends one private message from user 1, one reply, and one group message.
MESSAGE_ROUNDS = 100
MESSAGE_BURN_AFTER_S = 30
#: Turms alternates the sender address between IPv4 and IPv6 loopback; we store IPv4 only.
IPV4_SENDER = "127.0.0.1"
IPV6_SENDER = "::1"


def user_date(user_id: int) -> datetime:
    """Registration (and last-update) date of a user: the epoch plus ``user_id`` days."""
    return EPOCH + timedelta(days=user_id)


def message_date(round_: int) -> datetime:
    """Delivery date of the messages of round ``round_`` (1-based): the epoch plus that many hours."""
    return EPOCH + timedelta(hours=round_)


def message_text(kind: str, round_: int) -> str:
    """``<kind>-message-text`` plus 16 alphanumerics, as Turms; deterministic, so reloads are identical."""
    return f"{kind}-message-text" + hashlib.sha256(f"{kind}:{round_}".encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class DemoMessage:
    id: int
    round: int
    sender_id: int
    target_id: int
    is_group: bool
    text: str
    sender_ip: str

    @property
    def delivery_date(self) -> datetime:
        return message_date(self.round)


@dataclass(frozen=True)
class Plan:
    """Ranges and ids of the dataset for ``user_count`` users (Turms's ``step`` is ``user_count // 10``)."""

    user_count: int
    _ids: dict[str, list[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.user_count < 10:
            raise ValueError("the demo dataset needs at least 10 users (messages go to users 2..10)")
        # Turms's nextId(): one counter from 1, in this order of record kinds.
        counter = iter(range(1, 1 << 62))
        ids: dict[str, list[int]] = {}
        ids["admins"] = [next(counter) for _ in range(1 + ADMIN_COUNT)]
        ids["invitations"] = [next(counter) for _ in self.invitees]
        ids["question"] = [next(counter)]
        ids["join_requests"] = [next(counter) for _ in self.join_requesters]
        ids["messages"] = [next(counter) for _ in range(3 * MESSAGE_ROUNDS)]
        ids["friend_requests"] = [next(counter) for _ in self.friend_request_recipients]
        object.__setattr__(self, "_ids", ids)

    @property
    def step(self) -> int:
        return self.user_count // 10

    @property
    def users(self) -> range:
        return range(1, self.user_count + 1)

    @property
    def friends(self) -> range:
        """User 1's friends (both directions, in each other's relationship group 0)."""
        return range(2, self.step + 1)

    @property
    def friend_request_recipients(self) -> range:
        """Users with a PENDING friend request from user 1."""
        return range(self.step + 1, 2 * self.step + 2)

    @property
    def group_members(self) -> range:
        """Members of group 1 (user 1 is the owner)."""
        return range(1, self.step + 1)

    def is_muted_member(self, user_id: int) -> bool:
        """Members above ``step / 2`` are muted until :data:`FAR_FUTURE`."""
        return user_id > self.step // 2

    @property
    def join_requesters(self) -> range:
        return range(7 * self.step + 1, 8 * self.step + 1)

    @property
    def invitees(self) -> range:
        return range(8 * self.step + 1, 9 * self.step + 1)

    @property
    def blocked_users(self) -> range:
        return range(9 * self.step + 1, 10 * self.step + 1)

    # Ids ------------------------------------------------------------------------------------------------

    @property
    def guest_admin_id(self) -> int:
        return self._ids["admins"][0]

    @property
    def admin_ids(self) -> list[int]:
        """Ids of ``my-login-name:1`` .. ``my-login-name:10``."""
        return self._ids["admins"][1:]

    @property
    def invitation_ids(self) -> list[int]:
        return list(self._ids["invitations"])

    @property
    def question_id(self) -> int:
        return self._ids["question"][0]

    @property
    def join_request_ids(self) -> list[int]:
        return list(self._ids["join_requests"])

    @property
    def friend_request_ids(self) -> list[int]:
        return list(self._ids["friend_requests"])

    @property
    def last_id(self) -> int:
        """The highest id the dataset uses; ids the loader needs beyond the plan (tombstones) come after it."""
        return self._ids["friend_requests"][-1] if self._ids["friend_requests"] else self._ids["messages"][-1]

    @property
    def private_targets(self) -> list[int]:
        """User 1's private conversation partners (``2 + round % 9``: users 2..10)."""
        return sorted({2 + r % 9 for r in range(1, MESSAGE_ROUNDS + 1)})

    def messages(self) -> list[DemoMessage]:
        """Per round: user 1 → target, target → user 1, user 1 → group 1; in id (and sequence) order."""
        ids = iter(self._ids["messages"])
        out: list[DemoMessage] = []
        for r in range(1, MESSAGE_ROUNDS + 1):
            target = 2 + r % 9
            ip = IPV4_SENDER if r % 2 == 0 else IPV6_SENDER
            out.append(DemoMessage(next(ids), r, 1, target, False, message_text("private", 2 * r - 1), ip))
            out.append(DemoMessage(next(ids), r, target, 1, False, message_text("private", 2 * r), ip))
            out.append(DemoMessage(next(ids), r, 1, GROUP_ID, True, message_text("group", r), ip))
        return out
