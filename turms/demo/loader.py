"""Writing the demo dataset into a store: once, into an empty store, or after clearing it on request.

State of a store, as :func:`inspect` sees it:

* **empty**: nothing but what a server creates for itself at start (the root admin, the default group type, the
  default user role, the cluster settings document);
* **demo**: a completed demo load (the marker document ``clusterSettings/demo`` says ``complete``) — loading
  again is a no-op, so ``turms serve --demo`` can restart on its own data;
* **partial**: a load that did not finish (the marker says ``loading``);
* **foreign**: anything else — somebody's data, which a load refuses to touch unless told to clear the store.

The records go through the domain's own functions where they exist (accounts, user roles, group types,
friendships, message storage with dense per-conversation sequence ids) and are written in the schema's shapes
otherwise. Users are created concurrently so the SQLite adapter's group commit batches them; the password
``123`` is hashed once and shared (scrypt per user would take minutes).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from typing import Any

from turms.admin.permissions import ROOT_ADMIN_ID, AdminPermission
from turms.admin.rbac import ADMIN, ADMIN_ROLE
from turms.clock import Clock
from turms.demo import dataset as d
from turms.demo.dataset import Plan
from turms.security.passwords import hash_password
from turms.service import accounts
from turms.service.api import Notifier, Presence
from turms.service.context import Services
from turms.service.group import group_types
from turms.service.group.model import (
    DEFAULT_GROUP_TYPE_ID,
    GROUP,
    GROUP_BLOCKED_USER,
    GROUP_INVITATION,
    GROUP_JOIN_QUESTION,
    GROUP_JOIN_REQUEST,
    GROUP_MEMBER,
    GROUP_VERSION,
    InvitationStrategy,
    JoinStrategy,
    RequestStatus,
    Role,
    UpdateStrategy,
)
from turms.service.message.create import store_message
from turms.service.message.model import conversation_id
from turms.service.relationship import relations
from turms.service.user import users, versions
from turms.settings import Settings
from turms.settings import demo as demo_settings
from turms.storage.port import Store
from turms.storage.schema import SCHEMA

log = logging.getLogger("turms.demo")

MARKER_COLLECTION = "clusterSettings"
MARKER_ID = "demo"
#: The cluster settings document of the live settings (kept by a clear, like the root admin).
LIVE_SETTINGS_ID = "global"
#: Bumped when the dataset's shape changes, so an old playground is reported rather than taken as current.
FORMAT_VERSION = 1
FRIEND_REQUEST = "userFriendRequest"
PRIVATE_CONVERSATION = "privateConversation"
GROUP_CONVERSATION = "groupConversation"
USER_VERSION_FIELDS = ("sfr", "rfr", "r", "rg", "rgm", "gjr", "sgi", "rgi", "jg")
#: Users created per batch of concurrent ``create_user`` calls: enough to fill a group commit.
USER_BATCH = 250
#: Records a server creates for itself at start; they do not make a store "non-empty".
_BOOTSTRAP: dict[str, dict[str, Any]] = {
    ADMIN: {"_id": {"$ne": ROOT_ADMIN_ID}},
    "groupType": {"_id": {"$ne": DEFAULT_GROUP_TYPE_ID}},
    "userRole": {"_id": {"$ne": users.DEFAULT_USER_ROLE_ID}},
    MARKER_COLLECTION: {"_id": {"$nin": [LIVE_SETTINGS_ID, MARKER_ID]}},
}


class DemoRefused(Exception):
    """The store cannot take the demo dataset as it is; the message says why and what to do."""


@dataclass(frozen=True)
class StoreState:
    #: ``"empty"``, ``"demo"``, ``"partial"`` or ``"foreign"``.
    kind: str
    #: For ``demo``/``partial``: the user count of that load.
    user_count: int | None = None
    #: For ``foreign``: the collections holding data.
    collections: tuple[str, ...] = ()


@dataclass
class LoadResult:
    #: False when the store already held this demo dataset (nothing was written).
    loaded: bool
    cleared: bool = False
    user_count: int = 0
    elapsed_s: float = 0.0
    #: Documents written per collection.
    counts: dict[str, int] = field(default_factory=dict)


async def inspect(store: Store) -> StoreState:
    marker = await store.find_one(MARKER_COLLECTION, {"_id": MARKER_ID})
    if marker is not None:
        s = marker.get("s") or {}
        count = s.get("user_count")
        complete = s.get("state") == "complete" and marker.get("v") == FORMAT_VERSION
        return StoreState("demo" if complete else "partial", int(count) if isinstance(count, int) else None)
    busy = [c.name for c in SCHEMA if await store.count(c.name, _BOOTSTRAP.get(c.name, {}), limit=1)]
    return StoreState("foreign", collections=tuple(busy)) if busy else StoreState("empty")


async def clear(store: Store) -> None:
    """Delete every document, keeping the root admin and the live settings (so a running cluster stays usable)."""
    kept = [
        (ADMIN, await store.find_one(ADMIN, {"_id": ROOT_ADMIN_ID})),
        (MARKER_COLLECTION, await store.find_one(MARKER_COLLECTION, {"_id": LIVE_SETTINGS_ID})),
    ]
    await store.drop_all()
    for collection, doc in kept:
        if doc is not None:
            await store.insert_one(collection, doc)


async def load(store: Store, settings: Settings, clock: Clock, *, clear_first: bool = False) -> LoadResult:
    """Load the dataset for ``demo.user_count`` users; raise :class:`DemoRefused` when the store is not empty.

    Idempotent: a store holding this very dataset is left as it is (``loaded`` False). ``clear_first`` deletes
    everything else first (see :func:`clear`).
    """
    started = time.perf_counter()
    user_count = settings.get(demo_settings.USER_COUNT)
    state = await inspect(store)
    cleared = False
    if state.kind == "demo" and state.user_count == user_count and not clear_first:
        return LoadResult(loaded=False, user_count=user_count, elapsed_s=time.perf_counter() - started)
    if state.kind != "empty":
        if not clear_first:
            raise DemoRefused(_refusal(state, user_count))
        await clear(store)
        cleared = True
    writer = _Writer(store, settings, clock, Plan(user_count))
    counts = await writer.write_all()
    return LoadResult(True, cleared, user_count, time.perf_counter() - started, counts)


def _refusal(state: StoreState, user_count: int) -> str:
    hint = "run `turms demo load --clear` to delete everything and load the demo dataset"
    if state.kind == "demo":
        return f"the store holds the demo dataset for {state.user_count} users, not {user_count}; {hint}"
    if state.kind == "partial":
        return f"a previous demo load did not finish; {hint}"
    return f"the store is not empty (data in: {', '.join(state.collections)}); refusing to add demo data; {hint}"


class _Offline:
    """Notifier and presence of a loader: nobody is connected while the dataset is written."""

    async def notify(
        self,
        user_ids: Iterable[int],
        notification: bytes,
        *,
        exclude_session: str | None = None,
        trace_id: str | None = None,
        broadcast: bool = False,
    ) -> None:
        return None

    async def statuses(self, user_ids: Iterable[int]) -> dict[int, tuple[int | None, list[int]]]:
        return {}


class _Ids:
    """Ids after the plan's own, for the few records the loader cannot number in advance (tombstones)."""

    def __init__(self, after: int) -> None:
        self._next = after

    def next_id(self) -> int:
        self._next += 1
        return self._next


