"""Status numbers (response codes, close statuses, system message types) and the error root."""

from __future__ import annotations

import pytest

from turms.errors import RETRYABLE_CODES, ProtocolError, RequestError, TurmsError, is_retryable
from turms.protocol.status import ResponseStatusCode, SessionCloseStatus, SystemMessageType

R = ResponseStatusCode


def test_all_turms_codes_are_present_and_unique() -> None:
    assert len(R) == 192
    assert len({c.value for c in R}) == 192
    assert all(1000 <= c.value < 9000 for c in R)


@pytest.mark.parametrize(
    ("code", "number", "http"),
    [
        (R.OK, 1000, 200),
        (R.NO_CONTENT, 1001, 204),
        (R.ALREADY_UP_TO_DATE, 1002, 204),
        (R.INVALID_REQUEST, 1100, 400),
        (R.CLIENT_REQUESTS_TOO_FREQUENT, 1101, 429),
        (R.ILLEGAL_ARGUMENT, 1102, 400),
        (R.RECORD_CONTAINS_DUPLICATE_KEY, 1103, 409),
        (R.SEND_REQUEST_FROM_NONEXISTENT_SESSION, 1105, 403),
        (R.UNAUTHORIZED_REQUEST, 1106, 401),
        (R.SERVER_INTERNAL_ERROR, 1200, 500),
        (R.SERVER_UNAVAILABLE, 1201, 503),
        (R.UNSUPPORTED_CLIENT_VERSION, 2000, 403),
        (R.LOGIN_TIMEOUT, 2010, 408),
        (R.LOGIN_AUTHENTICATION_FAILED, 2011, 401),
        (R.LOGGING_IN_USER_NOT_ACTIVE, 2012, 401),
        (R.LOGIN_FROM_FORBIDDEN_DEVICE_TYPE, 2013, 401),
        (R.SESSION_SIMULTANEOUS_CONFLICTS_DECLINE, 2100, 409),
        (R.SESSION_SIMULTANEOUS_CONFLICTS_NOTIFY, 2101, 409),
        (R.SESSION_SIMULTANEOUS_CONFLICTS_OFFLINE, 2102, 409),
        (R.UPDATE_HEARTBEAT_OF_NONEXISTENT_SESSION, 2104, 403),
        (R.MESSAGE_IS_ILLEGAL, 5010, 403),
        (R.MESSAGE_RECALL_TIMEOUT, 5204, 403),
        (R.NOT_GROUP_MEMBER_TO_QUERY_GROUP_MESSAGES, 5300, 403),
        (R.STORAGE_NOT_IMPLEMENTED, 6000, 501),
        (R.SEARCHING_USER_IS_DISABLED, 7100, 510),
        (R.CONFERENCE_NOT_IMPLEMENTED, 8000, 501),
        (R.ACCEPT_NONEXISTENT_MEETING_INVITATION, 8205, 403),
    ],
)
def test_selected_codes(code: ResponseStatusCode, number: int, http: int) -> None:
    assert code == number
    assert code.value == number
    assert code.http_status == http
    assert R(number) is code


def test_every_code_has_http_status_and_meaning() -> None:
    allowed_http = {200, 204, 400, 401, 403, 404, 406, 408, 409, 413, 429, 500, 501, 503, 510}
    for code in R:
        assert code.http_status in allowed_http, code
        assert code.meaning and code.meaning[0].isupper() and code.meaning.endswith("."), code
        assert "|" not in code.meaning  # safe for the markdown table


def test_classification() -> None:
    assert [c for c in R if c.is_success] == [R.OK, R.NO_CONTENT, R.ALREADY_UP_TO_DATE]
    assert [c for c in R if c.is_server_error] == [R.SERVER_INTERNAL_ERROR, R.SERVER_UNAVAILABLE]
    assert R.INVALID_REQUEST.is_illegal_request and R.ILLEGAL_ARGUMENT.is_illegal_request
    assert not R.OK.is_illegal_request
    assert R.from_code(5204) is R.MESSAGE_RECALL_TIMEOUT
    assert R.from_code(9999) is None


def test_session_close_status_exact() -> None:
    assert SessionCloseStatus(701) is SessionCloseStatus.USER_IS_BLOCKED
    assert [(s.name, s.value) for s in SessionCloseStatus] == [
        ("ILLEGAL_REQUEST", 100),
        ("HEARTBEAT_TIMEOUT", 110),
        ("LOGIN_TIMEOUT", 111),
        ("SWITCH", 112),
        ("SERVER_ERROR", 200),
        ("SERVER_CLOSED", 201),
        ("SERVER_UNAVAILABLE", 202),
        ("CONNECTION_CLOSED", 300),
        ("UNKNOWN_ERROR", 400),
        ("DISCONNECTED_BY_CLIENT", 500),
        ("DISCONNECTED_BY_OTHER_DEVICE", 501),
        ("DISCONNECTED_BY_ADMIN", 600),
        ("USER_IS_DELETED_OR_INACTIVATED", 700),
        ("USER_IS_BLOCKED", 701),
    ]
    assert all(s.meaning for s in SessionCloseStatus)
    assert SessionCloseStatus.SERVER_CLOSED.should_reconnect
    assert not SessionCloseStatus.DISCONNECTED_BY_OTHER_DEVICE.should_reconnect
    assert not SessionCloseStatus.USER_IS_BLOCKED.should_reconnect


def test_system_message_types() -> None:
    assert SystemMessageType.RECALL.value == 1
    assert SystemMessageType.MEETING_INVITATION.value == 2
    assert SystemMessageType(2) is SystemMessageType.MEETING_INVITATION
    assert SystemMessageType.RECALL.as_record() == b"\x01"
    assert SystemMessageType.MEETING_INVITATION.as_record() == b"\x02"


def test_error_root() -> None:
    error = TurmsError(R.NOT_SENDER_TO_RECALL_MESSAGE)
    assert error.code is R.NOT_SENDER_TO_RECALL_MESSAGE
    assert error.reason is None
    assert str(error) == R.NOT_SENDER_TO_RECALL_MESSAGE.meaning
    assert repr(TurmsError(R.OK, "x")) == "TurmsError(OK, 'x')"

    protocol = ProtocolError("bad varint")
    assert isinstance(protocol, TurmsError)
    assert protocol.close_status is SessionCloseStatus.ILLEGAL_REQUEST
    assert protocol.code is R.INVALID_REQUEST
    assert str(protocol) == "bad varint"

    request = RequestError("no kind", 12)
    assert isinstance(request, TurmsError)
    assert (request.code, request.request_id, request.reason) == (R.INVALID_REQUEST, 12, "no kind")


def test_retryable_codes() -> None:
    assert set(RETRYABLE_CODES) == {
        R.CLIENT_REQUESTS_TOO_FREQUENT,
        R.SERVER_INTERNAL_ERROR,
        R.SERVER_UNAVAILABLE,
    }
    assert is_retryable(1201)
    assert is_retryable(R.CLIENT_REQUESTS_TOO_FREQUENT)
    assert not is_retryable(R.OK)
    assert not is_retryable(R.ILLEGAL_ARGUMENT)
