"""Request validation and notification building (sans-IO: bytes in, messages and bytes out).

What Turms does, and so do we:

* A payload that is not a ``TurmsRequest`` is answered (the connection stays open) with code
  ``INVALID_REQUEST`` and ``request_id`` :data:`UNRECOGNIZED_REQUEST_ID`.
* ``request_id`` must be > 0, else ``INVALID_REQUEST`` echoing the id.
* The ``kind`` oneof must be set to a kind this protocol knows, else ``INVALID_REQUEST`` (Turms answers with
  id -1 here; we echo the request's id when it is valid, which Turms clients handle the same way).
* A failed heartbeat is answered with ``request_id`` :data:`HEARTBEAT_FAILURE_REQUEST_ID`.

The kind table is derived from the generated descriptor, so it always matches ``turms_request.proto``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeVar, cast

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import DecodeError, Message

from turms.errors import RequestError, TurmsError
from turms.protocol.pb.turms_notification_pb2 import TurmsNotification
from turms.protocol.pb.turms_request_pb2 import TurmsRequest
from turms.protocol.status import ResponseStatusCode, SessionCloseStatus

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "HEARTBEAT_FAILURE_REQUEST_ID",
    "KINDS",
    "KINDS_BY_NUMBER",
    "LOGIN_PROTOCOL_VERSION",
    "UNRECOGNIZED_REQUEST_ID",
    "RequestKind",
    "close_notification",
    "decode_request",
    "error_notification",
    "kind_of",
    "parse_request",
    "response_notification",
    "to_enum",
    "validate_request",
]

#: ``request_id`` of the answer to a payload whose request id could not be read.
UNRECOGNIZED_REQUEST_ID = -1
#: ``request_id`` of the answer to a heartbeat that could not be honoured.
HEARTBEAT_FAILURE_REQUEST_ID = -100
#: The only ``CreateSessionRequest.version`` accepted.
LOGIN_PROTOCOL_VERSION = 1


@dataclass(frozen=True, slots=True)
class RequestKind:
    """One member of the ``TurmsRequest.kind`` oneof."""

    name: str
    """The oneof field name, e.g. ``create_message_request`` (what ``WhichOneof('kind')`` returns)."""
    number: int
    """The field number on the wire."""
    message_class: type[Message]
    """The generated class of the request message, e.g. ``CreateMessageRequest``."""


def _build_kinds() -> dict[str, RequestKind]:
    kinds: list[RequestKind] = []
    empty = TurmsRequest()
    for field in TurmsRequest.DESCRIPTOR.oneofs_by_name["kind"].fields:
        # Reading an unset sub-message field yields a default instance of its generated class.
        sample = getattr(empty, field.name)
        assert isinstance(sample, Message), field.name
        kinds.append(RequestKind(field.name, field.number, type(sample)))
    kinds.sort(key=lambda k: k.number)
    return {k.name: k for k in kinds}


#: Every request kind by oneof field name, in field-number order.
KINDS: Mapping[str, RequestKind] = MappingProxyType(_build_kinds())
#: Every request kind by field number.
KINDS_BY_NUMBER: Mapping[int, RequestKind] = MappingProxyType({k.number: k for k in KINDS.values()})


def decode_request(payload: bytes) -> TurmsRequest:
    """Decode one frame's payload. Raises :class:`RequestError` (``INVALID_REQUEST``, id -1) if it is not
    a well-formed ``TurmsRequest``. Does not validate; see :func:`validate_request`."""
    request = TurmsRequest()
    try:
        request.ParseFromString(payload)
    except DecodeError as e:
        raise RequestError(f"not a valid request: {e}", UNRECOGNIZED_REQUEST_ID) from None
    return request


def validate_request(request: TurmsRequest) -> str:
    """Check the envelope and return the kind name. Raises :class:`RequestError` (``INVALID_REQUEST``).

    Unlike Turms, a request of an unknown kind that does carry a valid id gets that id back (Turms answers
    -1), so the client can fail the pending request at once instead of waiting for its timeout.
    """
    if not request.HasField("request_id"):
        raise RequestError("not a valid request: no request id", UNRECOGNIZED_REQUEST_ID)
    request_id = request.request_id
    if request_id <= 0:
        raise RequestError("the request id must be greater than 0", request_id)
    kind: str | None = request.WhichOneof("kind")
    if kind is None:
        # Either no kind at all, or a field number this protocol version does not define.
        raise RequestError("not a valid request: unknown or missing request kind", request_id)
    return kind


def parse_request(payload: bytes) -> tuple[TurmsRequest, str]:
    """:func:`decode_request` then :func:`validate_request`: the request and its kind name."""
    request = decode_request(payload)
    return request, validate_request(request)


def kind_of(request: TurmsRequest) -> RequestKind | None:
    """The :class:`RequestKind` of ``request``, or None if no kind is set."""
    name: str | None = request.WhichOneof("kind")
    return None if name is None else KINDS[name]


_E = TypeVar("_E", bound=int)


def to_enum(enum: type[_E], value: int, *, strict: bool = True) -> _E:
    """``value`` typed as the generated protobuf enum ``enum`` (e.g. ``to_enum(DeviceType, 3)``).

    The generated stubs declare enum fields with fake int subclasses that cannot be instantiated at runtime,
    so a plain ``int`` (from storage, settings, ...) needs this to be assigned to an enum field under
    ``mypy --strict``. With ``strict`` a number the enum does not define raises ``ValueError``; proto3 enums
    are open, so pass ``strict=False`` to forward unknown numbers unchanged.
    """
    if strict:
        cast("EnumTypeWrapper", enum).Name(value)  # raises ValueError for an undefined number
    return cast("_E", value)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def response_notification(
    request_id: int,
    code: ResponseStatusCode,
    reason: str | None = None,
    data: TurmsNotification.Data | None = None,
    *,
    timestamp_ms: int | None = None,
) -> TurmsNotification:
    """The answer to a request: ``timestamp``, ``request_id``, ``code``; ``reason`` and ``data`` if given."""
    notification = TurmsNotification(
        timestamp=_now_ms() if timestamp_ms is None else timestamp_ms,
        request_id=request_id,
        code=int(code),
    )
    if reason is not None:
        notification.reason = reason
    if data is not None:
        notification.data.CopyFrom(data)
    return notification


def error_notification(
    error: TurmsError,
    request_id: int | None = None,
    *,
    hide_server_reason: bool = True,
    timestamp_ms: int | None = None,
) -> TurmsNotification:
    """The answer for a failed request. ``request_id`` defaults to the error's own (for a
    :class:`RequestError`) or :data:`UNRECOGNIZED_REQUEST_ID`. The reason of a server error (12xx) is left
    out unless ``hide_server_reason`` is False, so internals do not leak to clients."""
    if request_id is None:
        request_id = error.request_id if isinstance(error, RequestError) else UNRECOGNIZED_REQUEST_ID
    reason = error.reason
    if hide_server_reason and error.code.is_server_error:
        reason = None
    return response_notification(request_id, error.code, reason, timestamp_ms=timestamp_ms)


def close_notification(
    close_status: SessionCloseStatus,
    reason: str | None = None,
    code: ResponseStatusCode | None = None,
    *,
    timestamp_ms: int | None = None,
) -> TurmsNotification:
    """The last notification before the server closes: ``timestamp``, ``close_status``, and optionally the
    ``code`` that led to it and a ``reason``."""
    notification = TurmsNotification(
        timestamp=_now_ms() if timestamp_ms is None else timestamp_ms,
        close_status=int(close_status),
    )
    if code is not None:
        notification.code = int(code)
    if reason is not None:
        notification.reason = reason
    return notification
