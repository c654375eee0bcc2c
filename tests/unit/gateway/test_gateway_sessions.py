"""The gateway's session logic on a fake clock and fake connections: no sockets, no sleeping."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from turms.errors import ProtocolError
from turms.gateway import ClientSession, Gateway
from turms.gateway.connection import WS_GOING_AWAY
from turms.protocol.pb import turms_notification_pb2, turms_request_pb2
from turms.protocol.status import ResponseStatusCode, SessionCloseStatus
from turms.settings import gateway as gw
from turms.settings import load_settings

pytestmark = pytest.mark.timeout(10)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeConnection:
    transport_name = "fake"
    remote = "test"

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.closed_with: int | None = None
        self.aborted = False
        self.paused = False

    def send(self, payload: bytes) -> bool:
        if self.closed_with is not None:
            return False
        self.sent.append(payload)
        return True

    def close(self, ws_code: int = 1000) -> None:
        self.closed_with = ws_code

    def abort(self) -> None:
        self.aborted = True

    def pause_reading(self) -> None:
        self.paused = True

    def resume_reading(self) -> None:
        self.paused = False

    def notifications(self) -> list[Any]:
        out = []
        for payload in self.sent:
            if payload:
                n = turms_notification_pb2.TurmsNotification()
                n.ParseFromString(payload)
                out.append(n)
        return out


class EchoHandler:
    """Answers every request with OK after an optional wait on ``gate``."""

    def __init__(self) -> None:
        self.gate: asyncio.Event | None = None

    async def handle(self, session: ClientSession, request: Any) -> bytes | None:
        if self.gate is not None:
            await self.gate.wait()
        n = turms_notification_pb2.TurmsNotification(request_id=request.request_id, code=1000)
        return bytes(n.SerializeToString())


def make(**overrides: str) -> tuple[Gateway, FakeClock, EchoHandler]:
    flags = [
        ("gateway.session.login_timeout_s", "10"),
        ("gateway.session.heartbeat_timeout_s", "30"),
        *overrides.items(),
    ]
    settings = load_settings(None, env={}, flags=flags)
    clock = FakeClock()
    handler = EchoHandler()
    return Gateway(settings, handler, clock=clock, rng=random.Random(1), pid=4242), clock, handler


def request(request_id: int = 1, kind: str = "query_conversations_request") -> bytes:
    r = turms_request_pb2.TurmsRequest(request_id=request_id)
    getattr(r, kind).SetInParent()
    return bytes(r.SerializeToString())


def open_conn(g: Gateway) -> tuple[ClientSession, FakeConnection]:
    conn = FakeConnection()
    return g.connection_made(conn), conn


def test_heartbeat_is_answered_with_an_empty_frame() -> None:
    g, _, _ = make()
    s, conn = open_conn(g)
    g.frame_received(s, b"")
    g.frame_received(s, b"")
    assert conn.sent == [b"", b""]
    assert conn.closed_with is None


def test_login_timeout_closes_with_111_and_nothing_earlier() -> None:
    g, clock, _ = make()
    s, conn = open_conn(g)
    clock.now += 9.9
    g.frame_received(s, b"")  # heartbeats do not count as login
    assert g.sweep() == 0
    clock.now += 0.2
    assert g.sweep() == 1
    (n,) = conn.notifications()
    assert n.close_status == SessionCloseStatus.LOGIN_TIMEOUT
    assert conn.closed_with is not None
    assert g.sweep() == 0  # closed once


def test_heartbeat_timeout_closes_idle_sessions_only() -> None:
    g, clock, _ = make()
    a, conn_a = open_conn(g)
    b, conn_b = open_conn(g)
    g.session_logged_in(a, 1)
    g.session_logged_in(b, 2)
    for _ in range(5):
        clock.now += 10
        g.frame_received(b, b"")
        g.sweep()
    assert [n.close_status for n in conn_a.notifications()] == [SessionCloseStatus.HEARTBEAT_TIMEOUT]
    assert conn_b.closed_with is None and all(p == b"" for p in conn_b.sent)


def test_timeouts_are_read_live() -> None:
    g, clock, _ = make()
    _, conn = open_conn(g)
    g.settings.apply_live({"gateway.session.login_timeout_s": 1.0})
    clock.now += 1.5
    assert g.sweep() == 1
    assert conn.notifications()[0].close_status == SessionCloseStatus.LOGIN_TIMEOUT


def test_sweep_cost_is_the_number_it_closes() -> None:
    g, clock, _ = make()
    conns = [open_conn(g) for _ in range(1000)]
    clock.now += 5
    late = [open_conn(g) for _ in range(10)]
    clock.now += 5.5
    assert g.sweep() == 1000
    assert all(c.closed_with is None for _, c in late)
    assert all(c.closed_with is not None for _, c in conns)


async def test_request_before_login_is_refused_without_closing() -> None:
    g, _, _ = make(**{"gateway.debug.expose_worker_pid": "true"})
    s, conn = open_conn(g)
    g.frame_received(s, request(5))
    (n,) = conn.notifications()
    assert n.request_id == 5
    assert n.code == ResponseStatusCode.SEND_REQUEST_FROM_NONEXISTENT_SESSION
    assert "[worker 4242]" in n.reason
    assert conn.closed_with is None


async def test_login_request_goes_to_the_handler() -> None:
    g, _, _ = make()
    g.start()
    s, conn = open_conn(g)
    g.frame_received(s, request(3, "create_session_request"))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    (n,) = conn.notifications()
    assert (n.request_id, n.code) == (3, 1000)
    g.stop()


@pytest.mark.parametrize(
    ("payload", "request_id"),
    [(b"\xff\xff\xff", -1), (request(0), 0), (request(-5), -5)],
)
def test_invalid_requests_are_answered_invalid_request_and_the_connection_stays(
    payload: bytes, request_id: int
) -> None:
    g, _, _ = make()
    s, conn = open_conn(g)
    g.frame_received(s, payload)
    (n,) = conn.notifications()
    assert (n.request_id, n.code) == (request_id, ResponseStatusCode.INVALID_REQUEST)
    assert conn.closed_with is None
    g.frame_received(s, b"")
    assert conn.sent[-1] == b""


def test_framing_errors_close_with_illegal_request() -> None:
    g, _, _ = make()
    s, conn = open_conn(g)
    g.protocol_error(s, ProtocolError("bad varint"))
    assert conn.notifications()[0].close_status == SessionCloseStatus.ILLEGAL_REQUEST
    assert conn.closed_with is not None
    g.frame_received(s, b"")  # ignored once closing
    assert len(conn.sent) == 1


async def test_drain_finishes_requests_then_tells_everyone_server_closed() -> None:
    g, _, handler = make(**{"gateway.session.close_reconnect_jitter_ms": "5000"})
    g.start()
    handler.gate = asyncio.Event()
    sessions = [open_conn(g) for _ in range(3)]
    for s, _ in sessions:
        g.session_logged_in(s, s.id)
    first, first_conn = sessions[0]
    g.frame_received(first, request(8))
    await asyncio.sleep(0)
    drain = asyncio.create_task(g.drain())
    await asyncio.sleep(0.01)
    assert not drain.done()  # waiting for the request in flight
    assert first_conn.closed_with is None
    handler.gate.set()
    await asyncio.sleep(0.01)
    for s, _ in sessions:  # the transports report the connections gone
        g.connection_lost(s)
    await asyncio.wait_for(drain, 1)
    codes = [n.request_id for n in first_conn.notifications() if n.HasField("request_id")]
    assert codes == [8]  # the response came before the close
    for _, conn in sessions:
        close = conn.notifications()[-1]
        assert close.close_status == SessionCloseStatus.SERVER_CLOSED
        assert "reconnect after" in close.reason
        assert conn.closed_with == WS_GOING_AWAY


async def test_drain_cancels_slow_requests_and_resets_connections_that_do_not_close() -> None:
    g, _, handler = make(**{"gateway.drain.requests_timeout_s": "0.05", "gateway.drain.flush_timeout_s": "0.05"})
    g.start()
    handler.gate = asyncio.Event()  # never set
    s, conn = open_conn(g)
    g.session_logged_in(s, 1)
    g.frame_received(s, request(9))
    await asyncio.sleep(0)
    await asyncio.wait_for(g.drain(), 2)
    assert conn.notifications()[-1].close_status == SessionCloseStatus.SERVER_CLOSED
    assert conn.aborted
    assert g.in_flight == 0


def test_connection_made_while_draining_is_told_to_go_away() -> None:
    g, _, _ = make()
    g.draining = True
    _, conn = open_conn(g)
    assert conn.notifications()[0].close_status == SessionCloseStatus.SERVER_CLOSED
    assert conn.closed_with == WS_GOING_AWAY


def test_table_forgets_closed_connections() -> None:
    g, _, _ = make()
    s, _ = open_conn(g)
    assert len(g) == 1
    g.connection_lost(s)
    assert len(g) == 0
    assert g.settings.get(gw.MAX_FRAME_BYTES) > 0


async def test_reading_pauses_at_the_in_flight_limit_and_resumes_below_it() -> None:
    g, _, handler = make(**{"gateway.client_api.max_in_flight_requests": "3"})
    g.start()
    handler.gate = asyncio.Event()
    s, conn = open_conn(g)
    for i in range(1, 3):
        g.frame_received(s, request(i, "create_session_request"))
    assert not conn.paused
    g.frame_received(s, request(3, "create_session_request"))
    assert conn.paused and s.in_flight == 3  # the third fills the limit: no more reading
    handler.gate.set()
    for _ in range(5):
        await asyncio.sleep(0)
    assert not conn.paused and s.in_flight == 0
    assert sorted(n.request_id for n in conn.notifications()) == [1, 2, 3]
    g.stop()


class AnswerFirstHandler:
    """Writes the response with ``Gateway.answer``, then does more work (a sent message's pushes): waits on
    ``gate``, then fails with ``error`` if one is set."""

    def __init__(self) -> None:
        self.gateway: Gateway | None = None
        self.gate = asyncio.Event()
        self.error: BaseException | None = None
        self.finished = False

    async def handle(self, session: ClientSession, request: Any) -> bytes | None:
        assert self.gateway is not None
        n = turms_notification_pb2.TurmsNotification(request_id=request.request_id, code=1000)
        self.gateway.answer(session, bytes(n.SerializeToString()))
        await self.gate.wait()
        if self.error is not None:
            raise self.error
        self.finished = True
        return None


def answering(**overrides: str) -> tuple[Gateway, AnswerFirstHandler]:
    settings = load_settings(None, env={}, flags=list(overrides.items()))
    handler = AnswerFirstHandler()
    g = Gateway(settings, handler, clock=FakeClock(), rng=random.Random(1), pid=4242)
    handler.gateway = g
    return g, handler


async def _turns(n: int = 5) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def test_an_early_answer_goes_out_at_once_and_the_work_after_it_keeps_the_in_flight_slot() -> None:
    g, handler = answering(**{"gateway.client_api.max_in_flight_requests": "1"})
    s, conn = open_conn(g)
    g.session_logged_in(s, 1)
    g.frame_received(s, request(5))
    await _turns()
    assert [(n.request_id, n.code) for n in conn.notifications()] == [(5, 1000)]  # before the work is done
    assert s.in_flight == 1 and conn.paused  # the work after the answer still counts (backpressure, drain)
    handler.gate.set()
    await _turns()
    assert handler.finished and s.in_flight == 0 and not conn.paused
    assert len(conn.notifications()) == 1  # nothing more for that request


@pytest.mark.parametrize("error", [RuntimeError("push failed"), asyncio.CancelledError()])
async def test_an_answered_request_gets_no_second_response_when_its_later_work_fails(error: BaseException) -> None:
    g, handler = answering()
    s, conn = open_conn(g)
    g.session_logged_in(s, 1)
    handler.error = error
    g.frame_received(s, request(6))
    await _turns()
    handler.gate.set()
    await _turns()
    assert [(n.request_id, n.code) for n in conn.notifications()] == [(6, 1000)]
    assert s.in_flight == 0


async def test_an_early_answer_marks_only_its_own_request() -> None:
    g, handler = answering()
    s, conn = open_conn(g)
    g.session_logged_in(s, 1)
    g.frame_received(s, request(7))
    await _turns()
    g.handler = EchoHandler()  # the next request is answered the usual way, by its return value
    g.frame_received(s, request(8))
    await _turns()
    assert sorted(n.request_id for n in conn.notifications()) == [7, 8]
    handler.gate.set()
    await _turns()


async def test_a_value_nested_too_deep_is_refused_before_any_handler_sees_it() -> None:
    """Issue 22: a 98-level ``Value`` was relayed in pushes no client could decode. It never reaches a handler."""
    from turms.protocol.pb import model_common_pb2

    g, _, handler = make(**{"gateway.client_api.max_value_depth": "4"})
    g.start()
    seen: list[Any] = []

    async def recording(session: ClientSession, req: Any) -> bytes | None:
        seen.append(req)
        return None

    handler.handle = recording  # type: ignore[method-assign]
    s, conn = open_conn(g)
    g.session_logged_in(s, 1)
    value = model_common_pb2.Value(string_value="x")
    for depth in range(2, 99):
        outer = model_common_pb2.Value()
        outer.list_value.append(value)
        value = outer
        if depth == 4:
            ok = turms_request_pb2.TurmsRequest(request_id=7)
            ok.create_message_request.custom_attributes.append(value)
    attack = turms_request_pb2.TurmsRequest(request_id=8)
    attack.create_message_request.group_id = 1
    attack.create_message_request.custom_attributes.append(value)
    g.frame_received(s, attack.SerializeToString())
    g.frame_received(s, ok.SerializeToString())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    (n,) = conn.notifications()
    assert (n.request_id, n.code) == (8, ResponseStatusCode.ILLEGAL_ARGUMENT)
    assert "nested deeper than 4" in n.reason
    assert [r.request_id for r in seen] == [7]
    assert conn.closed_with is None
    g.stop()
