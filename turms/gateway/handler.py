"""The pluggable request handler: what the gateway calls for every request that passed its checks."""

from __future__ import annotations

from typing import Protocol

from turms.gateway.connection import ClientSession
from turms.gateway.notifications import response
from turms.protocol.pb.turms_request_pb2 import TurmsRequest
from turms.protocol.status import ResponseStatusCode


class RequestHandler(Protocol):
    """Handles one parsed ``TurmsRequest`` for ``session`` and returns the serialized response
    notification, or ``None`` when nothing is to be sent.

    The gateway has already answered heartbeats, checked framing, decoded and validated the envelope
    (:func:`turms.protocol.requests.parse_request`), and refused requests other than
    ``CreateSessionRequest`` from connections without a session. An exception becomes a
    ``SERVER_INTERNAL_ERROR`` response; it never closes the connection. A handler may write the response
    before it returns (:meth:`~turms.gateway.gateway.Gateway.answer`) and go on with work the client need not
    wait for; the gateway then sends nothing more for that request.
    """

    async def handle(self, session: ClientSession, request: TurmsRequest) -> bytes | None: ...


class UnavailableHandler:
    """The handler of a worker whose services are not built yet: every request, login included, is answered
    with ``SERVER_UNAVAILABLE`` so clients fail fast and retry later. A worker listens only once its services
    are installed, so clients normally never meet it; it keeps the gateway total during boot."""

    async def handle(self, session: ClientSession, request: TurmsRequest) -> bytes | None:
        return response(
            request.request_id,
            ResponseStatusCode.SERVER_UNAVAILABLE,
            "this server does not handle requests yet",
        )
