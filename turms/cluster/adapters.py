"""The services' Notifier and Presence (``turms.service.api``) over the routing bus and the session registry.

Used by the worker's components and by the admin API (which sends messages through the same services).
"""

from __future__ import annotations

from typing import Any

from turms.cluster.bus import RoutingBus
from turms.cluster.sessions import SessionRegistry


class BusNotifier:
    """The services' :class:`~turms.service.api.Notifier`, over the routing bus."""

    def __init__(self, bus: RoutingBus) -> None:
        self.bus = bus

    async def notify(
        self,
        user_ids: Any,
        notification: bytes,
        *,
        exclude_session: str | None = None,
        trace_id: str | None = None,
        broadcast: bool = False,
    ) -> None:
        if broadcast:
            await self.bus.deliver_broadcast(user_ids, notification, exclude_session=exclude_session, trace_id=trace_id)
        else:
            await self.bus.deliver(user_ids, notification, exclude_session=exclude_session, trace_id=trace_id)


class RegistryPresence:
    """The services' :class:`~turms.service.api.Presence`, over the session registry."""

    def __init__(self, registry: SessionRegistry) -> None:
        self.registry = registry

    async def statuses(self, user_ids: Any) -> dict[int, tuple[int | None, list[int]]]:
        raw = await self.registry.status_of(user_ids)
        return {uid: (status, [int(e.device) for e in entries]) for uid, (status, entries) in raw.items()}
