"""The contract between the gateway and the domain services.

The gateway turns each client request into a :class:`ServiceRequest` and calls :meth:`Router.dispatch`;
a handler returns a :class:`Response` or raises :class:`~turms.errors.TurmsError`. Side effects on other
users go through the :class:`Notifier` (implemented by the cluster's routing bus).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode

log = logging.getLogger("turms.service")


@dataclass(slots=True, frozen=True)
class Requester:
    user_id: int
    device_type: int
    #: Cluster-unique id of the requesting session (used to exclude it from its own pushes).
    session_id: str
    ip: str = ""
    #: True for requests made by an admin through the admin API (system messages, on-behalf sends).
    is_admin: bool = False


@dataclass(slots=True)
class ServiceRequest:
    requester: Requester
    request_id: int
    #: The whole ``TurmsRequest`` (relayed as-is in pushes).
    request: Any
    #: The oneof field name, e.g. ``"create_message_request"``.
    kind: str
    now: datetime
    trace_id: str = ""

    @property
    def body(self) -> Any:
        """The request message of ``kind``."""
        return getattr(self.request, self.kind)


@dataclass(slots=True)
class Response:
    code: ResponseStatusCode = ResponseStatusCode.OK
    reason: str | None = None
    #: A ``TurmsNotification.Data`` message, or None.
    data: Any = None
    #: ``Value`` messages for ``TurmsNotification.custom_attributes`` (our tagged wire extensions, e.g. the
    #: sequence id of an acknowledged message; see docs/protocol.md).
    custom_attributes: tuple[Any, ...] = ()
    #: Work to do once the response is written, that the client need not wait for: the pushes of a sent
    #: message (a message is pushed after its ack). The gateway writes the response, then awaits this while
    #: the request still holds its in-flight slot (backpressure, drain). Only handlers asked to defer set it.
    after_sent: Callable[[], Awaitable[None]] | None = None


OK = Response()

Handler = Callable[[ServiceRequest], Awaitable[Response]]


class Notifier(Protocol):
    async def notify(
        self,
        user_ids: Iterable[int],
        notification: bytes,
        *,
        exclude_session: str | None = None,
        trace_id: str | None = None,
        broadcast: bool = False,
    ) -> None:
        """Push serialized ``TurmsNotification`` bytes to every online session of ``user_ids``.

        ``broadcast`` sends one message to every worker instead of looking up each recipient's sessions:
        cheaper for large audiences (see ``service.group.broadcast_threshold``-style settings).
        """
        ...


class ClusterEvents(Protocol):
    """Events every worker of the cluster receives (this one included), e.g. to drop cached data."""

    async def broadcast(self, kind: str, body: dict[str, Any]) -> None: ...

    def on_event(self, kind: str, handler: Callable[[dict[str, Any]], Awaitable[None]]) -> None: ...

    def on_lost(self, handler: Callable[[], None]) -> None:
        """Call ``handler`` whenever events may have been missed (e.g. a lost Redis subscription, now back)."""
        ...


class Presence(Protocol):
    async def statuses(self, user_ids: Iterable[int]) -> dict[int, tuple[int | None, list[int]]]:
        """(status or None when offline, online device types) per user."""
        ...


class Router:
    """Request kind → handler. Unknown kinds answer ``ILLEGAL_ARGUMENT``; disabled ones ``NOT_IMPLEMENTED``."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def register(self, kind: str, handler: Handler) -> None:
        if kind in self._handlers:
            raise ValueError(f"a handler for {kind} is registered already")
        self._handlers[kind] = handler

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._handlers)

    async def dispatch(self, request: ServiceRequest) -> Response:
        handler = self._handlers.get(request.kind)
        if handler is None:
            return Response(ResponseStatusCode.ILLEGAL_ARGUMENT, f"{request.kind} is not supported")
        try:
            return await handler(request)
        except TurmsError as e:
            return Response(e.code, e.reason)
