"""The seam between transports and the gateway: a :class:`Connection` and its :class:`ClientSession`."""

from __future__ import annotations

from typing import Any, Protocol

#: WebSocket close codes (RFC 6455) used when the gateway closes a connection.
WS_NORMAL = 1000
WS_GOING_AWAY = 1001
WS_PROTOCOL_ERROR = 1002
WS_MESSAGE_TOO_BIG = 1009
WS_INTERNAL_ERROR = 1011


class Connection(Protocol):
    """One client connection as the gateway sees it; implemented by each transport.

    ``send`` takes a *payload* (a serialized ``TurmsNotification``, or ``b""`` for a heartbeat reply); the
    transport frames it (a varint32 prefix on TCP, one binary message on WebSocket) and may coalesce
    several payloads into one write. ``close`` flushes what was sent before it, then closes; the
    transport calls :meth:`turms.gateway.Gateway.connection_lost` once the connection is gone.
    """

    #: ``"tcp"`` or ``"ws"``.
    transport_name: str
    #: The peer address, for logs.
    remote: str

    def send(self, payload: bytes) -> bool:
        """Queue ``payload``; ``False`` if the connection is closing or was dropped as a slow consumer."""
        ...

    def close(self, ws_code: int = WS_NORMAL) -> None:
        """Flush queued payloads, then close (WebSocket: with ``ws_code``)."""
        ...

    def abort(self) -> None:
        """Close now, discarding anything queued."""
        ...

    def pause_reading(self) -> None:
        """Stop taking frames from the client until :meth:`resume_reading` (backpressure)."""
        ...

    def resume_reading(self) -> None: ...


class ClientSession:
    """Per-connection session state: timers, login state, requests in flight.

    Kept small (``__slots__``): a worker holds tens of thousands of them.
    """

    __slots__ = (
        "closing",
        "conn",
        "connected_at",
        "device_type",
        "entry",
        "id",
        "in_flight",
        "last_active",
        "reading_paused",
        "user_id",
    )

    def __init__(self, session_id: int, conn: Connection, now: float) -> None:
        self.id = session_id
        self.conn = conn
        self.connected_at = now
        self.last_active = now
        #: Set by login; ``None`` until the client has a session.
        self.user_id: int | None = None
        self.device_type: int | None = None
        #: The session's entry in the cluster registry (a ``turms.cluster.sessions.SessionEntry``).
        self.entry: Any = None
        #: Requests dispatched and not answered yet.
        self.in_flight = 0
        #: Reading stopped because ``in_flight`` reached ``gateway.client_api.max_in_flight_requests``.
        self.reading_paused = False
        #: The close status sent (or about to be) once the gateway decided to close; ``CONNECTION_CLOSED`` when
        #: the peer left first.
        self.closing: int | None = None

    @property
    def logged_in(self) -> bool:
        return self.user_id is not None

    def __repr__(self) -> str:
        return (
            f"<ClientSession {self.id} {self.conn.transport_name} {self.conn.remote}"
            f"{'' if self.user_id is None else f' user {self.user_id}'}>"
        )
