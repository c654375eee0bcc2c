"""The services' notifier with the ``handle_notification`` point in front: plugins see every push before it is
routed, and may rewrite it, narrow its recipients or drop it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from turms.plugins.api import Push
from turms.plugins.hooks import Hooks


class Notifier(Protocol):
    """:class:`turms.service.api.Notifier`, restated here (this package does not import the services)."""

    async def notify(
        self,
        user_ids: Iterable[int],
        notification: bytes,
        *,
        exclude_session: str | None = None,
        trace_id: str | None = None,
        broadcast: bool = False,
    ) -> None: ...


class PluginNotifier:
    def __init__(self, inner: Notifier, hooks: Hooks) -> None:
        self.inner = inner
        self.hooks = hooks

    async def notify(
        self,
        user_ids: Iterable[int],
        notification: bytes,
        *,
        exclude_session: str | None = None,
        trace_id: str | None = None,
        broadcast: bool = False,
    ) -> None:
        if self.hooks.notification_handlers:
            push = await self.hooks.handle_notification(Push(notification, frozenset(user_ids), trace_id))
            if push is None:
                return
            user_ids, notification = push.recipients, push.payload
        await self.inner.notify(
            user_ids, notification, exclude_session=exclude_session, trace_id=trace_id, broadcast=broadcast
        )
