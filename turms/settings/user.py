"""Settings of the user domain: profiles, user settings, lifecycle, locations (nearby users), and which
audiences are notified of user events (Turms's ``service.user.*``, ``turms.location.*`` and
``service.notification.user-*`` defaults).
"""

from __future__ import annotations

from typing import Any

from turms.settings.registry import at_least, between, list_setting, setting

DELETE_USER_LOGICALLY = setting(
    "service.user.delete_user_logically",
    bool,
    True,
    "Delete users by setting their deletion date (they can no longer log in and their profiles disappear) "
    "instead of removing the user and everything they own.",
    live=True,
)
ACTIVATE_USER_WHEN_ADDED = setting(
    "service.user.activate_user_when_added",
    bool,
    True,
    "Whether a user created without an explicit `active` flag may log in at once.",
    live=True,
)
REGISTRATION_ENABLED = setting(
    "service.user.registration.enabled",
    bool,
    False,
    "Accept `POST /users/registrations` on the admin API: the app backend registers its users (with an admin "
    "account of its own holding USER_CREATE) under the same checks as `POST /users`, but without choosing a "
    "role or the active flag. Off: the route answers 403 (code 1300) and users are created by `POST /users` only.",
    live=True,
)
MAX_NAME_LENGTH = setting(
    "service.user.info.max_name_length",
    int,
    20,
    "Longest user name accepted, in characters.",
    validator=between(1, 10_000),
    live=True,
)
MAX_INTRO_LENGTH = setting(
    "service.user.info.max_intro_length",
    int,
    100,
    "Longest user intro accepted, in characters.",
    validator=between(1, 100_000),
    live=True,
)
MAX_PROFILE_PICTURE_LENGTH = setting(
    "service.user.info.max_profile_picture_length",
    int,
    100,
    "Longest profile picture (a URL or a resource key) accepted, in characters.",
    validator=between(1, 100_000),
    live=True,
)
MIN_PASSWORD_LENGTH = setting(
    "service.user.info.min_password_length",
    int,
    0,
    "Shortest password a user may set with UpdateUserRequest, in characters.",
    validator=between(0, 1024),
    live=True,
)
MAX_PASSWORD_LENGTH = setting(
    "service.user.info.max_password_length",
    int,
    16,
    "Longest password a user may set with UpdateUserRequest, in characters (Turms's default).",
    validator=between(1, 1024),
    live=True,
)


def _attribute_names(names: Any) -> str | None:
    for name in names:
        if not name or "." in str(name) or str(name).startswith("$"):
            return f"{name!r}: attribute names are non-empty, have no `.` and do not start with `$`"
    return None


USER_DEFINED_ATTRIBUTES = list_setting(
    "service.user.info.user_defined_attributes",
    str,
    [],
    "Names of the user-defined profile attributes a user may set with UpdateUserRequest "
    "(`user_defined_attributes`). Any other name is refused with ILLEGAL_ARGUMENT.",
    validator=_attribute_names,
    live=True,
)
MAX_QUERIED_PROFILES = setting(
    "service.user.profile.max_queried_profiles",
    int,
    100,
    "Most user ids one QueryUserProfilesRequest may name (REQUESTED_RECORDS_TOO_MANY above), and the largest "
    "`limit` of a search by name.",
    validator=between(1, 10_000),
    live=True,
)
#: The value types a user setting may declare (``Value`` fields without the ``_value`` suffix).
SETTING_TYPES = ("bool", "int32", "int64", "float", "double", "string", "bytes")
_SETTING_FLAGS = ("immutable", "undeletable")


def _setting_specs(specs: Any) -> str | None:
    for spec in specs:
        parts = str(spec).split(":")
        name = parts[0]
        if len(parts) < 2 or not name or "." in name or name.startswith("$"):
            return f"{spec!r} is not `name:type` (names have no `.` and do not start with `$`)"
        if parts[1] not in SETTING_TYPES:
            return f"{spec!r}: the type must be one of {', '.join(SETTING_TYPES)}"
        if any(flag not in _SETTING_FLAGS for flag in parts[2:]):
            return f"{spec!r}: flags may only be {', '.join(_SETTING_FLAGS)}"
    return None


