"""Locations and nearby users over the real Redis GEO index (turms.cluster.geo) and a FakeClock."""

from __future__ import annotations

from pathlib import Path

import redis.asyncio as aioredis
from user_world import Presence, world

from turms.cluster.geo import RedisGeoIndex
from turms.cluster.keys import Keys
from turms.protocol.status import ResponseStatusCode as Code

A, B, C, D = 401, 402, 403, 404
# Points around Paris: B ~ 111 m north of A, C ~ 5.5 km, D ~ 55 km.
LAT, LON = 48.8566, 2.3522


async def test_nearby_users_online_within_radius_and_ttl(tmp_path: Path, redis_client: aioredis.Redis) -> None:
    geo = RedisGeoIndex(redis_client, "t:")
    async with world(tmp_path, geo=geo) as w:
        presence = w.s.presence
        assert isinstance(presence, Presence)
        presence.online |= {A, B, C, D}
        for uid, dlat in ((A, 0.0), (B, 0.001), (C, 0.05), (D, 0.5)):
            await w.ok(uid, "update_user_location_request", latitude=LAT + dlat, longitude=LON)
        r = await w.call(A, "query_nearby_users_request", latitude=LAT, longitude=LON, with_distance=True)
        found = [(u.user_id, u.distance) for u in r.data.nearby_users.nearby_users]
        assert [u for u, _ in found] == [B, C]  # not the requester, not D (> 10 km default radius)
        assert 100 <= found[0][1] <= 125 and 5_400 <= found[1][1] <= 5_700
        r = await w.call(
            A, "query_nearby_users_request", latitude=LAT, longitude=LON, max_count=1, with_coordinates=True
        )
        ((nearest,),) = [list(r.data.nearby_users.nearby_users)]
        assert nearest.user_id == B and abs(nearest.location.latitude - (LAT + 0.001)) < 1e-4
        # max_distance is capped by the setting (10 km): D stays out of reach.
        r = await w.call(A, "query_nearby_users_request", latitude=LAT, longitude=LON, max_distance=100_000)
        assert D not in [u.user_id for u in r.data.nearby_users.nearby_users]
        # Offline users are not reported.
        presence.online.discard(C)
        r = await w.call(A, "query_nearby_users_request", latitude=LAT, longitude=LON)
        assert [u.user_id for u in r.data.nearby_users.nearby_users] == [B]
        # Stale locations are skipped, then pruned by the next update.
        w.clock.advance(3601)
        assert await w.code(A, "query_nearby_users_request", latitude=LAT, longitude=LON) == Code.NO_CONTENT
        await w.ok(D, "update_user_location_request", latitude=LAT, longitude=LON)
        assert (
            await redis_client.zcard(Keys("t:").geo_locations) == 1
            and await redis_client.zcard(Keys("t:").geo_times) == 1
        )


async def test_bad_coordinates_and_disabled_feature(tmp_path: Path, redis_client: aioredis.Redis) -> None:
    async with world(tmp_path, geo=RedisGeoIndex(redis_client, "t:")) as w:
        for lat, lon in ((91.0, 0.0), (0.0, 181.0), (float("nan"), 0.0), (86.0, 0.0)):
            assert await w.code(A, "update_user_location_request", latitude=lat, longitude=lon) == Code.ILLEGAL_ARGUMENT
        code = await w.code(A, "query_nearby_users_request", latitude=0.0, longitude=0.0, max_count=-1)
        assert code == Code.ILLEGAL_ARGUMENT
        w.set("service.location.enabled", False)
        code = await w.code(A, "update_user_location_request", latitude=1.0, longitude=1.0)
        assert code == Code.USER_LOCATION_RELATED_FEATURES_ARE_DISABLED
        assert await redis_client.exists(Keys("t:").geo_locations) == 0
    async with world(tmp_path / "no-geo") as w:
        code = await w.code(A, "query_nearby_users_request", latitude=1.0, longitude=1.0)
        assert code == Code.USER_LOCATION_RELATED_FEATURES_ARE_DISABLED
