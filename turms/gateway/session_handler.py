"""The request handler of a worker: login, logout and presence here; everything else to the services.

Presence: the status lives in the session registry, which this module writes; who is told of a change is the
user domain's decision (the request is dispatched there after the registry is updated).

Login (``CreateSessionRequest``): protocol version 1 → not already logged in → device type allowed by the
multi-device policy → authentication (off the event loop) → atomic registration in the Redis session
registry, which either displaces conflicting sessions (closed with 501 wherever they are) or refuses the
new login (2100) → OK, then optionally a ``UserSession`` notification.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextvars import ContextVar
from typing import Any

from turms.clock import Clock
from turms.cluster.bus import RoutingBus
from turms.cluster.sessions import SessionEntry, SessionRegistry
from turms.gateway.auth import Authenticator, authenticate_login
from turms.gateway.connection import ClientSession
from turms.gateway.gateway import Gateway
from turms.gateway.local import LocalSessions
from turms.gateway.login_policy import DeviceType, LoginConflictStrategy, LoginPolicy, SimultaneousLoginStrategy
from turms.observability import logging as observability_logging
from turms.observability import metrics, trace
from turms.plugins.api import ClientRequest, LoginAttempt, OnlineStatusChange, Refuse, Rewrite
from turms.plugins.hooks import Hooks
from turms.protocol.pb import constant_pb2, model_user_pb2, turms_notification_pb2
from turms.protocol.requests import to_enum
from turms.protocol.status import ResponseStatusCode, SessionCloseStatus
from turms.security.login_throttle import LoginThrottle
from turms.service.api import Requester, Response, Router, ServiceRequest
from turms.settings import Settings
from turms.settings import auth as auth_settings

log = logging.getLogger("turms.gateway.session")
client_api_log = logging.getLogger(observability_logging.CLIENT_API)

#: The status code of the response the current request got (set by every response built here), for metrics
#: and the client-API log; 0 when the request got no response (the connection went away meanwhile).
_RESPONSE_CODE: ContextVar[int] = ContextVar("turms_response_code", default=0)

USER_STATUS_AVAILABLE = 0
USER_STATUS_OFFLINE = 1
_USER_STATUSES = frozenset(int(v) for v in constant_pb2.UserStatus.values())
LOGIN_VERSION = 1


def build_response(
    request_id: int,
    code: ResponseStatusCode,
    reason: str | None,
    data: Any,
    now_ms: int,
    custom_attributes: tuple[Any, ...] = (),
) -> bytes:
    n = turms_notification_pb2.TurmsNotification(timestamp=now_ms, request_id=request_id, code=int(code))
    if reason:
        n.reason = reason
    if data is not None:
        n.data.CopyFrom(data)
    if custom_attributes:
        n.custom_attributes.extend(custom_attributes)
    return bytes(n.SerializeToString())


class SessionHandler:
    def __init__(
        self,
        *,
        settings: Settings,
        gateway: Gateway,
        local: LocalSessions,
        registry: SessionRegistry,
        bus: RoutingBus,
        authenticator: Authenticator,
        router: Router,
        clock: Clock,
        node_id: str,
        login_throttle: LoginThrottle | None = None,
        hooks: Hooks | None = None,
    ) -> None:
        self.settings = settings
        self.gateway = gateway
        self.local = local
        self.registry = registry
        self.bus = bus
        self.authenticator = authenticator
        self.router = router
        self.clock = clock
        self.node_id = node_id
        #: The failed-login throttle (None: logins are not throttled, e.g. ``gateway.auth.type = none``).
        self.login_throttle = login_throttle
        #: The plugins' extension points (request handling, online-status events; authentication is inside
        #: ``authenticator``, under the throttle).
        self.hooks = hooks if hooks is not None else Hooks()
        self._background: set[asyncio.Task[Any]] = set()

    def policy(self) -> LoginPolicy:
        s = self.settings
        return LoginPolicy(
            SimultaneousLoginStrategy(s.get(auth_settings.STRATEGY)),
            LoginConflictStrategy(s.get(auth_settings.CONFLICT_STRATEGY)),
            allow_unknown=s.get(auth_settings.ALLOW_UNKNOWN_DEVICE),
            allow_others=s.get(auth_settings.ALLOW_OTHERS_DEVICE),
        )

    # RequestHandler --------------------------------------------------------------------------------

    async def handle(self, session: ClientSession, request: Any) -> bytes | None:
        """Handle one request under a new trace id; count it by type and status, time it, and write its
        client-API log line when the trace is sampled."""
        kind = request.WhichOneof("kind")
        trace_id = trace.new_trace_id()
        trace_token = trace.CURRENT.set(trace_id)
        code_token = _RESPONSE_CODE.set(0)
        started = time.perf_counter()
        try:
            return await self._handle(session, request, kind, trace_id)
        except asyncio.CancelledError:
            if not _RESPONSE_CODE.get():  # not answered yet (Gateway.answer): the gateway answers this
                _RESPONSE_CODE.set(int(ResponseStatusCode.SERVER_UNAVAILABLE))
            raise
        except Exception:
            _RESPONSE_CODE.set(int(ResponseStatusCode.SERVER_INTERNAL_ERROR))
            raise
        finally:
            elapsed = time.perf_counter() - started
            code = _RESPONSE_CODE.get()
            metrics.record_request(kind, code, elapsed)
            if observability_logging.client_api_sampled(trace_id):
                self._log_request(session, request, kind, code, elapsed, trace_id)
            _RESPONSE_CODE.reset(code_token)
            trace.CURRENT.reset(trace_token)

    def _log_request(
        self, session: ClientSession, request: Any, kind: str, code: int, elapsed: float, trace_id: str
    ) -> None:
        user_id = session.user_id
        if user_id is None and kind == "create_session_request":
            user_id = request.create_session_request.user_id
        client_api_log.info(
            "%s %d",
            kind,
            code,
            extra={
                "trace_id": trace_id,
                "fields": {
                    "session": self.local.cluster_session_id(session) if session.logged_in else None,
                    "user": user_id,
                    "device": metrics.device_name(session.device_type) if session.device_type is not None else None,
                    "ip": _ip(session.conn.remote),
                    "transport": session.conn.transport_name,
                    "request_id": request.request_id,
                    "type": kind,
                    "size": request.ByteSize(),
                    "code": code,
                    "duration_ms": round(elapsed * 1000, 3),
                },
            },
        )

    async def _handle(self, session: ClientSession, request: Any, kind: str, trace_id: str) -> bytes | None:
        if kind == "create_session_request":
            return await self._login(session, request)
        if kind == "delete_session_request":
            return await self._logout(session, request)
        if self.hooks.request_handlers:
            outcome = await self._plugins_first(session, request)
            if isinstance(outcome, Rewrite):
                request = outcome.request
                kind = request.WhichOneof("kind")
                if self.gateway.guard.is_disabled(kind):  # the gateway checked the original kind only
                    return self._reply(request, ResponseStatusCode.ILLEGAL_ARGUMENT, "the request type is disabled")
            elif outcome is not None:
                return self._respond(request, outcome)
        if kind == "update_user_online_status_request":
            return await self._update_status(session, request, trace_id)
        if kind == "query_user_online_statuses_request":
            return await self._query_statuses(request)
        result = await self._dispatch(session, request, kind, trace_id)
        payload = self._respond(request, result)
        if result.after_sent is None:
            return payload
        # A sent message: its ack first, then its pushes (the sender does not wait for the fan-out).
        self.gateway.answer(session, payload)
        try:
            await result.after_sent()
        except Exception:
            log.exception("request %d: the work after its response failed", request.request_id)
        return None

    async def _plugins_first(self, session: ClientSession, request: Any) -> Rewrite | Response | None:
        """The plugins' ``handle_request`` (Turms's ClientRequestHandler): the rewritten request to go on with, the
        response that ends it here (a refusal or a plugin's answer), or None to go on unchanged."""
        assert session.user_id is not None and session.device_type is not None
        outcome = await self.hooks.handle_request(
            ClientRequest(
                session.user_id,
                session.device_type,
                self.local.cluster_session_id(session),
                _ip(session.conn.remote),
                request,
            )
        )
        if outcome is None or isinstance(outcome, Rewrite):
            return outcome
        code = ResponseStatusCode.from_code(int(outcome.code))
        if code is None:
            return Response(ResponseStatusCode.SERVER_INTERNAL_ERROR, "a plugin answered with an unknown code")
        if isinstance(outcome, Refuse):
            if code.is_success:  # a refusal refuses
                code = ResponseStatusCode.UNAUTHORIZED_REQUEST
            return Response(code, outcome.reason)
        data: Any = outcome.data  # typed; a plugin may still return anything
        if data is not None and not isinstance(data, turms_notification_pb2.TurmsNotification.Data):
            return Response(ResponseStatusCode.SERVER_INTERNAL_ERROR, "a plugin answered with unusable data")
        return Response(code, outcome.reason, outcome.data)

    async def _dispatch(self, session: ClientSession, request: Any, kind: str, trace_id: str) -> Response:
        """Hand the request to the domain services (which answer it and push to whom it concerns)."""
        assert session.user_id is not None and session.device_type is not None
        requester = Requester(
            session.user_id, session.device_type, self.local.cluster_session_id(session), _ip(session.conn.remote)
        )
        req = ServiceRequest(requester, request.request_id, request, kind, self.clock.now(), trace_id)
        return await self.router.dispatch(req)

    def _respond(self, request: Any, result: Response) -> bytes:
        _RESPONSE_CODE.set(int(result.code))
        return build_response(
            request.request_id, result.code, result.reason, result.data, self.clock.now_ms(), result.custom_attributes
        )

    def _reply(self, request: Any, code: ResponseStatusCode, reason: str | None = None, data: Any = None) -> bytes:
        _RESPONSE_CODE.set(int(code))
        return build_response(request.request_id, code, reason, data, self.clock.now_ms())

    # Login and logout ------------------------------------------------------------------------------

    async def _login(self, session: ClientSession, request: Any) -> bytes | None:
        body = request.create_session_request
        if body.version != LOGIN_VERSION:
            return self._reply(request, ResponseStatusCode.UNSUPPORTED_CLIENT_VERSION, "version must be 1")
        if session.logged_in:
            return self._reply(request, ResponseStatusCode.CREATE_EXISTING_SESSION)
        try:
            device = DeviceType(body.device_type)
        except ValueError:
            return self._reply(request, ResponseStatusCode.ILLEGAL_ARGUMENT, "unknown device type")
        # When the login started: of two conflicting logins, the later-started one wins (see register_session.lua).
        started_ms = self.clock.now_ms()
        policy = self.policy()
        if policy.is_forbidden(device):
            return self._reply(request, ResponseStatusCode.LOGIN_FROM_FORBIDDEN_DEVICE_TYPE)
        user_id = body.user_id
        status = body.user_status if body.HasField("user_status") else USER_STATUS_AVAILABLE
        if status == USER_STATUS_OFFLINE:
            status = USER_STATUS_AVAILABLE
        attempt = LoginAttempt(
            user_id,
            body.password if body.HasField("password") else None,
            int(device),
            _ip(session.conn.remote),
            status,
            dict(body.device_details),
        )
        refused = await authenticate_login(self.authenticator, self.login_throttle, attempt)
        if refused is not None:
            return self._reply(request, refused.code, refused.reason)
        if _gone(session):
            return None  # the connection went away while we checked the password
        if self.gateway.guard.user_blocked(user_id):
            # Checked after authentication, so nobody can probe which user ids are blocked.
            self._refuse_blocked(session, request)
            return None
        session.user_id = user_id
        session.device_type = int(device)
        entry = SessionEntry(device, self.local.instance_id, self.local.cluster_session_id(session), started_ms)
        registration = await self.registry.register(user_id, entry, status, policy)
        if not registration.accepted:
            session.user_id = None
            session.device_type = None
            return self._reply(request, ResponseStatusCode.SESSION_SIMULTANEOUS_CONFLICTS_DECLINE)
        if _gone(session):
            # Closed during registration: undo it, and give back the places of the sessions it displaced (they
            # were not told; a login that never got to its client must not take over from one that did).
            self._spawn(self.registry.unregister(user_id, entry, registration.conflicts))
            return None
        session.entry = entry
        first_here = not self.local.of_user(user_id)
        self.local.add(session)
        if first_here:
            metrics.USERS_ONLINE.inc()
        self.gateway.session_logged_in(session, user_id, int(device))
        if self.gateway.guard.user_blocked(user_id):
            self._refuse_blocked(session, request)  # blocked while it registered
            return None
        if registration.conflicts:
            log.info(
                "user %d logged in on device %s as %s, displacing %s",
                user_id,
                device.name,
                entry.session_id,
                ", ".join(f"{e.session_id} ({e.device.name}, login {e.login_ms})" for e in registration.conflicts),
            )
            await self.bus.kick(
                registration.conflicts,
                SessionCloseStatus.DISCONNECTED_BY_OTHER_DEVICE,
                f"user {user_id} logged in on another device",
            )
        session.conn.send(self._reply(request, ResponseStatusCode.OK))
        if self.settings.get(auth_settings.NOTIFY_USER_SESSION):
            n = turms_notification_pb2.TurmsNotification(timestamp=self.clock.now_ms())
            n.data.user_session.CopyFrom(
                model_user_pb2.UserSession(session_id=entry.session_id, server_id=self.node_id)
            )
            session.conn.send(bytes(n.SerializeToString()))
        if self.hooks.status_handlers:
            self.hooks.online_status(
                OnlineStatusChange(
                    user_id, int(device), entry.session_id, True, status, self.clock.now_ms(), attempt.ip
                )
            )
        return None

    def _refuse_blocked(self, session: ClientSession, request: Any) -> None:
        reason = "the user is blocked"
        session.conn.send(self._reply(request, ResponseStatusCode.LOGIN_AUTHENTICATION_FAILED, reason))
        self.gateway.close(session, SessionCloseStatus.USER_IS_BLOCKED, reason)

    async def _logout(self, session: ClientSession, request: Any) -> bytes | None:
        session.conn.send(self._reply(request, ResponseStatusCode.OK))
        self.gateway.close(session, SessionCloseStatus.DISCONNECTED_BY_CLIENT, "logged out")
        return None

    def session_closed(self, session: ClientSession) -> None:
        """The connection of a logged-in session is gone: leave the local table and the registry."""
        if not self.local.remove(session):
            return
        if session.user_id is not None and not self.local.of_user(session.user_id):
            metrics.USERS_ONLINE.dec()
        entry: SessionEntry | None = session.entry
        if session.user_id is not None and entry is not None:
            self._spawn(self.registry.unregister(session.user_id, entry))
            if self.hooks.status_handlers:
                self.hooks.online_status(
                    OnlineStatusChange(
                        session.user_id,
                        int(entry.device),
                        entry.session_id,
                        False,
                        USER_STATUS_OFFLINE,
                        self.clock.now_ms(),
                        _ip(session.conn.remote),
                        session.closing,
                    )
                )

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("session registry update failed: %s", task.exception())

    async def flush(self) -> None:
        """Wait for pending registry updates (drain)."""
        if self._background:
            await asyncio.wait(set(self._background), timeout=2.0)

    # Presence --------------------------------------------------------------------------------------

    async def _update_status(self, session: ClientSession, request: Any, trace_id: str) -> bytes | None:
        """``UpdateUserOnlineStatusRequest``, as Turms handles it: OFFLINE closes the named device types' sessions
        (all of them when none are named) wherever they are held; any other status is stored in the session
        registry. Then the user domain (``turms.service.user.online_status``) relays the request to the audience
        the ``service.notification.user_online_status_updated.*`` settings name, through the routing bus.

        Turms tells nobody when a user merely logs in or out (only its ``UserOnlineStatusChangeHandler``
        plugins hear of that): clients that care query statuses. So do we."""
        body = request.update_user_online_status_request
        assert session.user_id is not None
        status = int(body.user_status)
        if status not in _USER_STATUSES:
            # Checked before anything is stored or closed (Turms: UNRECOGNIZED → ILLEGAL_ARGUMENT).
            return self._reply(request, ResponseStatusCode.ILLEGAL_ARGUMENT, f"unknown user status {status}")
        kind = "update_user_online_status_request"
        if status != USER_STATUS_OFFLINE:
            await self.registry.set_status(session.user_id, status)
            if self.hooks.status_handlers and session.device_type is not None:
                self.hooks.online_status(
                    OnlineStatusChange(
                        session.user_id,
                        session.device_type,
                        self.local.cluster_session_id(session),
                        True,
                        status,
                        self.clock.now_ms(),
                        _ip(session.conn.remote),
                    )
                )
            return self._respond(request, await self._dispatch(session, request, kind, trace_id))
        devices = set(body.device_types)
        targets = [e for e in await self.registry.sessions(session.user_id) if not devices or int(e.device) in devices]
        # The audience hears of it before the sessions close: the requester's own may be among them, and it
        # must get its response first.
        result = await self._dispatch(session, request, kind, trace_id)
        session.conn.send(self._respond(request, result))
        await self.bus.kick(targets, SessionCloseStatus.DISCONNECTED_BY_CLIENT, "set offline")
        return None

    async def _query_statuses(self, request: Any) -> bytes:
        body = request.query_user_online_statuses_request
        if not body.user_ids:
            return self._reply(request, ResponseStatusCode.ILLEGAL_ARGUMENT, "user_ids must not be empty")
        statuses = await self.registry.status_of(body.user_ids)
        data = turms_notification_pb2.TurmsNotification.Data()
        for uid in body.user_ids:
            status, entries = statuses[uid]
            item = data.user_online_statuses.statuses.add(user_id=uid)
            if status is None:
                item.user_status = to_enum(constant_pb2.UserStatus, USER_STATUS_OFFLINE, strict=False)
            else:
                item.user_status = to_enum(constant_pb2.UserStatus, status, strict=False)
                for e in entries:
                    item.device_types.append(to_enum(constant_pb2.DeviceType, int(e.device), strict=False))
        return self._reply(request, ResponseStatusCode.OK, data=data)

    # Maintenance -----------------------------------------------------------------------------------

    async def restore_registry(self) -> None:
        """Register every local session again (after Redis came back empty)."""
        entries = [
            (s.user_id, s.entry, USER_STATUS_AVAILABLE)
            for uid in self.local.users()
            for s in self.local.of_user(uid)
            if s.user_id is not None and s.entry is not None
        ]
        await self.registry.restore(entries)

    async def refresh_registry(self) -> None:
        """Push back the registry TTL of every user held here (run periodically)."""
        await self.registry.refresh(self.local.users())


def _gone(session: ClientSession) -> bool:
    """Whether the connection started closing (re-checked after each await; a function defeats narrowing)."""
    return session.closing is not None


def _ip(remote: str) -> str:
    host, _, _ = remote.rpartition(":")
    return host.strip("[]") or remote