ALLOWED_SETTINGS = list_setting(
    "service.user.settings.allowed",
    str,
    [],
    "The user settings clients may store, each `name:type` with type one of `bool`, `int32`, `int64`, "
    "`float`, `double`, `string`, `bytes`, optionally followed by `:immutable` (cannot change once set) and/or "
    "`:undeletable`. Example: `theme:string`.",
    validator=_setting_specs,
    live=True,
)
IGNORE_UNKNOWN_SETTINGS_ON_UPSERT = setting(
    "service.user.settings.ignore_unknown_settings_on_upsert",
    bool,
    False,
    "Silently drop settings that `service.user.settings.allowed` does not name, instead of refusing the "
    "request with ILLEGAL_ARGUMENT.",
    live=True,
)
IGNORE_UNKNOWN_SETTINGS_ON_DELETE = setting(
    "service.user.settings.ignore_unknown_settings_on_delete",
    bool,
    False,
    "Silently ignore unknown setting names in DeleteUserSettingsRequest instead of refusing it.",
    live=True,
)

# -- locations ---------------------------------------------------------------------------------------------

LOCATION_ENABLED = setting(
    "service.location.enabled",
    bool,
    True,
    "Handle UpdateUserLocationRequest and QueryNearbyUsersRequest; when off they answer "
    "USER_LOCATION_RELATED_FEATURES_ARE_DISABLED (2200).",
    live=True,
)
LOCATION_PER_DEVICE = setting(
    "service.location.treat_user_id_and_device_type_as_unique_user",
    bool,
    False,
    "Keep one location per (user, device type) instead of one per user.",
)
LOCATION_TTL_S = setting(
    "service.location.ttl_s",
    int,
    3600,
    "A location not updated for this long is no longer reported, and is removed from Redis. Only online "
    "users are reported in any case.",
    validator=at_least(1),
    live=True,
)
NEARBY_DEFAULT_MAX_COUNT = setting(
    "service.location.nearby_user_request.default_max_nearby_user_count",
    int,
    20,
    "How many nearby users a request without `max_count` gets at most.",
    validator=between(1, 10_000),
    live=True,
)
NEARBY_MAX_COUNT = setting(
    "service.location.nearby_user_request.max_nearby_user_count",
    int,
    100,
    "The largest `max_count` honoured; larger requests are capped.",
    validator=between(1, 10_000),
    live=True,
)
NEARBY_DEFAULT_MAX_DISTANCE_M = setting(
    "service.location.nearby_user_request.default_max_distance_m",
    int,
    10_000,
    "The search radius of a request without `max_distance`, in meters.",
    validator=between(1, 20_000_000),
    live=True,
)
NEARBY_MAX_DISTANCE_M = setting(
    "service.location.nearby_user_request.max_distance_m",
    int,
    10_000,
    "The largest `max_distance` honoured, in meters; larger requests are capped.",
    validator=between(1, 20_000_000),
    live=True,
)

# -- notifications (Turms's service.notification.* defaults) -------------------------------------------------

_N = "service.notification."

USER_INFO_UPDATED_NOTIFY_OWN_SESSIONS = setting(
    _N + "user_info_updated.notify_requester_other_online_sessions",
    bool,
    True,
    "Tell the user's other online devices that they changed their profile.",
    live=True,
)
USER_INFO_UPDATED_NOTIFY_RELATED_USERS = setting(
    _N + "user_info_updated.notify_non_blocked_related_users",
    bool,
    False,
    "Tell the users the updater has a non-blocked relationship with that the profile changed.",
    live=True,
)
USER_SETTING_UPDATED_NOTIFY_OWN_SESSIONS = setting(
    _N + "user_setting_updated.notify_requester_other_online_sessions",
    bool,
    True,
    "Tell the user's other online devices that they changed their settings.",
    live=True,
)
USER_SETTING_DELETED_NOTIFY_OWN_SESSIONS = setting(
    _N + "user_setting_deleted.notify_requester_other_online_sessions",
    bool,
    True,
    "Tell the user's other online devices that they deleted settings.",
    live=True,
)
USER_ONLINE_STATUS_UPDATED_NOTIFY_OWN_SESSIONS = setting(
    _N + "user_online_status_updated.notify_requester_other_online_sessions",
    bool,
    True,
    "Tell the user's other online devices that they changed their online status (UpdateUserOnlineStatusRequest).",
    live=True,
)
USER_ONLINE_STATUS_UPDATED_NOTIFY_RELATED_USERS = setting(
    _N + "user_online_status_updated.notify_non_blocked_related_users",
    bool,
    False,
    "Tell the users the requester has a non-blocked relationship with that their online status changed.",
    live=True,
)
