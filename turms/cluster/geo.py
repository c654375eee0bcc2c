"""Users' locations in Redis GEO: the implementation of ``turms.service.user.location.GeoIndex``.

Two keys (prefix from ``redis.key_prefix``): ``<prefix>{geo}:loc``, a GEO set (member → position), and
``<prefix>{geo}:ts``, a sorted set (member → last update, ms). Redis cannot expire members of a set, so the
update times let a search skip stale locations, and each update removes up to ``PRUNE_BATCH`` of the stalest
ones: the keys stay bounded by the users who reported a location within the TTL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from turms.cluster.keys import Keys

#: Stale members removed per update, so pruning costs O(1) amortised and never blocks Redis.
PRUNE_BATCH = 64


@dataclass(frozen=True, slots=True)
class GeoPoint:
    member: str
    distance_m: float
    longitude: float
    latitude: float


class RedisGeoIndex:
    def __init__(self, redis: aioredis.Redis, prefix: str = "turms:") -> None:
        self.redis = redis
        keys = Keys(prefix)  # one hash tag: both keys change in one MULTI
        self.locations_key = keys.geo_locations
        self.times_key = keys.geo_times

    async def put(self, member: str, longitude: float, latitude: float, *, now_ms: int, expire_before_ms: int) -> None:
        stale = await self.redis.zrangebyscore(self.times_key, "-inf", f"({expire_before_ms}", start=0, num=PRUNE_BATCH)
        async with self.redis.pipeline(transaction=True) as pipe:
            if stale:
                pipe.zrem(self.locations_key, *stale)
                pipe.zrem(self.times_key, *stale)
            pipe.geoadd(self.locations_key, (longitude, latitude, member))
            pipe.zadd(self.times_key, {member: now_ms})
            await pipe.execute()

    async def remove(self, members: Sequence[str]) -> None:
        if not members:
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self.locations_key, *members)
            pipe.zrem(self.times_key, *members)
            await pipe.execute()

    async def search(
        self, longitude: float, latitude: float, radius_m: float, count: int, *, updated_after_ms: int
    ) -> list[GeoPoint]:
        raw = await self.redis.geosearch(
            self.locations_key,
            longitude=longitude,
            latitude=latitude,
            radius=radius_m,
            unit="m",
            sort="ASC",
            count=count,
            withcoord=True,
            withdist=True,
        )
        if not raw:
            return []
        # Each item is [member, distance, (longitude, latitude)] (WITHDIST before WITHCOORD).
        items: list[Any] = list(raw)
        members = [_text(item[0]) for item in items]
        times = await self.redis.zmscore(self.times_key, members)
        out: list[GeoPoint] = []
        for item, member, updated in zip(items, members, times, strict=True):
            if updated is not None and updated > updated_after_ms:
                lon, lat = item[2]
                out.append(GeoPoint(member, float(item[1]), float(lon), float(lat)))
        return out


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
