"""The user domain: profiles and their access strategy, user settings, versions for incremental sync,
locations and nearby users, and (for the admin API) the user lifecycle and user roles.

Modules: ``versions`` (``userVersion``), ``values`` (``Value`` ⇄ stored scalars), ``profiles``,
``user_settings``, ``location`` (the :class:`~turms.service.user.location.GeoIndex` port and its handlers),
``online_status`` (who is told of a status change; the status itself is the gateway's), ``users``
(create/update/delete/activate users, roles: what the admin API calls).

May import what ``turms.service`` may, plus ``turms.service.api``/``context``/``push``/``accounts`` and
``turms.service.relationship.relations`` (block checks), and, for a physical user deletion, the collection
names of ``turms.service.conversation`` and ``turms.service.relationship.friend_requests``. Handlers are
imported when the domain registers, so that this package and ``turms.service.relationship`` can use each
other's helpers without an import cycle.
"""

from __future__ import annotations

from turms.service.api import Router
from turms.service.context import Services


def register(router: Router, services: Services) -> None:
    from turms.service.user.location import Locations
    from turms.service.user.online_status import OnlineStatuses
    from turms.service.user.profiles import Profiles
    from turms.service.user.user_settings import UserSettings

    profiles, settings, locations = Profiles(services), UserSettings(services), Locations(services)
    statuses = OnlineStatuses(services)
    for kind, handler in {
        "query_user_profiles_request": profiles.query,
        "update_user_request": profiles.update,
        "update_user_settings_request": settings.update,
        "delete_user_settings_request": settings.delete,
        "query_user_settings_request": settings.query,
        "update_user_location_request": locations.update,
        "query_nearby_users_request": locations.nearby,
        # The gateway keeps the status (session registry) and dispatches here for the pushes.
        "update_user_online_status_request": statuses.updated,
    }.items():
        router.register(kind, handler)
