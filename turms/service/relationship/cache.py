"""The relationship a private send checks, cached per worker with cluster-wide invalidation.

Every private message asks whether the recipient has a relationship with the sender and whether it is a
block (``turms.service.message.policy.check_private_send``). Reading it from the store for each message was
about a tenth of a worker's CPU in the 1:1 benchmark (py-spy, docs/benchmarks.md), and on MongoDB it is a
round trip per message. The cache keeps, per owner, what the check needs: whether the document exists and
whether it is a block.

Freshness: every relationship write made through the services (create, update, block, delete, a friend request
accepted) and through the admin API drops the owner's entries here at once and, through a cluster event, on
every other worker a few milliseconds later. Until that event arrives, another worker may still let a message
through that the new block refuses. An event that fails to publish is retried, and a worker whose Redis
subscription was lost drops every entry (``turms.service.invalidation``), so
``service.message.relationship_cache_ttl_s`` bounds only a write that bypasses the server (0: read the store
for every message, so a block takes effect for the very next message on every worker). A read that started
before an invalidation is answered but not kept, so an invalidation is never undone by a slow read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from turms.service.api import ClusterEvents
from turms.service.invalidation import announce
from turms.settings import Settings
from turms.settings import message as ms
from turms.storage.port import Store

RELATIONSHIP = "userRelationship"
#: The cluster event that tells every worker whose relationships changed: ``{"o": [owner ids]}``, or
#: ``{"all": true}`` when the owners are not known (an admin write by filter).
RELATIONSHIPS_CHANGED_EVENT = "relationships"

#: What the send check needs of a relationship document: ``None`` (no relationship) or ``{"bd": …}`` / ``{}``.
Relation = dict[str, Any] | None


class RelationshipCache:
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
        #: owner → related → (expiry, relation). Owners in load order: the oldest are evicted first.
        self._entries: dict[int, dict[int, tuple[float, Relation]]] = {}
        #: Bumped by every invalidation: a read that started under an older generation is not kept.
        self._generation = 0
        self.hits = 0
        self.misses = 0
        if events is not None:
            events.on_event(RELATIONSHIPS_CHANGED_EVENT, self._on_event)
            events.on_lost(lambda: self.forget(None))

    async def get(self, owner_id: int, related_id: int) -> Relation:
        """``owner_id``'s relationship with ``related_id`` as the send check needs it (``bd`` kept)."""
        ttl = self.settings.get(ms.RELATIONSHIP_CACHE_TTL_S)
        if ttl <= 0:
            return await self._read(owner_id, related_id)
        related = self._entries.get(owner_id)
        if related is not None:
            hit = related.get(related_id)
            if hit is not None and hit[0] > self.monotonic():
                self.hits += 1
                return hit[1]
        self.misses += 1
        generation = self._generation
        rel = await self._read(owner_id, related_id)
        if generation == self._generation:
            entries = self._entries.get(owner_id)
            if entries is None:
                entries = self._entries[owner_id] = {}
                limit = self.settings.get(ms.RELATIONSHIP_CACHE_MAX_OWNERS)
                while len(self._entries) > limit:
                    del self._entries[next(iter(self._entries))]
            entries[related_id] = (self.monotonic() + ttl, rel)
        return rel

    async def _read(self, owner_id: int, related_id: int) -> Relation:
        doc = await self.store.find_one(
            RELATIONSHIP, {"_id.oid": owner_id, "_id.rid": related_id}, projection={"_id": 0, "bd": 1}
        )
        return doc

    def forget(self, owner_ids: Iterable[int] | None) -> None:
        """Drop the entries of these owners (None: every entry)."""
        self._generation += 1
        if owner_ids is None:
            self._entries.clear()
            return
        for owner in owner_ids:
            self._entries.pop(owner, None)

    async def changed(self, owner_ids: Iterable[int] | None) -> None:
        """Relationships of these owners (None: unknown owners) changed: forget them here, tell every worker."""
        owners = None if owner_ids is None else sorted(set(owner_ids))
        if owners is not None and not owners:
            return
        self.forget(owners)
        if self.events is None:
            return
        body: dict[str, Any] = {"all": True} if owners is None else {"o": owners}
        ttl = self.settings.get(ms.RELATIONSHIP_CACHE_TTL_S)
        await announce(self.events, RELATIONSHIPS_CHANGED_EVENT, body, retry_for_s=ttl, what="relationships changed")

    async def _on_event(self, body: dict[str, Any]) -> None:
        if body.get("all"):
            self.forget(None)
        else:
            self.forget(int(o) for o in body.get("o", ()))
