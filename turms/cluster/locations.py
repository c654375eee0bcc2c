"""Where each user's sessions are, cached per worker for pushes.

Every push used to read the recipients' registry hashes from Redis. The routing bus now asks this cache
first; a miss reads the registry (batched with the other reads of the loop tick) and keeps the answer, an
offline user's included, so pushes to users who are offline cost no Redis read either.

Staying correct when sessions move: every change to a user's registry entry made by a worker (a login
accepted, a session unregistered) is announced to every worker by a cluster event ("sessions", batched per
loop tick), and each worker drops those users here. A lookup still in flight when such an event arrives is
answered but not kept, since it may predate the change. Entries of a worker instance that died stay in its
users' hashes until they are touched; they are filtered out on every read against the live instances, as the
registry does. After a lost Redis subscription (events may have been missed) the whole cache is dropped.

What remains is the event's flight time (a millisecond on one host): a push issued in that window can miss a
session that just logged in, or go to a worker that just lost it. The message is stored either way, and the
client pulls it at its next sync; ``cluster.session_locations.ttl_s`` bounds any staleness this reasoning
missed. Only pushes use the cache: logins, kicks and the admin API read the registry itself.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Generic, Protocol, TypeVar

log = logging.getLogger("turms.cluster.locations")

#: The cluster event naming users whose sessions changed: ``{"u": [user ids]}``.
SESSIONS_CHANGED_EVENT = "sessions"

E = TypeVar("E")


class Events(Protocol):
    """The cluster-wide events of the routing bus."""

    async def broadcast(self, kind: str, body: dict[str, Any]) -> None: ...

    def on_event(self, kind: str, handler: Callable[[dict[str, Any]], Awaitable[None]]) -> None: ...

    def on_lost(self, handler: Callable[[], None]) -> None: ...


class SessionLocations(Generic[E]):
    """A cache of ``lookup`` (user ids → that user's registry entries), dropped per user on change events.

    ``ttl_s`` and ``max_users`` are read on each use, so live settings apply at once; a TTL of 0 turns the
    cache off (every call reads through).
    """

    def __init__(
        self,
        lookup: Callable[[list[int]], Awaitable[dict[int, list[E]]]],
        *,
        ttl_s: Callable[[], float],
        max_users: Callable[[], int],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self._ttl_s = ttl_s
        self._max_users = max_users
        self._monotonic = monotonic
        self._entries: dict[int, tuple[float, list[E]]] = {}
        #: Users being read → whether a change event arrived meanwhile (then the answer is not kept).
        self._loading: dict[int, bool] = {}
        self._events: Events | None = None
        self._changed: set[int] = set()
        self._announcing: set[asyncio.Task[None]] = set()
        #: Lookups answered from the cache and read through (for tests and benchmarks).
        self.hits = 0
        self.misses = 0

    def attach(self, events: Events) -> None:
        """Announce changes to, and take them from, every worker through ``events``."""
        self._events = events
        events.on_event(SESSIONS_CHANGED_EVENT, self._on_event)
        events.on_lost(self.clear)

    async def get(self, user_ids: Iterable[int]) -> dict[int, list[E]]:
        ids = list(dict.fromkeys(user_ids))
        ttl = self._ttl_s()
        if ttl <= 0:
            self.misses += len(ids)
            return await self._lookup(ids)
        now = self._monotonic()
        out: dict[int, list[E]] = {}
        missing: list[int] = []
        for uid in ids:
            hit = self._entries.get(uid)
            if hit is not None and hit[0] > now:
                out[uid] = hit[1]
            else:
                missing.append(uid)
        self.hits += len(out)
        if not missing:
            return out
        self.misses += len(missing)
        for uid in missing:
            self._loading.setdefault(uid, False)
        try:
            found = await self._lookup(missing)
        finally:
            changed = {uid: self._loading.pop(uid, True) for uid in missing}
        expires = self._monotonic() + ttl
        for uid in missing:
            entries = found.get(uid, [])
            out[uid] = entries
            if not changed[uid]:
                self._entries.pop(uid, None)  # re-inserted last: the oldest entries are evicted first
                self._entries[uid] = (expires, entries)
        limit = self._max_users()
        while len(self._entries) > limit:
            del self._entries[next(iter(self._entries))]
        return out

    def forget(self, user_ids: Iterable[int]) -> None:
        for uid in user_ids:
            self._entries.pop(uid, None)
            if uid in self._loading:
                self._loading[uid] = True

    def clear(self) -> None:
        """Drop everything (change events may have been missed)."""
        self._entries.clear()
        for uid in self._loading:
            self._loading[uid] = True

    def changed(self, user_ids: Iterable[int]) -> None:
        """These users' sessions changed here: drop them, and tell every worker (once per loop tick)."""
        ids = list(user_ids)
        self.forget(ids)
        if self._events is None or not ids:
            return
        first = not self._changed
        self._changed.update(ids)
        if first:
            asyncio.get_running_loop().call_soon(self._announce)

    def _announce(self) -> None:
        ids, self._changed = sorted(self._changed), set()
        if not ids or self._events is None:
            return
        task = asyncio.get_running_loop().create_task(self._send(self._events, ids))
        self._announcing.add(task)
        task.add_done_callback(self._announcing.discard)

    @staticmethod
    async def _send(events: Events, ids: list[int]) -> None:
        try:
            await events.broadcast(SESSIONS_CHANGED_EVENT, {"u": ids})
        except Exception as e:  # the TTL bounds what the other workers miss
            log.warning("announcing session changes of %d users failed: %s", len(ids), e)

    async def _on_event(self, body: dict[str, Any]) -> None:
        self.forget(int(u) for u in body.get("u", ()))

    async def close(self) -> None:
        """Send the announcements still queued."""
        self._announce()
        if self._announcing:
            await asyncio.gather(*self._announcing, return_exceptions=True)