class _Writer:
    def __init__(self, store: Store, settings: Settings, clock: Clock, plan: Plan) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.plan = plan
        self.counts: dict[str, int] = defaultdict(int)

    async def write_all(self) -> dict[str, int]:
        now = self.clock.now()
        await self.store.insert_one(
            MARKER_COLLECTION,
            {
                "_id": MARKER_ID,
                "v": FORMAT_VERSION,
                "s": {"state": "loading", "user_count": self.plan.user_count},
                "lud": now,
            },
        )
        # Two scrypt hashes off the loop, in the loop's own executor: the supervisor forks workers after a
        # load, and the password module's process-wide pool must not exist in it before the fork.
        user_pw, guest_pw = await asyncio.gather(
            asyncio.to_thread(hash_password, d.USER_PASSWORD), asyncio.to_thread(hash_password, d.GUEST_PASSWORD)
        )
        await self._admins(user_pw.encode(), guest_pw.encode())
        await self._types_and_roles()
        await self._users(user_pw.encode())
        await asyncio.gather(self._relationships(), self._group(), self._conversations())
        await self._messages()
        await self.store.update_one(
            MARKER_COLLECTION, {"_id": MARKER_ID}, {"$set": {"s.state": "complete", "lud": self.clock.now()}}
        )
        return dict(self.counts)

    async def _insert(self, collection: str, docs: list[dict[str, Any]]) -> None:
        if docs:
            self.counts[collection] += await self.store.insert_many(collection, docs)

    async def _admins(self, admin_pw: bytes, guest_pw: bytes) -> None:
        query_or_create = sorted(p.value for p in AdminPermission if p.value.endswith(("_QUERY", "_CREATE")))
        await self._insert(
            ADMIN_ROLE,
            [
                {
                    "_id": d.ADMIN_ROLE_ID,
                    "n": d.ADMIN_ROLE_NAME,
                    "perm": sorted(p.value for p in AdminPermission),
                    "rank": 0,
                    "cd": d.EPOCH,
                },
                {"_id": d.GUEST_ROLE_ID, "n": d.GUEST_ROLE_NAME, "perm": query_or_create, "rank": 0, "cd": d.EPOCH},
            ],
        )
        admins = [
            {
                "_id": self.plan.guest_admin_id,
                "ln": d.GUEST_LOGIN,
                "pw": guest_pw,
                "n": d.GUEST_LOGIN,
                "rid": [d.GUEST_ROLE_ID],
                "rd": d.EPOCH,
            }
        ]
        for i, admin_id in enumerate(self.plan.admin_ids, start=1):
            admins.append(
                {
                    "_id": admin_id,
                    "ln": f"{d.ADMIN_LOGIN_PREFIX}{i}",
                    "pw": admin_pw,
                    "n": d.ADMIN_NAME,
                    "rid": [d.ADMIN_ROLE_ID],
                    "rd": d.user_date(i),
                }
            )
        await self._insert(ADMIN, admins)

    async def _types_and_roles(self) -> None:
        await users.create_role(
            self.store,
            d.USER_ROLE_ID,
            d.USER_ROLE_NAME,
            creatable_group_type_ids=[d.GROUP_TYPE_ID],
            owned_group_limit=10,
            owned_group_limit_for_each_group_type=10,
            group_type_limits={1: 1, 2: 1},
        )
        await group_types.ensure_default_type(self.store)
        await group_types.create_type(
            self.store,
            d.GROUP_TYPE_ID,
            d.GROUP_TYPE_NAME,
            size_limit=1000,
            invitation_strategy=InvitationStrategy.ALL,
            join_strategy=JoinStrategy.MEMBERSHIP_REQUEST,
            group_info_update_strategy=UpdateStrategy.OWNER_MANAGER,
            member_info_update_strategy=UpdateStrategy.OWNER_MANAGER_MEMBER,
            guest_speakable=True,
            self_info_updatable=True,
            enable_read_receipt=True,
            message_editable=True,
        )
        self.counts["userRole"] += 1
        self.counts["groupType"] += 1

    async def _users(self, password_hash: bytes) -> None:
        ids = list(self.plan.users)
        for start in range(0, len(ids), USER_BATCH):
            batch = ids[start : start + USER_BATCH]
            calls: list[Awaitable[dict[str, Any]]] = [
                accounts.create_user(
                    self.store,
                    uid,
                    None,  # hashed once below, not 1,000 times
                    d.user_date(uid),
                    name=d.USER_NAME,
                    intro=d.USER_INTRO,
                    profile_picture=d.USER_PICTURE,
                    profile_access=accounts.PROFILE_ACCESS_ALL,
                    role_id=users.DEFAULT_USER_ROLE_ID,
                    active=True,
                    attributes=dict(d.USER_ATTRIBUTES),
                )
                for uid in batch
            ]
            await asyncio.gather(*calls)
        await self.store.update_many(
            accounts.USER, {"_id": {"$gte": ids[0], "$lte": ids[-1]}}, {"$set": {"pw": password_hash}}
        )
        self.counts[accounts.USER] += len(ids)
        self.counts[relations.GROUP] += len(ids)  # the default relationship group each create_user made
        await self._insert(
            versions.USER_VERSION,
            [{"_id": uid, **dict.fromkeys(USER_VERSION_FIELDS, d.user_date(uid))} for uid in ids],
        )

    async def _relationships(self) -> None:
        await asyncio.gather(*(relations.friend(self.store, 1, uid, d.EPOCH) for uid in self.plan.friends))
        self.counts[relations.RELATIONSHIP] += 2 * len(self.plan.friends)
        self.counts[relations.GROUP_MEMBER] += 2 * len(self.plan.friends)
        await self._insert(
            FRIEND_REQUEST,
            [
                {
                    "_id": rid,
                    "cnt": d.FRIEND_REQUEST_CONTENT,
                    "stat": int(RequestStatus.PENDING),
                    "cd": d.EPOCH,
                    "rrid": 1,
                    "rtid": uid,
                }
                for rid, uid in zip(self.plan.friend_request_ids, self.plan.friend_request_recipients, strict=True)
            ],
        )

    async def _group(self) -> None:
        p, gid = self.plan, d.GROUP_ID
        await self._insert(
            GROUP,
            [
                {
                    "_id": gid,
                    "tid": DEFAULT_GROUP_TYPE_ID,
                    "cid": 1,
                    "oid": 1,
                    "n": d.GROUP_NAME,
                    "intro": d.GROUP_INTRO,
                    "annt": d.GROUP_ANNOUNCEMENT,
                    "ms": 0,
                    "cd": d.EPOCH,
                    "lud": d.EPOCH,
                    "ac": True,
                    "uda": dict(d.GROUP_ATTRIBUTES),
                }
            ],
        )
        await self._insert(GROUP_VERSION, [{"_id": gid, **dict.fromkeys(("mbr", "bl", "jr", "jq", "invt"), d.EPOCH)}])
        members = []
        for uid in p.group_members:
            member: dict[str, Any] = {
                "_id": {"gid": gid, "uid": uid},
                "n": d.GROUP_MEMBER_NAME,
                "role": int(Role.OWNER if uid == 1 else Role.MEMBER),
                "jd": d.EPOCH,
            }
            if p.is_muted_member(uid):
                member["med"] = d.FAR_FUTURE
            members.append(member)
        await self._insert(GROUP_MEMBER, members)
        await self._insert(
            GROUP_BLOCKED_USER, [{"_id": {"gid": gid, "uid": uid}, "bd": d.EPOCH, "rid": 1} for uid in p.blocked_users]
        )
        await self._insert(
            GROUP_INVITATION,
            [
                {
                    "_id": iid,
                    "gid": gid,
                    "irid": 1,
                    "ieid": uid,
                    "cnt": d.REQUEST_CONTENT,
                    "stat": int(RequestStatus.PENDING),
                    "cd": d.user_date(uid),
                }
                for iid, uid in zip(p.invitation_ids, p.invitees, strict=True)
            ],
        )
        await self._insert(
            GROUP_JOIN_QUESTION,
            [
                {
                    "_id": p.question_id,
                    "gid": gid,
                    "q": d.QUESTION,
                    "ans": list(d.QUESTION_ANSWERS),
                    "score": d.QUESTION_SCORE,
                }
            ],
        )
        await self._insert(
            GROUP_JOIN_REQUEST,
            [
                {
                    "_id": rid,
                    "cnt": d.REQUEST_CONTENT,
                    "stat": int(RequestStatus.PENDING),
                    "cd": d.EPOCH,
                    "gid": gid,
                    "rqid": uid,
                }
                for rid, uid in zip(p.join_request_ids, p.join_requesters, strict=True)
            ],
        )

    async def _conversations(self) -> None:
        await self._insert(
            PRIVATE_CONVERSATION,
            [{"_id": {"oid": 1, "tid": t}, "rd": d.EPOCH} for t in self.plan.private_targets],
        )
        await self._insert(
            GROUP_CONVERSATION,
            [{"_id": d.GROUP_ID, "mr": {str(uid): d.EPOCH for uid in self.plan.group_members}}],
        )

    async def _messages(self) -> None:
        """Each conversation's messages in order (their sequence ids follow delivery order); conversations in
        parallel, so the SQLite adapter commits one message of each per transaction."""
        offline = _Offline()
        notifier: Notifier = offline
        presence: Presence = offline
        services = Services(self.settings, self.store, self.clock, _Ids(self.plan.last_id), notifier, presence)
        by_conversation: dict[bytes, list[d.DemoMessage]] = defaultdict(list)
        for m in self.plan.messages():
            by_conversation[conversation_id(m.is_group, m.sender_id, m.target_id)].append(m)

        async def write(messages: list[d.DemoMessage]) -> None:
            for m in messages:
                await store_message(
                    services,
                    message_id=m.id,
                    sender_id=m.sender_id,
                    target_id=m.target_id,
                    is_group=m.is_group,
                    is_system=False,
                    now=m.delivery_date,
                    text=m.text,
                    sender_ip=m.sender_ip,
                    burn_after=d.MESSAGE_BURN_AFTER_S,
                )

        await asyncio.gather(*(write(ms) for ms in by_conversation.values()))
        self.counts["message"] += sum(len(ms) for ms in by_conversation.values())
