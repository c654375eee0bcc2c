"""The client SDK's errors: one root (:class:`TurmsClientError`, a :class:`TurmsError`) with a status code and a
reason for every way an operation fails, and the mapping from each failure to its code.

The failures are produced for real against a small in-process TCP server speaking the framing (silent, or
closing the session with a close status), not by constructing the exceptions by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from turms.client import (
    ClientStatusCode,
    ConnectionClosedError,
    ConnectTimeoutError,
    RequestTimeoutError,
    ResponseError,
    TurmsClient,
    TurmsClientError,
)
from turms.client.message import MessageService
from turms.errors import TurmsError
from turms.protocol.framing import FrameDecoder, encode_frame
from turms.protocol.pb import request_user_pb2, turms_notification_pb2
from turms.protocol.status import ResponseStatusCode, SessionCloseStatus

from scripted_transport import ScriptedTransport, script_connections
from testlib import free_port

pytestmark = pytest.mark.timeout(30)

#: Turms's client-only codes ("client unique status codes" of Turms's status code reference).
TURMS_CLIENT_CODES = {
    "CONNECT_TIMEOUT": 1,
    # turms-client-js's codes of its storage service's HTTP calls.
    "DATA_NOT_FOUND": 10,
    "HTTP_ERROR": 90,
    "HTTP_NOT_SUCCESSFUL_RESPONSE": 91,
    "INVALID_REQUEST": 100,
    "CLIENT_REQUESTS_TOO_FREQUENT": 101,
    "REQUEST_TIMEOUT": 102,
    "ILLEGAL_ARGUMENT": 103,
    "INVALID_NOTIFICATION": 200,
    "INVALID_RESPONSE": 201,
    "CLIENT_SESSION_ALREADY_ESTABLISHED": 300,
    "CLIENT_SESSION_HAS_BEEN_CLOSED": 301,
    "MESSAGE_IS_REJECTED": 400,
}

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class FakeServer:
    """A loopback TCP server; ``on_request`` decides what happens after each request frame it reads."""

    def __init__(self, on_request: Callable[[asyncio.StreamWriter], None] | None = None) -> None:
        self.on_request = on_request
        self.connections = 0
        self.requests = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        decoder = FrameDecoder(1 << 20)
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                for frame in decoder.feed(data):
                    if frame and self.on_request is not None:  # heartbeats (empty frames) go unanswered
                        self.requests += 1
                        self.on_request(writer)
        writer.close()

    async def __aenter__(self) -> FakeServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for w in self._writers:
            w.close()
        await self._server.wait_closed()


def close_session(status: SessionCloseStatus, reason: str) -> Callable[[asyncio.StreamWriter], None]:
    """Answer any request by closing the session with ``status`` (as a kick does), then the connection."""

    def respond(writer: asyncio.StreamWriter) -> None:
        n = turms_notification_pb2.TurmsNotification(close_status=int(status), reason=reason)
        writer.write(encode_frame(n.SerializeToString()))
        writer.close()

    return respond


def drop(writer: asyncio.StreamWriter) -> None:
    """Answer any request by dropping the connection without a word."""
    writer.transport.abort()


def statuses_request() -> request_user_pb2.QueryUserOnlineStatusesRequest:
    return request_user_pb2.QueryUserOnlineStatusesRequest(user_ids=[1])


@pytest.fixture
async def silent() -> AsyncIterator[FakeServer]:
    async with FakeServer() as server:
        yield server


# -- the types and codes ---------------------------------------------------------------------------------


def test_client_codes_are_turms_client_only_codes_and_never_server_codes() -> None:
    assert {c.name: int(c) for c in ClientStatusCode} == TURMS_CLIENT_CODES
    assert not {int(c) for c in ClientStatusCode} & {int(c) for c in ResponseStatusCode}
    assert all(c.meaning for c in ClientStatusCode)


def test_every_error_type_is_a_turms_error_with_a_code_and_a_reason() -> None:
    errors: list[TurmsClientError] = [
        ResponseError(5101, "not yours"),
        ConnectionClosedError("connection closed", close_status=600, reason="closed by an admin"),
        RequestTimeoutError("no response"),
        ConnectTimeoutError("no connection"),
    ]
    for e in errors:
        assert isinstance(e, TurmsError) and isinstance(e, TurmsClientError)
        assert isinstance(e.code, ResponseStatusCode | ClientStatusCode)
        assert e.reason and str(e) == e.reason
    assert [int(e.code) for e in errors] == [5101, 301, 102, 1]
    # The standard library bases stay, so ``except ConnectionError`` / ``except TimeoutError`` keep working.
    assert isinstance(errors[1], ConnectionError)
    assert isinstance(errors[2], TimeoutError) and isinstance(errors[3], TimeoutError)
    assert not isinstance(errors[0], ConnectionError | TimeoutError)


def test_response_error_keeps_the_server_code_and_an_unknown_one_raw() -> None:
    e = ResponseError(5101, "not yours")
    assert e.code is ResponseStatusCode.NOT_SENDER_TO_UPDATE_MESSAGE and e.raw_code == 5101
    assert e.reason == "not yours"
    unknown = ResponseError(9999)
    assert unknown.code is ResponseStatusCode.SERVER_INTERNAL_ERROR and unknown.raw_code == 9999
    assert unknown.reason is None and str(unknown) == ResponseStatusCode.SERVER_INTERNAL_ERROR.meaning


def test_connection_closed_error_carries_the_close_status_apart_from_the_code() -> None:
    e = ConnectionClosedError("connection closed", close_status=701, reason="blocked")
    assert e.code is ClientStatusCode.CLIENT_SESSION_HAS_BEEN_CLOSED
    assert e.close_status == 701 and e.close_reason == "blocked"
    assert e.reason == "connection closed (close status 701 USER_IS_BLOCKED): blocked"
    plain = ConnectionClosedError("connection closed")
    assert plain.close_status is None and plain.close_reason is None and plain.reason == "connection closed"
    assert ConnectionClosedError("x", close_status=4242).reason == "x (close status 4242)"


# -- what the client raises, for real -----------------------------------------------------------------------


async def test_a_refused_connection_raises_connection_closed() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(ConnectionClosedError) as tcp:
        await TurmsClient("127.0.0.1", port).connect()
    assert isinstance(tcp.value.__cause__, ConnectionRefusedError)
    assert tcp.value.code is ClientStatusCode.CLIENT_SESSION_HAS_BEEN_CLOSED and tcp.value.close_status is None
    with pytest.raises(ConnectionClosedError):
        await TurmsClient(url=f"ws://127.0.0.1:{port}").connect()


async def test_requests_before_connecting_raise_connection_closed() -> None:
    client = TurmsClient()
    with pytest.raises(ConnectionClosedError):
        await client.request("query_user_online_statuses_request", statuses_request())
    with pytest.raises(ConnectionClosedError):
        await client.heartbeat()
    with pytest.raises(ConnectTimeoutError) as waited:
        await client.wait_connected(0.05)
    assert waited.value.code is ClientStatusCode.CONNECT_TIMEOUT


async def test_unanswered_requests_and_waits_raise_request_timeout(silent: FakeServer) -> None:
    client = TurmsClient("127.0.0.1", silent.port, request_timeout_s=0.2, heartbeat_interval_s=0)
    await client.connect()
    messages = MessageService(client, 1, send_attempts=2, retry_delay_s=0.01, attempt_timeout_s=0.1)
    try:
        with pytest.raises(RequestTimeoutError) as request:
            await client.request("query_user_online_statuses_request", statuses_request())
        assert request.value.code is ClientStatusCode.REQUEST_TIMEOUT
        with pytest.raises(RequestTimeoutError):
            await client.heartbeat()
        with pytest.raises(RequestTimeoutError):
            await client.next_notification(timeout_s=0.05)
        with pytest.raises(RequestTimeoutError):
            await messages.next_message(timeout_s=0.05)
        # A send is retried (same idempotency key) and then fails with the SDK's timeout, not a bare one.
        with pytest.raises(RequestTimeoutError):
            await messages.send_private(2, "hello")
        assert client.connected  # a timeout is not a disconnect
    finally:
        await messages.close()
        await client.close()


async def test_a_kick_fails_the_pending_request_with_the_close_status_and_stops_the_client() -> None:
    async with FakeServer(close_session(SessionCloseStatus.DISCONNECTED_BY_ADMIN, "closed by an admin")) as server:
        client = TurmsClient("127.0.0.1", server.port, reconnect_base_delay_s=0.01, heartbeat_interval_s=0)
        await client.connect()
        messages = MessageService(client, 1, retry_delay_s=0.5)  # a retried send would outlast the 1 s bound
        try:
            with pytest.raises(ConnectionClosedError) as pending:
                await client.request("query_user_online_statuses_request", statuses_request())
            assert pending.value.close_status == SessionCloseStatus.DISCONNECTED_BY_ADMIN
            assert pending.value.close_reason == "closed by an admin"
            await asyncio.wait_for(client.closed.wait(), 2)
            # Closed for good: waiting for a connection, a request and a send fail at once with the status.
            for attempt in (
                client.wait_connected(5),
                client.request("query_user_online_statuses_request", statuses_request()),
                messages.send_private(2, "hello"),
            ):
                with pytest.raises(ConnectionClosedError) as after:
                    await asyncio.wait_for(attempt, 1)
                assert after.value.close_status == SessionCloseStatus.DISCONNECTED_BY_ADMIN
            await asyncio.sleep(0.3)  # thirty base backoff periods
            assert server.connections == 1 and client.reconnects == 0
        finally:
            await messages.close()
            await client.close()


async def test_a_drop_fails_the_pending_request_without_a_status_and_the_client_reconnects() -> None:
    async with FakeServer(drop) as server:
        client = TurmsClient("127.0.0.1", server.port, reconnect_base_delay_s=0.01, heartbeat_interval_s=0)
        await client.connect()
        try:
            with pytest.raises(ConnectionClosedError) as pending:
                await client.request("query_user_online_statuses_request", statuses_request())
            assert pending.value.close_status is None
            assert pending.value.code is ClientStatusCode.CLIENT_SESSION_HAS_BEEN_CLOSED
            await client.wait_connected(2)
            assert server.connections == 2 and client.reconnects == 1 and not client.closed.is_set()
        finally:
            await client.close()


@contextlib.asynccontextmanager
async def mute() -> AsyncIterator[int]:
    """A loopback port that accepts connections and never says a word (no TLS or WebSocket handshake)."""

    writers: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        with contextlib.suppress(OSError):
            while await reader.read(65536):
                pass
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for w in writers:
            w.close()
        await server.wait_closed()


async def test_a_connection_not_open_within_the_connect_timeout_raises_connect_timeout() -> None:
    insecure = ssl.create_default_context()
    insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE
    async with mute() as port:
        for client in (
            TurmsClient("127.0.0.1", port, tls=insecure, connect_timeout_s=0.2),  # the TLS handshake hangs
            TurmsClient(url=f"ws://127.0.0.1:{port}", connect_timeout_s=0.2),  # the upgrade is never answered
        ):
            started = time.monotonic()
            with pytest.raises(ConnectTimeoutError) as timed_out:
                await client.connect()
            assert timed_out.value.code is ClientStatusCode.CONNECT_TIMEOUT
            assert time.monotonic() - started < 5  # not the TLS (60 s) or aiohttp (300 s) default
            assert not client.connected


async def test_a_reconnecting_client_tells_why_it_is_not_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reconnect attempts whose login is refused are counted, with the last error, until one succeeds."""
    refused = int(ResponseStatusCode.LOGIN_AUTHENTICATION_FAILED)
    login_code = [1000]  # what the next connection answers a login with
    opened = script_connections(monkeypatch, then=lambda: ScriptedTransport(login_code=login_code[0]))
    client = TurmsClient(reconnect_base_delay_s=0.01, reconnect_max_delay_s=0.02, heartbeat_interval_s=0)
    try:
        await client.connect()
        await client.login(7)
        login_code[0] = refused
        opened[0].end()
        for _ in range(200):
            if client.reconnect_failures >= 3:
                break
            await asyncio.sleep(0.01)
        assert not client.connected and client.reconnect_failures >= 3
        assert isinstance(client.last_reconnect_error, ResponseError)
        assert client.last_reconnect_error.code is ResponseStatusCode.LOGIN_AUTHENTICATION_FAILED
        login_code[0] = 1000
        await client.wait_connected(2)
        assert client.reconnects == 1 and client.reconnect_failures == 0 and client.last_reconnect_error is None
    finally:
        await client.close()
