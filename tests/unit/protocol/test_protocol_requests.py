"""Request validation and notification builders of turms.protocol.requests."""

from __future__ import annotations

import pytest

from turms.errors import RequestError, TurmsError
from turms.protocol.pb.constant_pb2 import DeviceType, UserStatus
from turms.protocol.pb.model_user_pb2 import UserSession
from turms.protocol.pb.request_session_pb2 import CreateSessionRequest, DeleteSessionRequest
from turms.protocol.pb.turms_notification_pb2 import TurmsNotification
from turms.protocol.pb.turms_request_pb2 import TurmsRequest
from turms.protocol.requests import (
    HEARTBEAT_FAILURE_REQUEST_ID,
    KINDS,
    LOGIN_PROTOCOL_VERSION,
    UNRECOGNIZED_REQUEST_ID,
    close_notification,
    decode_request,
    error_notification,
    kind_of,
    parse_request,
    response_notification,
    to_enum,
    validate_request,
)
from turms.protocol.status import ResponseStatusCode, SessionCloseStatus

# TurmsRequest{request_id=5, delete_session_request{}}: 08 05, field 4 len 0: tag 4<<3|2 = 0x22, 00.
DELETE_SESSION = bytes.fromhex("0805 2200")


def test_constants() -> None:
    assert UNRECOGNIZED_REQUEST_ID == -1
    assert HEARTBEAT_FAILURE_REQUEST_ID == -100
    assert LOGIN_PROTOCOL_VERSION == 1


def test_parse_valid_request() -> None:
    request, kind = parse_request(DELETE_SESSION)
    assert kind == "delete_session_request"
    assert request.request_id == 5
    found = kind_of(request)
    assert found is not None
    assert found.number == 4
    assert found.message_class is DeleteSessionRequest


@pytest.mark.parametrize(
    "payload",
    [
        bytes.fromhex("08"),  # varint cut off
        bytes.fromhex("0805 1A05 0801"),  # length 5 but only 2 bytes follow
        bytes.fromhex("FFFFFFFFFFFFFFFFFFFF01"),  # tag varint longer than 10 bytes
        bytes.fromhex("0F"),  # wire type 7 does not exist
        bytes.fromhex("00"),  # field number 0 is invalid
        bytes.fromhex("0805 1A02 0F00"),  # a kind whose body is malformed
    ],
)
def test_undecodable_payload_is_invalid_request_with_id_minus_one(payload: bytes) -> None:
    with pytest.raises(RequestError) as info:
        decode_request(payload)
    assert info.value.code is ResponseStatusCode.INVALID_REQUEST
    assert info.value.request_id == UNRECOGNIZED_REQUEST_ID
    assert isinstance(info.value, TurmsError)


def test_missing_request_id() -> None:
    with pytest.raises(RequestError) as info:
        parse_request(bytes.fromhex("2200"))
    assert info.value.request_id == -1
    assert info.value.code is ResponseStatusCode.INVALID_REQUEST


@pytest.mark.parametrize("request_id", [0, -1, -100, -(2**63)])
def test_non_positive_request_id_is_echoed(request_id: int) -> None:
    request = TurmsRequest(request_id=request_id, delete_session_request=DeleteSessionRequest())
    with pytest.raises(RequestError) as info:
        validate_request(request)
    assert info.value.request_id == request_id
    assert info.value.code is ResponseStatusCode.INVALID_REQUEST


def test_missing_kind() -> None:
    with pytest.raises(RequestError) as info:
        parse_request(bytes.fromhex("0809"))
    assert info.value.request_id == 9


def test_unknown_kind_number() -> None:
    # Field 1300 (not a kind), length-delimited and empty:
    # tag 1300<<3|2 = 10402 = 81*128 + 34 -> A2 (34|0x80) 51 (81), then length 00.
    request = decode_request(bytes.fromhex("0809 A25100"))
    assert request.WhichOneof("kind") is None
    assert kind_of(request) is None
    with pytest.raises(RequestError) as info:
        validate_request(request)
    assert info.value.request_id == 9


def test_response_notification() -> None:
    data = TurmsNotification.Data(user_session=UserSession(session_id="1", server_id="n"))
    n = response_notification(3, ResponseStatusCode.OK, data=data, timestamp_ms=77)
    assert (n.timestamp, n.request_id, n.code) == (77, 3, 1000)
    assert not n.HasField("reason")
    assert not n.HasField("close_status")
    assert n.data.user_session.server_id == "n"

    n = response_notification(4, ResponseStatusCode.ILLEGAL_ARGUMENT, "bad")
    assert (n.request_id, n.code, n.reason) == (4, 1102, "bad")
    assert not n.HasField("data")
    assert n.timestamp > 1_600_000_000_000


def test_error_notification() -> None:
    n = error_notification(RequestError("garbage"), timestamp_ms=1)
    assert (n.request_id, n.code, n.reason) == (-1, 1100, "garbage")

    n = error_notification(TurmsError(ResponseStatusCode.NOT_SENDER_TO_RECALL_MESSAGE, "nope"), 8)
    assert (n.request_id, n.code, n.reason) == (8, 5202, "nope")

    internal = TurmsError(ResponseStatusCode.SERVER_INTERNAL_ERROR, "db password wrong")
    assert not error_notification(internal, 8).HasField("reason")
    assert error_notification(internal, 8, hide_server_reason=False).reason == "db password wrong"


def test_close_notification() -> None:
    n = close_notification(SessionCloseStatus.HEARTBEAT_TIMEOUT, timestamp_ms=5)
    assert (n.timestamp, n.close_status) == (5, 110)
    assert not n.HasField("code")
    assert not n.HasField("reason")
    assert not n.HasField("request_id")

    n = close_notification(
        SessionCloseStatus.DISCONNECTED_BY_OTHER_DEVICE,
        "replaced",
        ResponseStatusCode.SESSION_SIMULTANEOUS_CONFLICTS_OFFLINE,
    )
    assert (n.close_status, n.code, n.reason) == (501, 2102, "replaced")


def test_round_trip_every_kind() -> None:
    for number, kind in enumerate(KINDS.values(), start=1):
        request = TurmsRequest(request_id=number)
        getattr(request, kind.name).CopyFrom(kind.message_class())
        decoded, name = parse_request(request.SerializeToString())
        assert name == kind.name
        assert decoded == request


def test_login_request_round_trip() -> None:
    request = TurmsRequest(
        request_id=1,
        create_session_request=CreateSessionRequest(version=LOGIN_PROTOCOL_VERSION, user_id=1, password="p"),
    )
    decoded, kind = parse_request(request.SerializeToString())
    assert kind == "create_session_request"
    assert decoded.create_session_request.version == 1


def test_to_enum_types_plain_ints_for_enum_fields() -> None:
    stored: int = 3  # e.g. read from the database
    login = CreateSessionRequest(version=1, device_type=to_enum(DeviceType, stored))
    login.user_status = to_enum(UserStatus, 4)
    assert login.device_type == DeviceType.Value("ANDROID")
    assert login.user_status == UserStatus.Value("DO_NOT_DISTURB")
    with pytest.raises(ValueError, match="99"):
        to_enum(DeviceType, 99)
    assert to_enum(DeviceType, 99, strict=False) == 99
