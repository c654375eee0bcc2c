"""The gateway of one worker: every client connection of the worker, whatever its transport.

Timers are not one task or timer per connection. Two ordered tables give O(1) work per event and a sweep
whose cost is the number of connections it closes:

* ``_awaiting_login``: connections without a session, in connection order. All share the same login
  timeout, so the oldest is always the first to expire.
* ``_idle``: every open connection, least recently active first (``move_to_end`` on each frame). All share
  the same heartbeat timeout, so the least recently active is the first to expire.

One loop timer per worker runs :meth:`Gateway.sweep`. The timeouts are live settings and are read on each
sweep; changing one keeps both tables correctly ordered because every entry uses the same value.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar

from turms.errors import ProtocolError, RequestError, TurmsError
from turms.gateway.connection import (
    WS_GOING_AWAY,
    WS_NORMAL,
    WS_PROTOCOL_ERROR,
    ClientSession,
    Connection,
)
from turms.gateway.handler import RequestHandler
from turms.gateway.notifications import close_notification, error_response, response
from turms.observability import metrics
from turms.protocol.pb.turms_request_pb2 import TurmsRequest
from turms.protocol.requests import parse_request
from turms.protocol.status import ResponseStatusCode, SessionCloseStatus
from turms.protocol.values import check_values
from turms.security.blocklist import Violation
from turms.security.guard import AbuseGuard
from turms.settings import Settings
from turms.settings import gateway as gw

log = logging.getLogger("turms.gateway")

#: True in a request's task once :meth:`Gateway.answer` wrote its response: nothing more is sent for it.
_ANSWERED: ContextVar[bool] = ContextVar("turms_request_answered", default=False)

Clock = Callable[[], float]

#: The request kind a connection without a session may send.
LOGIN_KIND = "create_session_request"
#: Bounds of the sweep period; the period is a quarter of the shortest timeout.
MIN_SWEEP_S = 0.02
MAX_SWEEP_S = 1.0


class Gateway:
    def __init__(
        self,
        settings: Settings,
        handler: RequestHandler,
        *,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
        pid: int | None = None,
    ) -> None:
        self.settings = settings
        self.handler = handler
        self.clock = clock
        self.rng = rng or random.Random()
        self.pid = os.getpid() if pid is None else pid
        self.draining = False
        #: Rate limits, blocklist and auto-block (the worker gives it the cluster blocklist).
        self.guard = AbuseGuard(settings)
        self._sessions: dict[int, ClientSession] = {}
        self._awaiting_login: dict[int, ClientSession] = {}
        self._idle: OrderedDict[int, ClientSession] = OrderedDict()
        #: Sessions counted in the sessions gauge (session id -> device type): login may set ``user_id``
        #: before it succeeds, so the gauge follows this table rather than ``logged_in``.
        self._counted_sessions: dict[int, int | None] = {}
        self._next_id = 1
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sweeper: asyncio.TimerHandle | None = None
        self._all_closed: asyncio.Event | None = None
        #: Called once for every logged-in session whose connection is gone (the session handler's cleanup).
        self.on_session_closed: Callable[[ClientSession], None] | None = None

    # -- bookkeeping ------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._sessions)

    @property
    def sessions(self) -> list[ClientSession]:
        return list(self._sessions.values())

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Start the periodic sweep on ``loop`` (the running loop by default)."""
        self._loop = loop or asyncio.get_running_loop()
        self._schedule_sweep()

    def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

    def _schedule_sweep(self) -> None:
        assert self._loop is not None
        shortest = min(self.settings.get(gw.LOGIN_TIMEOUT_S), self.settings.get(gw.HEARTBEAT_TIMEOUT_S))
        period = min(max(shortest / 4, MIN_SWEEP_S), MAX_SWEEP_S)
        self._sweeper = self._loop.call_later(period, self._on_sweep_timer)

    def _on_sweep_timer(self) -> None:
        try:
            self.sweep()
        except Exception:  # pragma: no cover - a bug here must not stop the timer
            log.exception("session sweep failed")
        self._schedule_sweep()

    # -- events from transports -------------------------------------------------------------------------

    def connection_made(self, conn: Connection) -> ClientSession:
        now = self.clock()
        session = ClientSession(self._next_id, conn, now)
        self._next_id += 1
        self._sessions[session.id] = session
        self._awaiting_login[session.id] = session
        self._idle[session.id] = session
        self.guard.opened(session.id, conn.remote)
        metrics.connection_opened(conn.transport_name)
        if self.draining:
            # Accepted while the listener was closing: tell it to go elsewhere straight away.
            self.close(session, SessionCloseStatus.SERVER_CLOSED, self._reconnect_reason(), WS_GOING_AWAY)
        return session

    def connection_lost(self, session: ClientSession) -> None:
        if session.closing is None:
            # The peer left: a request still in flight (a login) must see the session as gone.
            session.closing = int(SessionCloseStatus.CONNECTION_CLOSED)
        self._forget_timers(session)
        removed = self._sessions.pop(session.id, None) is not None
        self.guard.closed(session.id)
        if removed:
            metrics.connection_closed(session.conn.transport_name)
        if session.id in self._counted_sessions:
            metrics.session_closed(session.conn.transport_name, self._counted_sessions.pop(session.id))
        if removed and session.logged_in and self.on_session_closed is not None:
            self.on_session_closed(session)
        if removed and not self._sessions and self._all_closed is not None:
            self._all_closed.set()

    def frame_received(self, session: ClientSession, payload: bytes) -> None:
        """One complete frame from the client: a heartbeat (``b""``) or a serialized ``TurmsRequest``."""
        if session.closing is not None:
            return
        session.last_active = self.clock()
        self._idle.move_to_end(session.id)
        if not payload:
            # Heartbeat: answered with an empty frame, also before login. Turms answers a heartbeat from a
            # connection without a session with request_id -100 and code 2104; its clients send heartbeats
            # only after login, so they never see the difference.
            session.conn.send(b"")
            return
        try:
            request, kind = parse_request(payload)
        except RequestError as e:
            # Turms answers an undecodable request, a bad request id or an unknown kind with
            # INVALID_REQUEST and keeps the connection (the id is -1 when it could not be read).
            self.guard.report(Violation.CORRUPTED_REQUEST, session.id, session.user_id)
            session.conn.send(error_response(e, reason=self._reason(e.reason or "")))
            return
        request_id = request.request_id
        refused = self.guard.check(session.id, session.user_id, kind)
        if refused is not None:
            session.conn.send(response(request_id, refused[0], self._reason(refused[1])))
            return
        if self.draining:
            session.conn.send(
                response(request_id, ResponseStatusCode.SERVER_UNAVAILABLE, self._reason("server is draining"))
            )
            return
        if not session.logged_in and kind != LOGIN_KIND:
            session.conn.send(
                response(
                    request_id,
                    ResponseStatusCode.SEND_REQUEST_FROM_NONEXISTENT_SESSION,
                    self._reason("log in (CreateSessionRequest) before sending other requests"),
                )
            )
            return
        if self.guard.is_disabled(kind):
            session.conn.send(
                response(request_id, ResponseStatusCode.ILLEGAL_ARGUMENT, self._reason("the request type is disabled"))
            )
            return
        try:
            check_values(request, self.settings.get(gw.MAX_VALUE_DEPTH), self.settings.get(gw.MAX_VALUES_PER_REQUEST))
        except TurmsError as e:
            # Never handled, so never relayed or stored: nothing a Turms client could not decode goes out.
            session.conn.send(response(request_id, e.code, self._reason(e.reason or "")))
            return
        self._dispatch(session, request, request_id)

    def protocol_error(self, session: ClientSession, error: ProtocolError) -> None:
        """The byte stream broke the protocol (framing): close with the error's status (ILLEGAL_REQUEST)."""
        self.guard.report(Violation.CORRUPTED_FRAME, session.id, session.user_id)
        self.close(session, error.close_status, self._reason(error.reason or str(error)), WS_PROTOCOL_ERROR)

    # -- requests ---------------------------------------------------------------------------------------

    def _dispatch(self, session: ClientSession, request: TurmsRequest, request_id: int) -> None:
        loop = self._loop or asyncio.get_running_loop()
        session.in_flight += 1
        if not session.reading_paused and session.in_flight >= self.settings.get(gw.MAX_IN_FLIGHT_REQUESTS):
            session.reading_paused = True  # resumed when one finishes (backpressure onto the client)
            session.conn.pause_reading()
        task = loop.create_task(self._handle(session, request, request_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, session: ClientSession, request: TurmsRequest, request_id: int) -> None:
        try:
            payload = await self.handler.handle(session, request)
        except asyncio.CancelledError:
            payload = response(
                request_id, ResponseStatusCode.SERVER_UNAVAILABLE, self._reason("server is shutting down")
            )
        except Exception:
            log.exception("request %d of %r failed", request_id, session)
            payload = response(request_id, ResponseStatusCode.SERVER_INTERNAL_ERROR, self._reason(""))
        finally:
            session.in_flight -= 1
            if session.reading_paused and session.in_flight < self.settings.get(gw.MAX_IN_FLIGHT_REQUESTS):
                session.reading_paused = False
                session.conn.resume_reading()
        if payload is not None and session.closing is None and not _ANSWERED.get():
            session.conn.send(payload)

    def answer(self, session: ClientSession, payload: bytes) -> None:
        """Write the response of the request being handled now, before its handler returns: the handler goes on
        with work the client need not wait for (a sent message's pushes), still holding the request's in-flight
        slot. Nothing more is sent for the request, even if that work fails or is cancelled. Call it from the
        request's own task (it marks the task's context)."""
        _ANSWERED.set(True)
        if session.closing is None:
            session.conn.send(payload)

    # -- closing ----------------------------------------------------------------------------------------

    def session_logged_in(self, session: ClientSession, user_id: int, device_type: int | None = None) -> None:
        """Called by login: the connection has a session now, so the login deadline no longer applies."""
        if session.id in self._counted_sessions:
            metrics.session_closed(session.conn.transport_name, self._counted_sessions[session.id])
        self._counted_sessions[session.id] = device_type
        metrics.session_opened(session.conn.transport_name, device_type)
        session.user_id = user_id
        session.device_type = device_type
        self._awaiting_login.pop(session.id, None)
        self.guard.authenticated(session.id)

    def close(self, session: ClientSession, status: SessionCloseStatus, reason: str, ws_code: int = WS_NORMAL) -> None:
        """Send the close notification, then close the connection once it is flushed. Idempotent."""
        if session.closing is not None:
            return
        session.closing = int(status)
        self._forget_timers(session)
        session.conn.send(close_notification(status, reason))
        session.conn.close(ws_code)

    def _forget_timers(self, session: ClientSession) -> None:
        self._awaiting_login.pop(session.id, None)
        self._idle.pop(session.id, None)

    def sweep(self) -> int:
        """Close connections past the login deadline or the heartbeat timeout; return how many."""
        now = self.clock()
        closed = 0
        login_deadline = now - self.settings.get(gw.LOGIN_TIMEOUT_S)
        while self._awaiting_login:
            session = next(iter(self._awaiting_login.values()))
            if session.connected_at > login_deadline:
                break
            self.close(session, SessionCloseStatus.LOGIN_TIMEOUT, self._reason("no login within the timeout"))
            closed += 1
        idle_deadline = now - self.settings.get(gw.HEARTBEAT_TIMEOUT_S)
        while self._idle:
            session = next(iter(self._idle.values()))
            if session.last_active > idle_deadline:
                break
            self.close(
                session,
                SessionCloseStatus.HEARTBEAT_TIMEOUT,
                self._reason("nothing received within the heartbeat timeout"),
            )
            closed += 1
        return closed

    async def drain(self) -> None:
        """Graceful drain (the listeners are already closed): let requests in flight finish up to
        ``gateway.drain.requests_timeout_s``, send every session ``SERVER_CLOSED`` with a jittered
        reconnect hint, and wait up to ``gateway.drain.flush_timeout_s`` for the connections to close."""
        self.draining = True
        self.stop()
        if self._tasks:
            timeout = self.settings.get(gw.DRAIN_REQUESTS_TIMEOUT_S)
            log.info("drain: waiting up to %.1f s for %d requests in flight", timeout, len(self._tasks))
            _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        sessions = list(self._sessions.values())
        log.info("drain: closing %d sessions with SERVER_CLOSED", len(sessions))
        for session in sessions:
            self.close(session, SessionCloseStatus.SERVER_CLOSED, self._reconnect_reason(), WS_GOING_AWAY)
        if self._sessions:
            self._all_closed = asyncio.Event()
            timeout = self.settings.get(gw.DRAIN_FLUSH_TIMEOUT_S)
            try:
                await asyncio.wait_for(self._all_closed.wait(), timeout)
            except TimeoutError:
                log.warning("drain: %d connections did not close within %.1f s; resetting them", len(self), timeout)
                for session in list(self._sessions.values()):
                    session.conn.abort()

    def _reconnect_reason(self) -> str:
        jitter_ms = self.settings.get(gw.CLOSE_RECONNECT_JITTER_MS)
        delay = self.rng.randint(0, jitter_ms) if jitter_ms > 0 else 0
        # TurmsNotification has no retry-after field; the hint travels in `reason` (see docs/protocol.md).
        return self._reason(f"server is shutting down; reconnect after {delay} ms")

    def _reason(self, text: str) -> str:
        if self.settings.get(gw.DEBUG_EXPOSE_WORKER_PID):
            return f"{text} [worker {self.pid}]" if text else f"[worker {self.pid}]"
        return text
