"""Settings of the cluster layer: how workers share what they know about each other's sessions."""

from __future__ import annotations

from turms.settings.registry import at_least, setting

SESSION_LOCATIONS_TTL_S = setting(
    "cluster.session_locations.ttl_s",
    float,
    10.0,
    "How long a worker keeps where a user's sessions are (or that the user is offline) for pushes, instead of "
    "reading the Redis registry for every push. Workers drop a user at once when a login or logout anywhere "
    "in the cluster announces a change; this TTL only bounds staleness from a missed announcement. 0 turns "
    "the cache off.",
    validator=at_least(0.0),
    live=True,
)
SESSION_LOCATIONS_MAX_USERS = setting(
    "cluster.session_locations.max_users",
    int,
    200_000,
    "At most this many users' session locations are cached per worker; the oldest are dropped first.",
    validator=at_least(0),
    live=True,
)
