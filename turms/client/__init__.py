"""The Python asyncio client SDK for Turms-protocol servers (ours, or Turms itself).

Needs only protobuf (and aiohttp for WebSocket); never imports the server's packages beyond the shared
protocol layer (``turms.protocol``, ``turms.errors``).
"""

from __future__ import annotations

from turms.client.client import TurmsClient
from turms.client.errors import (
    ClientStatusCode,
    ConnectionClosedError,
    ConnectTimeoutError,
    RequestTimeoutError,
    ResponseError,
    TurmsClientError,
)

__all__ = [
    "ClientStatusCode",
    "ConnectTimeoutError",
    "ConnectionClosedError",
    "RequestTimeoutError",
    "ResponseError",
    "TurmsClient",
    "TurmsClientError",
]
