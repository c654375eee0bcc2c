"""User locations and nearby users: ``UpdateUserLocationRequest`` and ``QueryNearbyUsersRequest``.

Locations live in a :class:`GeoIndex` (Redis GEO in production, ``turms.cluster.geo``), not in the store:
they are hot, short-lived and only meaningful while the user is online. A query reports only users that are
online now (the presence port) and whose location is younger than ``service.location.ttl_s``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

from turms.errors import TurmsError
from turms.protocol.pb import constant_pb2, model_user_pb2, turms_notification_pb2
from turms.protocol.requests import to_enum
from turms.protocol.status import ResponseStatusCode
from turms.service.api import OK, Response, ServiceRequest
from turms.service.context import Services
from turms.service.user import profiles
from turms.settings import user as us

#: Redis GEO's latitude range (Web Mercator).
MAX_LATITUDE = 85.05112878


class GeoHit(Protocol):
    """One search result (structural, so the Redis implementation needs nothing from this package)."""

    @property
    def member(self) -> str: ...

    @property
    def distance_m(self) -> float: ...

    @property
    def longitude(self) -> float: ...

    @property
    def latitude(self) -> float: ...


class GeoIndex(Protocol):
    """Where users are: members are ``"<user id>"`` or ``"<user id>:<device type>"``."""

    async def put(self, member: str, longitude: float, latitude: float, *, now_ms: int, expire_before_ms: int) -> None:
        """Record ``member``'s location at ``now_ms``; may drop entries last updated before ``expire_before_ms``."""
        ...

    async def remove(self, members: Sequence[str]) -> None: ...

    async def search(
        self, longitude: float, latitude: float, radius_m: float, count: int, *, updated_after_ms: int
    ) -> Sequence[GeoHit]:
        """Up to ``count`` members within ``radius_m``, nearest first, updated after ``updated_after_ms``."""
        ...


def _member(user_id: int, device_type: int, per_device: bool) -> str:
    return f"{user_id}:{device_type}" if per_device else str(user_id)


def _parse_member(member: str) -> tuple[int, int | None]:
    user, _, device = member.partition(":")
    return int(user), (int(device) if device else None)


def _check_coordinates(longitude: float, latitude: float) -> None:
    if not (math.isfinite(longitude) and math.isfinite(latitude)):
        raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, "coordinates must be finite")
    if not -180.0 <= longitude <= 180.0 or not -MAX_LATITUDE <= latitude <= MAX_LATITUDE:
        raise TurmsError(
            ResponseStatusCode.ILLEGAL_ARGUMENT,
            f"longitude must be in [-180, 180] and latitude in [-{MAX_LATITUDE}, {MAX_LATITUDE}]",
        )


class Locations:
    def __init__(self, services: Services) -> None:
        self.s = services

    def _geo(self) -> GeoIndex:
        if not self.s.settings.get(us.LOCATION_ENABLED) or self.s.geo is None:
            raise TurmsError(ResponseStatusCode.USER_LOCATION_RELATED_FEATURES_ARE_DISABLED)
        return self.s.geo

    async def update(self, req: ServiceRequest) -> Response:
        geo = self._geo()
        body = req.body
        _check_coordinates(body.longitude, body.latitude)
        now_ms = self.s.clock.now_ms()
        member = _member(req.requester.user_id, req.requester.device_type, self.s.settings.get(us.LOCATION_PER_DEVICE))
        ttl_ms = self.s.settings.get(us.LOCATION_TTL_S) * 1000
        await geo.put(member, body.longitude, body.latitude, now_ms=now_ms, expire_before_ms=now_ms - ttl_ms)
        # Turms notifies nobody of a location change.
        return OK

    async def nearby(self, req: ServiceRequest) -> Response:
        geo = self._geo()
        body = req.body
        settings = self.s.settings
        _check_coordinates(body.longitude, body.latitude)
        count = body.max_count if body.HasField("max_count") else settings.get(us.NEARBY_DEFAULT_MAX_COUNT)
        distance = (
            body.max_distance if body.HasField("max_distance") else settings.get(us.NEARBY_DEFAULT_MAX_DISTANCE_M)
        )
        if count <= 0 or distance <= 0:
            raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, "max_count and max_distance must be positive")
        count = min(count, settings.get(us.NEARBY_MAX_COUNT))
        distance = min(distance, settings.get(us.NEARBY_MAX_DISTANCE_M))
        now_ms = self.s.clock.now_ms()
        ttl_ms = settings.get(us.LOCATION_TTL_S) * 1000
        # Ask for more than needed: the requester and offline users are dropped afterwards.
        hits = await geo.search(
            body.longitude, body.latitude, float(distance), count * 2 + 1, updated_after_ms=now_ms - ttl_ms
        )
        me = req.requester.user_id
        candidates = [(h, *_parse_member(h.member)) for h in hits]
        candidates = [c for c in candidates if c[1] != me]
        online = await self.s.presence.statuses({c[1] for c in candidates})
        found: list[tuple[GeoHit, int, int | None]] = []
        for hit, user_id, device in candidates:
            status, devices = online.get(user_id, (None, []))
            if status is None or (device is not None and device not in devices):
                continue
            found.append((hit, user_id, device))
            if len(found) >= count:
                break
        if not found:
            return Response(ResponseStatusCode.NO_CONTENT)
        infos: dict[int, Any] = {}
        if body.with_user_info:
            infos = await profiles.visible_profiles(self.s, me, [u for _, u, _ in found])
        result = model_user_pb2.NearbyUsers()
        for hit, user_id, device in found:
            nearby = result.nearby_users.add(user_id=user_id)
            if device is not None:
                nearby.device_type = to_enum(constant_pb2.DeviceType, device, strict=False)
            if body.with_distance:
                nearby.distance = round(hit.distance_m)
            if body.with_coordinates:
                nearby.location.longitude = hit.longitude
                nearby.location.latitude = hit.latitude
            if user_id in infos:
                nearby.info.CopyFrom(infos[user_id])
        return Response(data=turms_notification_pb2.TurmsNotification.Data(nearby_users=result))
