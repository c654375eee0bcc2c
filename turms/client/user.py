"""Typed user requests for :class:`~turms.client.TurmsClient`: profiles, user settings, locations.

Each method sends one request and returns the useful part of the response; non-success codes raise
:class:`~turms.client.ResponseError`. Queries return ``None`` when the server answers ALREADY_UP_TO_DATE
(1002) and an empty result for NO_CONTENT (1001).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from turms.client.client import TurmsClient
from turms.protocol.pb import constant_pb2, model_common_pb2, request_user_pb2
from turms.protocol.requests import to_enum
from turms.protocol.status import ResponseStatusCode

_UP_TO_DATE = int(ResponseStatusCode.ALREADY_UP_TO_DATE)


def value(scalar: bool | int | float | str | bytes) -> Any:
    """A ``Value`` for a Python scalar (ints as int64, floats as double)."""
    if isinstance(scalar, bool):
        return model_common_pb2.Value(bool_value=scalar)
    if isinstance(scalar, int):
        return model_common_pb2.Value(int64_value=scalar)
    if isinstance(scalar, float):
        return model_common_pb2.Value(double_value=scalar)
    if isinstance(scalar, bytes):
        return model_common_pb2.Value(bytes_value=scalar)
    return model_common_pb2.Value(string_value=scalar)


def scalar_of(v: Any) -> Any:
    """The Python scalar a ``Value`` holds (None when it holds none)."""
    kind = v.WhichOneof("kind")
    return None if kind is None else getattr(v, kind)


class UserService:
    def __init__(self, client: TurmsClient) -> None:
        self.client = client

    async def _query(self, kind: str, message: Any) -> Any:
        response = await self.client.request(kind, message)
        return None if int(response.code) == _UP_TO_DATE else response

    # Profiles ---------------------------------------------------------------------------------------

    async def query_profiles(
        self,
        user_ids: Iterable[int] = (),
        *,
        name: str | None = None,
        last_updated_date: int | None = None,
        skip: int | None = None,
        limit: int | None = None,
    ) -> list[Any] | None:
        """``UserInfo`` messages; None when nothing changed since ``last_updated_date`` (ms)."""
        m = request_user_pb2.QueryUserProfilesRequest(user_ids=list(user_ids))
        for field, v in (("name", name), ("last_updated_date", last_updated_date), ("skip", skip), ("limit", limit)):
            if v is not None:
                setattr(m, field, v)
        response = await self._query("query_user_profiles_request", m)
        return None if response is None else list(response.data.user_infos_with_version.user_infos)

    async def update_profile(
        self,
        *,
        name: str | None = None,
        intro: str | None = None,
        profile_picture: str | None = None,
        profile_access_strategy: int | None = None,
        password: str | None = None,
        user_defined_attributes: Mapping[str, bool | int | float | str | bytes] | None = None,
    ) -> None:
        m = request_user_pb2.UpdateUserRequest()
        for field, v in (
            ("name", name),
            ("intro", intro),
            ("profile_picture", profile_picture),
            ("password", password),
        ):
            if v is not None:
                setattr(m, field, v)
        if profile_access_strategy is not None:
            m.profile_access_strategy = to_enum(
                constant_pb2.ProfileAccessStrategy, profile_access_strategy, strict=False
            )
        for key, scalar in (user_defined_attributes or {}).items():
            m.user_defined_attributes[key].CopyFrom(value(scalar))
        await self.client.request("update_user_request", m)

    # Settings ---------------------------------------------------------------------------------------

    async def update_settings(self, settings: Mapping[str, Any]) -> None:
        """Values may be ``Value`` messages or Python scalars (ints are sent as int64)."""
        m = request_user_pb2.UpdateUserSettingsRequest()
        for key, v in settings.items():
            m.settings[key].CopyFrom(v if isinstance(v, model_common_pb2.Value) else value(v))
        await self.client.request("update_user_settings_request", m)

    async def delete_settings(self, names: Iterable[str] = ()) -> None:
        """Delete the named settings (every deletable one when ``names`` is empty)."""
        await self.client.request(
            "delete_user_settings_request", request_user_pb2.DeleteUserSettingsRequest(names=list(names))
        )

    async def query_settings(
        self, names: Iterable[str] = (), *, last_updated_date_start: int | None = None
    ) -> tuple[dict[str, Any], int] | None:
        """(name → scalar, last updated ms); None when unchanged since ``last_updated_date_start``."""
        m = request_user_pb2.QueryUserSettingsRequest(names=list(names))
        if last_updated_date_start is not None:
            m.last_updated_date_start = last_updated_date_start
        response = await self._query("query_user_settings_request", m)
        if response is None:
            return None
        settings = response.data.user_settings
        return {k: scalar_of(v) for k, v in settings.settings.items()}, int(settings.last_updated_date)

    # Locations --------------------------------------------------------------------------------------

    async def query_online_statuses(self, user_ids: Iterable[int]) -> dict[int, tuple[int, list[int]]]:
        """(user status, online device types) per user; offline users have status OFFLINE (1) and no devices."""
        n = await self.client.request(
            "query_user_online_statuses_request",
            request_user_pb2.QueryUserOnlineStatusesRequest(user_ids=list(user_ids)),
        )
        return {
            s.user_id: (int(s.user_status), [int(d) for d in s.device_types])
            for s in n.data.user_online_statuses.statuses
        }

    async def update_online_status(self, user_status: int, *, device_types: Iterable[int] = ()) -> None:
        """Set the user's status; OFFLINE (1) closes the sessions of ``device_types`` (all when empty)."""
        body = request_user_pb2.UpdateUserOnlineStatusRequest(
            user_status=to_enum(constant_pb2.UserStatus, user_status, strict=False)
        )
        body.device_types.extend(to_enum(constant_pb2.DeviceType, d, strict=False) for d in device_types)
        await self.client.request("update_user_online_status_request", body)

    async def update_location(self, latitude: float, longitude: float) -> None:
        await self.client.request(
            "update_user_location_request",
            request_user_pb2.UpdateUserLocationRequest(latitude=latitude, longitude=longitude),
        )

    async def query_nearby_users(
        self,
        latitude: float,
        longitude: float,
        *,
        max_count: int | None = None,
        max_distance: int | None = None,
        with_coordinates: bool = False,
        with_distance: bool = False,
        with_user_info: bool = False,
    ) -> list[Any]:
        """``NearbyUser`` messages, nearest first."""
        m = request_user_pb2.QueryNearbyUsersRequest(
            latitude=latitude,
            longitude=longitude,
            with_coordinates=with_coordinates,
            with_distance=with_distance,
            with_user_info=with_user_info,
        )
        if max_count is not None:
            m.max_count = max_count
        if max_distance is not None:
            m.max_distance = max_distance
        response = await self.client.request("query_nearby_users_request", m)
        return list(response.data.nearby_users.nearby_users)
