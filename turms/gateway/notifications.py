"""Serialized notifications the gateway builds itself (thin wrappers over :mod:`turms.protocol.requests`).

Serialization happens once; the bytes go to the transport as they are.
"""

from __future__ import annotations

from turms.errors import TurmsError
from turms.protocol import requests
from turms.protocol.status import ResponseStatusCode, SessionCloseStatus


def close_notification(status: SessionCloseStatus, reason: str | None = None) -> bytes:
    """The notification sent right before the server closes a connection."""
    return requests.close_notification(status, reason or None).SerializeToString()


def response(request_id: int, code: ResponseStatusCode, reason: str | None = None) -> bytes:
    """A response without data: ``request_id`` and a status ``code``."""
    return requests.response_notification(request_id, code, reason or None).SerializeToString()


def error_response(error: TurmsError, request_id: int | None = None, reason: str | None = None) -> bytes:
    """The answer to a failed request (see :func:`turms.protocol.requests.error_notification`)."""
    n = requests.error_notification(error, request_id)
    if reason is not None:
        n.reason = reason
    return n.SerializeToString()
