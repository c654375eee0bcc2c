"""The cluster-wide session registry: who is online, on which device types, held by which worker instance.

One Redis hash per user (see :meth:`Keys.session`). Registration and conflict resolution run in one Lua
script, so two logins racing on two hosts cannot both win. Entries held by a dead worker instance (no
heartbeat within the liveness window) are treated as absent and removed when next touched; the hash itself
has a TTL that live workers refresh in batches, so a user whose every worker died disappears on their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import redis.asyncio as aioredis

from turms.cluster.batcher import TickBatcher
from turms.cluster.keys import Keys
from turms.cluster.locations import SessionLocations
from turms.cluster.membership import Membership
from turms.cluster.scripts import Script
from turms.gateway.login_policy import DeviceType, LoginPolicy

_REGISTER = Script("register_session.lua")
_UNREGISTER = Script("unregister_session.lua")
_SET_STATUS = Script("set_status.lua")
STATUS_FIELD = "$"
REFRESH_BATCH = 1000
#: Script runs for one login before giving up: each new round means another login of the same user wrote an
#: entry held by an instance this one had not judged yet, in the few milliseconds between two runs.
MAX_REGISTER_ROUNDS = 5


class RegistrationRaceError(aioredis.RedisError):
    """A login could not be registered because the user's sessions kept changing (answered as a Redis error)."""


@dataclass(frozen=True)
class SessionEntry:
    device: DeviceType
    instance_id: str
    session_id: str
    login_ms: int

    def encode(self) -> str:
        return f"{self.instance_id}|{self.session_id}|{self.login_ms}"

    @classmethod
    def decode(cls, device: int | str | bytes, raw: str | bytes) -> SessionEntry:
        text = raw.decode() if isinstance(raw, bytes) else raw
        instance_id, session_id, login_ms = text.split("|")
        return cls(DeviceType(int(device)), instance_id, session_id, int(login_ms))


@dataclass(frozen=True)
class Registration:
    accepted: bool
    #: Live sessions that conflict with the login: displaced when accepted, the reason when refused.
    conflicts: tuple[SessionEntry, ...]
    #: Refused because a conflicting session's login started later (a slow login never displaces a newer one).
    superseded: bool = False


