"""The client's exceptions: one root, :class:`TurmsClientError`, carrying a Turms status code and a reason.

Everything the SDK raises to the application for a failed operation is a :class:`TurmsClientError` (itself a
:class:`turms.errors.TurmsError`), so ``except TurmsClientError`` catches all of it and ``e.code`` says what
happened:

* :class:`ResponseError`: the server answered with a non-success code; ``code`` is that
  :class:`~turms.protocol.status.ResponseStatusCode`.
* :class:`ConnectionClosedError`: there is no connection (it was closed by the server, the network or the
  client, or it could not be opened); ``code`` is :attr:`ClientStatusCode.CLIENT_SESSION_HAS_BEEN_CLOSED`
  and ``close_status`` the server's :class:`~turms.protocol.status.SessionCloseStatus` when it sent one.
  Also a :class:`ConnectionError`.
* :class:`RequestTimeoutError`: no answer in time (:attr:`ClientStatusCode.REQUEST_TIMEOUT`); also a
  :class:`TimeoutError`.
* :class:`ConnectTimeoutError`: no connection in time (:attr:`ClientStatusCode.CONNECT_TIMEOUT`); also a
  :class:`TimeoutError`.

The close status is kept apart from ``code`` on purpose: close statuses (100-701) and Turms's client-only codes
(1-500) share numbers with different meanings, so one ``code`` field cannot hold both unambiguously. Turms's own
client SDKs do the same (a closed session fails pending requests with ``CLIENT_SESSION_HAS_BEEN_CLOSED`` and
report the close status separately).

Arguments the application gets wrong (a non-integer id, an unknown enum name) still raise ``ValueError`` /
``TypeError`` before anything is sent: those are programming errors, not outcomes of an operation.
"""

from __future__ import annotations

from enum import IntEnum

from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode, SessionCloseStatus


class ClientStatusCode(IntEnum):
    """Turms's client-only status codes: produced by a client SDK, never sent by a server.

    The numbers are those of Turms's client SDKs (``ResponseStatusCode`` in turms-client-kotlin / -js / -swift,
    "client unique status codes" in Turms's status code reference); this SDK uses the ones that apply to it.
    """

    _value_: int
    _meaning: str

    def __new__(cls, code: int, meaning: str = "") -> ClientStatusCode:
        member = int.__new__(cls, code)
        member._value_ = code
        member._meaning = meaning
        return member

    @property
    def meaning(self) -> str:
        """A short human-readable explanation, the default ``reason``."""
        return self._meaning

    CONNECT_TIMEOUT = 1, "No connection to the server within the time allowed."
    DATA_NOT_FOUND = 10, "The server's answer lacks data the client needs (e.g. a URL in upload information)."
    HTTP_ERROR = 90, "An HTTP request to a file store failed (no connection, or the connection broke)."
    HTTP_NOT_SUCCESSFUL_RESPONSE = 91, "A file store answered an HTTP request with a non-2xx status."
    INVALID_REQUEST = 100, "The client refused to send an invalid request."
    CLIENT_REQUESTS_TOO_FREQUENT = 101, "The client refused to send requests this fast."
    REQUEST_TIMEOUT = 102, "No response (or notification) within the time allowed."
    ILLEGAL_ARGUMENT = 103, "A request argument has an unacceptable value."
    INVALID_NOTIFICATION = 200, "The server sent a notification the client cannot read."
    INVALID_RESPONSE = 201, "The server sent a response the client cannot read."
    CLIENT_SESSION_ALREADY_ESTABLISHED = 300, "This client already has a session."
    CLIENT_SESSION_HAS_BEEN_CLOSED = 301, "There is no connection to the server (closed, lost or never opened)."
    MESSAGE_IS_REJECTED = 400, "The client could not queue the message for sending."


class TurmsClientError(TurmsError):
    """The root of everything the SDK raises for a failed operation: a status ``code`` and a ``reason``.

    ``code`` is a server :class:`ResponseStatusCode` (:class:`ResponseError`) or a :class:`ClientStatusCode`
    (failures the client detects itself). Both are ``IntEnum`` members with ``.name`` and ``.meaning``.
    """

    # Wider than TurmsError's ResponseStatusCode: client-only codes are not server response codes. Every member
    # of either enum is an int with ``name`` and ``meaning``, which is what code handling a TurmsError uses.
    code: ResponseStatusCode | ClientStatusCode  # type: ignore[assignment]

    def __init__(self, code: ResponseStatusCode | ClientStatusCode, reason: str | None = None) -> None:
        super().__init__(code, reason)  # type: ignore[arg-type]


class ResponseError(TurmsClientError):
    """The server answered a request with a non-success status code."""

    def __init__(self, code: int, reason: str | None = None) -> None:
        status = ResponseStatusCode.from_code(code)
        super().__init__(status if status is not None else ResponseStatusCode.SERVER_INTERNAL_ERROR, reason)
        #: The code exactly as received (even one this client does not know).
        self.raw_code = code


class ConnectionClosedError(TurmsClientError, ConnectionError):
    """There is no connection: closed by the server, lost, closed by the client, or never opened.

    ``code`` is :attr:`ClientStatusCode.CLIENT_SESSION_HAS_BEEN_CLOSED`; ``close_status`` is the
    :class:`SessionCloseStatus` the server closed the session with (None when it sent none: a network drop, a
    killed server, ``close()``); ``reason`` the server's close reason if it gave one, else what happened.
    """

    def __init__(self, message: str, *, close_status: int | None = None, reason: str | None = None) -> None:
        detail = message if close_status is None else f"{message} (close status {_close_name(close_status)})"
        if reason:
            detail = f"{detail}: {reason}"
        super().__init__(ClientStatusCode.CLIENT_SESSION_HAS_BEEN_CLOSED, detail)
        self.close_status = close_status
        #: The server's close reason, if any (``reason`` is the whole description).
        self.close_reason = reason


class RequestTimeoutError(TurmsClientError, TimeoutError):
    """No response (or awaited notification) arrived in time: :attr:`ClientStatusCode.REQUEST_TIMEOUT`."""

    def __init__(self, reason: str) -> None:
        super().__init__(ClientStatusCode.REQUEST_TIMEOUT, reason)


class ConnectTimeoutError(TurmsClientError, TimeoutError):
    """No connection was established in time: :attr:`ClientStatusCode.CONNECT_TIMEOUT`."""

    def __init__(self, reason: str) -> None:
        super().__init__(ClientStatusCode.CONNECT_TIMEOUT, reason)


def _close_name(close_status: int) -> str:
    try:
        return f"{close_status} {SessionCloseStatus(close_status).name}"
    except ValueError:
        return str(close_status)
