"""The one error root of turms-server.

Every failure a client can be told about is a :class:`TurmsError` carrying a Turms
:class:`~turms.protocol.status.ResponseStatusCode` and an optional human-readable reason. Handlers raise it;
the gateway turns it into a response notification. :class:`ProtocolError` is the exception for bytes that
break the framing or encoding: no response is possible, the connection is closed with ``close_status``.

Imports only :mod:`turms.protocol.status`, so any layer may import this module.
"""

from __future__ import annotations

from turms.protocol.status import ResponseStatusCode, SessionCloseStatus

__all__ = [
    "RETRYABLE_CODES",
    "ProtocolError",
    "RequestError",
    "TurmsError",
    "is_retryable",
]


class TurmsError(Exception):
    """A failure with a protocol status code.

    ``reason`` is shown to the client (except for server errors, where the gateway may hide it); it must not
    contain secrets. When omitted, ``str(error)`` falls back to the code's meaning.
    """

    code: ResponseStatusCode
    reason: str | None

    def __init__(self, code: ResponseStatusCode, reason: str | None = None) -> None:
        super().__init__(reason if reason is not None else code.meaning)
        self.code = code
        self.reason = reason

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code.name}, {self.reason!r})"


class RequestError(TurmsError):
    """A request that cannot be processed as sent: undecodable, without a valid id, or of no known kind.

    ``request_id`` is what the response must echo: the request's own id when it could be read, else
    :data:`turms.protocol.requests.UNRECOGNIZED_REQUEST_ID` (-1), as Turms does.
    """

    request_id: int

    def __init__(
        self,
        reason: str,
        request_id: int = -1,
        code: ResponseStatusCode = ResponseStatusCode.INVALID_REQUEST,
    ) -> None:
        super().__init__(code, reason)
        self.request_id = request_id


class ProtocolError(TurmsError):
    """The byte stream violates the protocol (framing, encoding, message type); the connection must close.

    ``close_status`` is the :class:`SessionCloseStatus` to send before closing.
    """

    close_status: SessionCloseStatus

    def __init__(
        self,
        reason: str,
        close_status: SessionCloseStatus = SessionCloseStatus.ILLEGAL_REQUEST,
        code: ResponseStatusCode = ResponseStatusCode.INVALID_REQUEST,
    ) -> None:
        super().__init__(code, reason)
        self.close_status = close_status


#: Codes after which the same request may succeed if sent again later, unchanged: the server or a dependency
#: was unavailable or failed, or the client was rate limited (back off first). Every other code is final for
#: that request: it is wrong, forbidden, or already done (success codes). Clients and internal callers (RPC
#: failover, the bundled client) use this to decide whether to retry; retrying a write is only safe with an
#: idempotency key (see docs/protocol.md).
RETRYABLE_CODES: tuple[ResponseStatusCode, ...] = (
    ResponseStatusCode.CLIENT_REQUESTS_TOO_FREQUENT,
    ResponseStatusCode.SERVER_INTERNAL_ERROR,
    ResponseStatusCode.SERVER_UNAVAILABLE,
)


def is_retryable(code: int) -> bool:
    """Whether ``code`` (a member or a raw number) is in :data:`RETRYABLE_CODES`."""
    return code in RETRYABLE_CODES
