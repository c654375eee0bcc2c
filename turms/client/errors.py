"""The client's exceptions: one type for refused requests, one for a connection that is gone."""

from __future__ import annotations

from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode


class ResponseError(TurmsError):
    """The server answered a request with a non-success status code."""

    def __init__(self, code: int, reason: str | None = None) -> None:
        try:
            status = ResponseStatusCode(code)
        except ValueError:
            status = ResponseStatusCode.SERVER_INTERNAL_ERROR
        super().__init__(status, reason)
        #: The code exactly as received (even one this client does not know).
        self.raw_code = code


class ConnectionClosedError(ConnectionError):
    """The connection is closed (by the server, the network or the client); ``close_status`` says why."""

    def __init__(self, message: str, *, close_status: int | None = None, reason: str | None = None) -> None:
        super().__init__(message if close_status is None else f"{message} (close status {close_status})")
        self.close_status = close_status
        self.reason = reason