class SessionRegistry:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        membership: Membership,
        ttl_s: int = 60,
        batcher: TickBatcher | None = None,
        locations_ttl_s: Callable[[], float] = lambda: 0.0,
        locations_max_users: Callable[[], int] = lambda: 0,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.membership = membership
        self.ttl_s = ttl_s
        #: Lookups of one loop tick share a pipeline (``turms.cluster.batcher``).
        self.batcher = batcher or TickBatcher(redis)
        #: Where users' sessions are, cached for pushes (``turms.cluster.locations``); off unless given a TTL.
        self.locations: SessionLocations[SessionEntry] = SessionLocations(
            self._read, ttl_s=locations_ttl_s, max_users=locations_max_users
        )

    async def register(self, user_id: int, entry: SessionEntry, status: int, policy: LoginPolicy) -> Registration:
        conflicting = sorted(int(d) for d in policy.conflicts_with(entry.device))
        # The script judges conflicting entries by the liveness of the instances holding them, which it cannot
        # read itself (on a Redis Cluster the membership lives in another slot): it names the instances it
        # meets, the membership judges them, and the script runs again. Most logins meet none and run once.
        live = {entry.instance_id}
        dead: set[str] = set()
        for _ in range(MAX_REGISTER_ROUNDS):
            raw: list[bytes | int] = await _REGISTER(
                self.redis,
                keys=[self.keys.session(user_id)],
                args=[
                    int(entry.device),
                    entry.encode(),
                    "1" if policy.reject_new_login else "0",
                    self.ttl_s,
                    status,
                    " ".join(sorted(live)),
                    " ".join(sorted(dead)),
                    *conflicting,
                ],
            )
            if raw[0] != 3:
                break
            unknown = {_text(i) for i in raw[1:]}
            known = await self.membership.live_instances()
            if not unknown <= known:
                known = await self.membership.live_instances(max_age_s=0)  # one that just started, maybe
            live |= unknown & known
            dead |= unknown - known
        else:
            raise RegistrationRaceError(
                f"the sessions of user {user_id} kept changing during {MAX_REGISTER_ROUNDS} tries"
            )
        pairs = raw[1:]
        conflicts = tuple(SessionEntry.decode(_text(pairs[i]), _text(pairs[i + 1])) for i in range(0, len(pairs), 2))
        if raw[0] == 1:
            self.locations.changed((user_id,))
        return Registration(raw[0] == 1, conflicts, superseded=raw[0] == 2)

    async def unregister(
        self, user_id: int, entry: SessionEntry, restore: Iterable[SessionEntry] = ()
    ) -> tuple[bool, bool]:
        """Remove ``entry`` if it is still registered. Returns (removed, user now offline).

        ``restore``: the entries ``entry``'s registration displaced, put back (where their device type is still
        free) when it is removed — the undo of a login whose connection closed while it registered.
        """
        args: list[str | int] = [int(entry.device), entry.encode()]
        for e in restore:
            args += [int(e.device), e.encode()]
        removed, offline = await _UNREGISTER(self.redis, keys=[self.keys.session(user_id)], args=args)
        if removed:
            self.locations.changed((user_id,))
        return bool(removed), bool(offline)

    async def sessions(self, user_id: int) -> list[SessionEntry]:
        return (await self.sessions_of([user_id]))[user_id]

    async def sessions_of(self, user_ids: Iterable[int]) -> dict[int, list[SessionEntry]]:
        """Live sessions of each user, in one round trip shared with the other lookups of this loop tick."""
        return await self._live(await self._read(list(user_ids)))

    async def locate(self, user_ids: Iterable[int]) -> dict[int, list[SessionEntry]]:
        """Live sessions of each user for a push: :meth:`sessions_of` through the per-worker cache."""
        return await self._live(await self.locations.get(user_ids))

    async def _read(self, ids: list[int]) -> dict[int, list[SessionEntry]]:
        """Every registered session of each user, dead instances' included."""
        hashes: list[dict[bytes, bytes]] = await asyncio.gather(
            *(self.batcher.call("hgetall", self.keys.session(uid)) for uid in ids)
        )
        return {
            uid: [SessionEntry.decode(k, v) for k, v in h.items() if k != STATUS_FIELD.encode()]
            for uid, h in zip(ids, hashes, strict=True)
        }

    async def _live(self, found: dict[int, list[SessionEntry]]) -> dict[int, list[SessionEntry]]:
        live = await self.membership.live_instances()
        return {uid: [e for e in entries if e.instance_id in live] for uid, entries in found.items()}

    async def status_of(self, user_ids: Iterable[int]) -> dict[int, tuple[int | None, list[SessionEntry]]]:
        """(status, live sessions) per user; status is None when the user has no live session."""
        ids = list(user_ids)
        async with self.redis.pipeline(transaction=False) as pipe:
            for uid in ids:
                pipe.hgetall(self.keys.session(uid))
            hashes: list[dict[bytes, bytes]] = await pipe.execute()
        live = await self.membership.live_instances()
        out: dict[int, tuple[int | None, list[SessionEntry]]] = {}
        for uid, h in zip(ids, hashes, strict=True):
            status = h.get(STATUS_FIELD.encode())
            entries = [
                e
                for k, v in h.items()
                if k != STATUS_FIELD.encode() and (e := SessionEntry.decode(k, v)).instance_id in live
            ]
            out[uid] = (int(status) if entries and status is not None else None, entries)
        return out

    async def set_status(self, user_id: int, status: int) -> bool:
        """Set the status of an online user; False when the user has no session hash."""
        done = await _SET_STATUS(self.redis, keys=[self.keys.session(user_id)], args=[status, self.ttl_s])
        return bool(done)

    async def restore(self, sessions: Iterable[tuple[int, SessionEntry, int]]) -> None:
        """Write (user id, entry, status) back after Redis lost its data, in pipelined batches.

        No conflict resolution: these sessions were all accepted before the loss.
        """
        batch: list[tuple[int, SessionEntry, int]] = []
        for item in sessions:
            batch.append(item)
            if len(batch) >= REFRESH_BATCH:
                await self._restore(batch)
                batch = []
        if batch:
            await self._restore(batch)

    async def _restore(self, batch: list[tuple[int, SessionEntry, int]]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for uid, entry, status in batch:
                key = self.keys.session(uid)
                pipe.hsetnx(key, STATUS_FIELD, status)
                pipe.hset(key, str(int(entry.device)), entry.encode())
                pipe.expire(key, self.ttl_s)
            await pipe.execute()
        self.locations.changed(uid for uid, _, _ in batch)

    async def refresh(self, user_ids: Iterable[int]) -> None:
        """Push back the TTL of users held here, in pipelined batches."""
        batch: list[int] = []
        for uid in user_ids:
            batch.append(uid)
            if len(batch) >= REFRESH_BATCH:
                await self._expire(batch)
                batch = []
        if batch:
            await self._expire(batch)

    async def _expire(self, user_ids: list[int]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for uid in user_ids:
                pipe.expire(self.keys.session(uid), self.ttl_s)
            await pipe.execute()


def _text(v: bytes | int | str) -> str:
    if isinstance(v, bytes):
        return v.decode()
    return str(v)
