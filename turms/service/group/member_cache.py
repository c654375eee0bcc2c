"""Each group's member ids, cached per worker for push audiences.

A group message is pushed to every member; reading a 500-member group's members from the store for each
message was a third of the sending worker's CPU in the fan-out benchmark (py-spy, docs/benchmarks.md). The
cache answers *who gets the push* only: whether someone may send, read or manage is always checked against
the store.

Freshness: a membership change made through the services (members added or removed, a group created,
deleted, or left) drops the group here at once and, through a cluster event, on every other worker a few
milliseconds later; an event that fails to publish is retried, and a worker whose Redis subscription was lost
drops every group (``turms.service.invalidation``). So ``service.group.member_ids_cache_ttl_s`` bounds only a
change that bypasses the services (a direct store write). A push missed by a new member in that window is not
lost: the message is stored, and the member's client pulls it at its next sync. A group messaged less often
than the TTL reads its members for every message, which is why the TTL is a minute and not seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from turms.service.api import ClusterEvents
from turms.service.group import access
from turms.service.invalidation import announce
from turms.service.single_flight import SingleFlight
from turms.settings import Settings
from turms.settings import group as gs
from turms.storage.port import Store

#: The cluster event that tells every worker which groups' members changed: ``{"g": [group ids]}``, or
#: ``{"all": true}`` when the groups are not known (an admin write by user ids).
MEMBERS_CHANGED_EVENT = "group-members"


class MemberIdsCache:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        events: ClusterEvents | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.settings = settings
        self.events = events
        self.monotonic = monotonic
        self._entries: dict[int, tuple[float, list[int]]] = {}
        #: Member ids held in all entries (bounded by ``service.group.member_ids_cache_max_ids``).
        self._ids = 0
        #: Groups being read from the store → whether an invalidation arrived meanwhile (then the read, which
        #: may predate the change, is returned but not kept).
        self._loading: dict[int, bool] = {}
        self._loads: SingleFlight[int, list[int]] = SingleFlight()
        if events is not None:
            events.on_event(MEMBERS_CHANGED_EVENT, self._on_event)
            events.on_lost(self.clear)

    async def get(self, group_id: int) -> list[int]:
        ttl = self.settings.get(gs.MEMBER_IDS_CACHE_TTL_S)
        if ttl <= 0:
            return await access.member_ids(self.store, group_id)
        hit = self._entries.get(group_id)
        if hit is not None and hit[0] > self.monotonic():
            return hit[1]
        return await self._loads.run(group_id, lambda: self._load(group_id, ttl))

    async def _load(self, group_id: int, ttl: float) -> list[int]:
        self._loading[group_id] = False
        try:
            ids = await access.member_ids(self.store, group_id)
        finally:
            invalidated = self._loading.pop(group_id)
        if not invalidated:
            self._drop(group_id)  # re-inserted last: the oldest entries are evicted first
            max_ids = self.settings.get(gs.MEMBER_IDS_CACHE_MAX_IDS)
            if len(ids) <= max_ids:
                self._entries[group_id] = (self.monotonic() + ttl, ids)
                self._ids += len(ids)
                max_groups = self.settings.get(gs.MEMBER_IDS_CACHE_MAX_GROUPS)
                while len(self._entries) > max_groups or self._ids > max_ids:
                    self._drop(next(iter(self._entries)))
        return ids

    def _drop(self, group_id: int) -> None:
        entry = self._entries.pop(group_id, None)
        if entry is not None:
            self._ids -= len(entry[1])

    def forget(self, group_ids: Iterable[int]) -> None:
        for gid in group_ids:
            self._drop(gid)
            if gid in self._loading:
                self._loading[gid] = True

    def clear(self) -> None:
        """Drop every entry (change events may have been missed); reads in flight are answered but not kept."""
        self._entries.clear()
        self._ids = 0
        for gid in self._loading:
            self._loading[gid] = True

    async def changed(self, group_ids: Iterable[int] | None) -> None:
        """Members of these groups (None: of groups not known) changed: forget them here, tell every worker."""
        ids = None if group_ids is None else sorted(set(group_ids))
        if ids is None:
            self.clear()
        elif not ids:
            return
        else:
            self.forget(ids)
        if self.events is None:
            return
        ttl = self.settings.get(gs.MEMBER_IDS_CACHE_TTL_S)
        body: dict[str, Any] = {"all": True} if ids is None else {"g": ids}
        await announce(self.events, MEMBERS_CHANGED_EVENT, body, retry_for_s=ttl, what="group members changed")

    async def _on_event(self, body: dict[str, Any]) -> None:
        if body.get("all"):
            self.clear()
        else:
            self.forget(int(g) for g in body.get("g", ()))
