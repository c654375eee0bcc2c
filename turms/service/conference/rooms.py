"""The conference provider as the meeting domain sees it: the plugin that serves the conference point, each call
guarded.

Turms delegates the media side of a meeting to a ``ConferenceServiceProvider`` plugin (its reference one drives
LiveKit) and keeps the meeting itself (who, when, password, cancellation) in its own database; so do we. The
provider is an extension point (:data:`turms.plugins.points.CONFERENCE`, the protocol
:class:`turms.plugins.api.ConferenceProvider`): :func:`rooms_of` asks the worker's plugin hooks, at each request,
for the first enabled plugin that implements it (the in-box ``livekit`` plugin, or a third-party one), so enabling
or disabling a plugin (``plugins.enabled``, ``PUT /plugins``) takes effect at the next request. With none, the
requests that need one are answered CONFERENCE_NOT_IMPLEMENTED (8000), as Turms does without a conference plugin.

Every call runs within ``plugins.budget.conference_ms``; one that raises, overruns or answers the wrong type is
logged and counted by the plugin guard and raises :class:`~turms.plugins.api.ProviderError` here, which the domain
turns into SERVER_UNAVAILABLE (1201) after undoing what the request had changed.
"""

from __future__ import annotations

from typing import Any

from turms.errors import TurmsError
from turms.plugins.api import JoinGrant, ProviderError, RoomSpec
from turms.plugins.guard import FAILED, Impl
from turms.plugins.hooks import Hooks
from turms.plugins.points import CONFERENCE
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.context import Services

NONE = type(None)


class Rooms:
    """One request's conference provider: the plugin that served it when the request began."""

    def __init__(self, hooks: Hooks, impl: Impl) -> None:
        self._hooks = hooks
        self._impl = impl

    async def _serve(self, operation: str, *args: Any, expect: tuple[type, ...]) -> Any:
        result = await self._hooks.serve(self._impl, operation, *args, expect=expect)
        if result is FAILED:
            raise ProviderError(f"the conference provider {self._impl.plugin} failed to {operation}")
        return result

    async def create_room(self, room: RoomSpec) -> None:
        await self._serve("create_room", room, expect=(NONE,))

    async def room_exists(self, meeting_id: int) -> bool:
        exists: bool = await self._serve("room_exists", meeting_id, expect=(bool,))
        return exists

    async def delete_room(self, meeting_id: int) -> None:
        await self._serve("delete_room", meeting_id, expect=(NONE,))

    async def grant(self, meeting_id: int, user_id: int) -> JoinGrant:
        grant: JoinGrant = await self._serve("grant", meeting_id, user_id, expect=(JoinGrant,))
        return grant


def rooms_of(services: Services) -> Rooms:
    """The provider serving this request, or CONFERENCE_NOT_IMPLEMENTED when no enabled plugin implements it."""
    impl = services.plugins.provider(CONFERENCE)
    if impl is None:
        raise TurmsError(Code.CONFERENCE_NOT_IMPLEMENTED)
    return Rooms(services.plugins, impl)
