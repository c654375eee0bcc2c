"""``TurmsClient``: one logical client session over TCP or WebSocket, with reconnects.

Requests are correlated with responses by ``request_id``; anything the server pushes without a request id
(messages, kicks, relayed requests) goes to the notification queue and the registered callbacks. When the
connection drops, or the server closes it with a status that allows it, the client reconnects with jittered
exponential backoff, logs in again with the same credentials, and runs its ``on_reconnected`` hooks (the
message service uses one to pull what was missed). Close statuses that mean "you are not wanted here"
(another device took over, an admin kicked you, you were blocked or deleted) stop reconnecting unless
``reconnect_after_kick`` is set.

Every failure raised to the application is a :class:`~turms.client.errors.TurmsClientError` with a Turms status
code and a reason (see :mod:`turms.client.errors`): transport errors, lost connections and timeouts are
translated here, at the edge, and never escape as bare ``OSError`` or ``TimeoutError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from turms.client.errors import (
    ConnectionClosedError,
    ConnectTimeoutError,
    RequestTimeoutError,
    ResponseError,
    TurmsClientError,
)
from turms.client.transport import ClientTransport, TcpTransport, TransportClosed, WebSocketTransport
from turms.protocol.pb import turms_notification_pb2, turms_request_pb2
from turms.protocol.requests import to_enum
from turms.protocol.status import ResponseStatusCode, SessionCloseStatus

log = logging.getLogger("turms.client")

TurmsRequest = turms_request_pb2.TurmsRequest
TurmsNotification = turms_notification_pb2.TurmsNotification

#: After these close statuses the client does not reconnect on its own.
NO_RECONNECT_STATUSES = frozenset(
    {
        SessionCloseStatus.DISCONNECTED_BY_CLIENT,  # this user asked to go offline (logout, OFFLINE status)
        SessionCloseStatus.DISCONNECTED_BY_OTHER_DEVICE,
        SessionCloseStatus.DISCONNECTED_BY_ADMIN,
        SessionCloseStatus.USER_IS_DELETED_OR_INACTIVATED,
        SessionCloseStatus.USER_IS_BLOCKED,
    }
)
SUCCESS_CODES = frozenset({ResponseStatusCode.OK, ResponseStatusCode.NO_CONTENT, ResponseStatusCode.ALREADY_UP_TO_DATE})

NotificationCallback = Callable[[Any], None]
ReconnectHook = Callable[[], Awaitable[None]]
#: Told that the connection was lost (the error carries the close status, if the server sent one).
DisconnectCallback = Callable[["ConnectionClosedError"], None]


@dataclass(frozen=True, slots=True)
class _Detached:
    """A connection the client has let go of, still to be stopped and closed."""

    heartbeat: asyncio.Task[None] | None
    reader: asyncio.Task[None] | None
    transport: ClientTransport | None


@dataclass
class Credentials:
    user_id: int
    password: str | None
    device_type: int
    user_status: int | None
    device_details: dict[str, str] = field(default_factory=dict)


class TurmsClient:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 11510,
        *,
        url: str | None = None,
        request_timeout_s: float = 30.0,
        connect_timeout_s: float = 10.0,
        heartbeat_interval_s: float = 60.0,
        reconnect: bool = True,
        reconnect_after_kick: bool = False,
        reconnect_base_delay_s: float = 0.2,
        reconnect_max_delay_s: float = 10.0,
        max_frame_bytes: int = 1 << 24,
        local_addr: str | None = None,
        tls: ssl.SSLContext | bool = False,
    ) -> None:
        """Connect to ``host:port`` over TCP, or to a WebSocket ``url`` (``ws://host:10510``) when given.

        ``tls``: TCP over TLS (``True``: the system's trusted CAs and hostname checks; or an
        :class:`ssl.SSLContext`, e.g. one trusting a private CA). A ``wss://`` URL is always TLS; ``tls`` then
        gives its context.

        ``connect_timeout_s`` bounds opening a connection (TCP connect, TLS and WebSocket handshakes), on
        :meth:`connect` and on every reconnect attempt: past it, :class:`ConnectTimeoutError`. Without it a peer
        that accepts and never answers, or a network that drops packets, held an attempt for minutes."""
        self.host = host
        self.port = port
        self.url = url
        self.request_timeout_s = request_timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.heartbeat_interval_s = heartbeat_interval_s
        self.reconnect = reconnect
        self.reconnect_after_kick = reconnect_after_kick
        self.reconnect_base_delay_s = reconnect_base_delay_s
        self.reconnect_max_delay_s = reconnect_max_delay_s
        self.max_frame_bytes = max_frame_bytes
        self.local_addr = local_addr
        self.tls: ssl.SSLContext | None = (
            tls if isinstance(tls, ssl.SSLContext) else ssl.create_default_context() if tls else None
        )
        self._transport: ClientTransport | None = None
        self._reader: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._heartbeat_waiters: list[asyncio.Future[None]] = []
        self._ids = itertools.count(1)
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._callbacks: list[NotificationCallback] = []
        self._reconnect_hooks: list[ReconnectHook] = []
        self._disconnect_callbacks: list[DisconnectCallback] = []
        self._credentials: Credentials | None = None
        self._closed_by_user = False
        self._connected = asyncio.Event()
        self._reconnecting: asyncio.Task[None] | None = None
        #: The close status of the last server-initiated close, if any.
        self.close_status: int | None = None
        self.close_reason: str | None = None
        #: The session id and server id the server announced after login (``UserSession``), if any.
        self.session_id: str | None = None
        self.server_id: str | None = None
        self.reconnects = 0
        #: Failed reconnect attempts since the last successful one, and the last attempt's error (why a client
        #: that stays away is not back; both reset when a reconnect succeeds).
        self.reconnect_failures = 0
        self.last_reconnect_error: Exception | None = None
        #: Set when the client gave up (a kick, or ``close()``): no more reconnects.
        self.closed = asyncio.Event()

    # Connection --------------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def connect(self) -> None:
        """Open the connection; raises :class:`ConnectionClosedError` when it cannot be opened, and
        :class:`ConnectTimeoutError` when it is not open within ``connect_timeout_s``."""
        self._closed_by_user = False
        self.closed.clear()
        try:
            await self._open()
        except ConnectTimeoutError:
            raise  # also a TimeoutError, so an OSError
        except OSError as e:  # refused, unreachable, unknown host, WebSocket handshake refused (TransportClosed)
            raise ConnectionClosedError(f"could not connect: {e}") from e

    async def _open(self, *, ready: bool = True) -> None:
        """Open the transport; ``ready=False`` (a reconnect) leaves :meth:`wait_connected` waiting until the
        caller has logged in again, so no request is sent from a session the server does not know yet."""
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                if self.url:
                    transport: ClientTransport = await WebSocketTransport.open(
                        self.url, max_frame_bytes=self.max_frame_bytes, ssl=self.tls
                    )
                else:
                    transport = await TcpTransport.open(
                        self.host,
                        self.port,
                        max_frame_bytes=self.max_frame_bytes,
                        local_addr=self.local_addr,
                        ssl=self.tls,
                    )
        except TimeoutError:
            raise ConnectTimeoutError(f"no connection within {self.connect_timeout_s} s") from None
        self._transport = transport
        self.close_status = None
        if ready:
            self._connected.set()
        self._reader = asyncio.create_task(self._read_loop(self._transport), name="turms-client-reader")
        if self.heartbeat_interval_s > 0:
            self._heartbeat = asyncio.create_task(self._heartbeat_loop(), name="turms-client-heartbeat")

    async def close(self) -> None:
        """Close for good (no reconnect)."""
        self._closed_by_user = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            await asyncio.gather(self._reconnecting, return_exceptions=True)
        await self._teardown(ConnectionClosedError("client closed"))
        self.closed.set()

    async def __aenter__(self) -> TurmsClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _teardown(self, error: Exception) -> None:
        """End the current connection (:meth:`_detach`, then :meth:`_release`)."""
        await self._release(self._detach(error))

    def _detach(self, error: Exception) -> _Detached:
        """Forget the current connection, without waiting for anything: fail what waits on it and return what
        is left to stop and close. Nothing awaits in between, so a connection opened later (a reconnect attempt)
        is never touched by the teardown of an older one, and the reconnect loop can tell that the connection
        it logged in on is gone (:meth:`_reconnect_loop`)."""
        self._connected.clear()
        detached = _Detached(self._heartbeat, self._reader, self._transport)
        self._heartbeat = self._reader = self._transport = None
        pending, self._pending = self._pending, {}
        waiters, self._heartbeat_waiters = self._heartbeat_waiters, []
        for fut in (*pending.values(), *waiters):
            if not fut.done():
                fut.set_exception(error)
        return detached

    async def _release(self, detached: _Detached) -> None:
        """Stop a detached connection's tasks (but the one running this) and close its transport."""
        current = asyncio.current_task()
        for task in (detached.heartbeat, detached.reader):
            if task is not None and task is not current:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if detached.transport is not None:
            with contextlib.suppress(Exception):
                await detached.transport.close()

    # Reading -----------------------------------------------------------------------------------------

    async def _read_loop(self, transport: ClientTransport) -> None:
        payload = b""
        try:
            while True:
                payload = await transport.recv()
                if not payload:
                    for waiter in self._heartbeat_waiters:
                        if not waiter.done():
                            waiter.set_result(None)
                    self._heartbeat_waiters.clear()
                    continue
                self._on_notification(TurmsNotification.FromString(payload))
        except asyncio.CancelledError:
            raise
        except (TransportClosed, OSError) as e:
            log.debug("connection lost: %s", e)
        except Exception:
            log.exception(
                "malformed data from the server (%d bytes: %s); dropping the connection",
                len(payload),
                payload[:64].hex(),
            )
        await self._connection_lost()

    def _on_notification(self, n: Any) -> None:
        if n.HasField("close_status"):
            self.close_status = n.close_status
            self.close_reason = n.reason if n.HasField("reason") else None
        if n.HasField("request_id") and n.request_id in self._pending:
            fut = self._pending.pop(n.request_id)
            if not fut.done():
                fut.set_result(n)
            return
        if n.HasField("data") and n.data.HasField("user_session"):
            self.session_id = n.data.user_session.session_id
            self.server_id = n.data.user_session.server_id
        self._queue.put_nowait(n)
        for cb in self._callbacks:
            try:
                cb(n)
            except Exception:
                log.exception("notification callback failed")

    async def _connection_lost(self) -> None:
        status = self.close_status
        error = ConnectionClosedError("connection closed", close_status=status, reason=self.close_reason)
        detached = self._detach(error)
        if self._closed_by_user:
            await self._release(detached)
            return
        # Decided before anything here waits: a reconnect loop still running must be seen running, not finished
        # meanwhile with a newer connection that a second loop would then replace.
        wanted = status not in NO_RECONNECT_STATUSES or self.reconnect_after_kick
        if self.reconnect and wanted:
            # A reconnect loop still running retries by itself (this connection was one of its attempts); a
            # second loop would log in twice, and the two sessions would displace each other (501).
            if self._reconnecting is None or self._reconnecting.done():
                self._reconnecting = asyncio.create_task(self._reconnect_loop(), name="turms-client-reconnect")
        else:
            self.closed.set()
        await self._release(detached)
        for callback in self._disconnect_callbacks:
            try:
                callback(error)
            except Exception:
                log.exception("disconnect callback failed")

    async def _reconnect_loop(self) -> None:
        delay = self.reconnect_base_delay_s
        while not self._closed_by_user:
            await asyncio.sleep(delay * (0.5 + random.random()))
            try:
                await self._open(ready=False)
                transport = self._transport
                if self._credentials is not None:
                    await self._login(self._credentials)
                if self._transport is not transport:
                    # The connection ended right behind the login's answer: its reader saw the end and tore
                    # it down before this loop woke up. Declaring the client connected now would leave it
                    # "connected" with no connection and, once this loop stops, nothing to reconnect it.
                    raise ConnectionClosedError("the connection ended right after the login")
                self._connected.set()
            except asyncio.CancelledError:
                raise
            except (OSError, TurmsClientError) as e:
                log.info("reconnect failed (%s); retrying", e)
                self.reconnect_failures += 1
                self.last_reconnect_error = e
                await self._teardown(ConnectionClosedError("reconnect failed"))
                delay = min(delay * 2, self.reconnect_max_delay_s)
                continue
            self.reconnects += 1
            self.reconnect_failures, self.last_reconnect_error = 0, None
            for hook in self._reconnect_hooks:
                try:
                    await hook()
                except Exception:
                    log.exception("reconnect hook failed")
            if self.connected:
                return
            # Lost again while the hooks ran: no other loop was started meanwhile, so keep going.

    async def wait_connected(self, timeout_s: float | None = None) -> None:
        """Wait until connected (after a reconnect: logged in again). Raises :class:`ConnectTimeoutError` after
        ``timeout_s``, and :class:`ConnectionClosedError` (with the close status) if the client is closed for good
        meanwhile."""
        if self._connected.is_set():
            return
        if self.closed.is_set():
            raise self._closed_error()
        connected = asyncio.ensure_future(self._connected.wait())
        closed = asyncio.ensure_future(self.closed.wait())
        try:
            await asyncio.wait({connected, closed}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            connected.cancel()
            closed.cancel()
        if self._connected.is_set():
            return
        if self.closed.is_set():
            raise self._closed_error()
        raise ConnectTimeoutError(f"not connected within {timeout_s} s")

    def _closed_error(self, message: str = "not connected") -> ConnectionClosedError:
        return ConnectionClosedError(message, close_status=self.close_status, reason=self.close_reason)

    # Requests ----------------------------------------------------------------------------------------

    async def send_raw(self, request: Any) -> Any:
        """Send a ``TurmsRequest`` (its ``request_id`` is assigned here) and return the raw response, whatever
        its code. Raises :class:`ConnectionClosedError` or :class:`RequestTimeoutError`."""
        if self._transport is None:
            raise self._closed_error()
        request.request_id = next(self._ids)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request.request_id] = fut
        try:
            await self._transport.send(request.SerializeToString())
            return await asyncio.wait_for(fut, self.request_timeout_s)
        except TurmsClientError:  # the connection was torn down while waiting: already the right error
            raise
        except TimeoutError:
            raise RequestTimeoutError(
                f"no response to request {request.request_id} within {self.request_timeout_s} s"
            ) from None
        except OSError as e:  # TransportClosed, or a reset / broken pipe while writing
            raise self._closed_error(f"connection lost: {e}") from e
        finally:
            self._pending.pop(request.request_id, None)

    async def request(self, kind: str, message: Any, *, custom_attributes: list[Any] | None = None) -> Any:
        """Send one request of ``kind`` (the oneof field name, e.g. ``"query_user_profiles_request"``).

        Returns the response notification; raises :class:`ResponseError` for a non-success code (and what
        :meth:`send_raw` raises).
        """
        request = TurmsRequest()
        getattr(request, kind).CopyFrom(message)
        if custom_attributes:
            request.custom_attributes.extend(custom_attributes)
        response = await self.send_raw(request)
        if response.code not in SUCCESS_CODES:
            raise ResponseError(response.code, response.reason if response.HasField("reason") else None)
        return response

    async def heartbeat(self) -> None:
        """Send one heartbeat and wait for the server's empty answer."""
        if self._transport is None:
            raise self._closed_error()
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._heartbeat_waiters.append(fut)
        try:
            await self._transport.send(b"")
            await asyncio.wait_for(fut, self.request_timeout_s)
        except TurmsClientError:
            raise
        except TimeoutError:
            raise RequestTimeoutError(f"no heartbeat answer within {self.request_timeout_s} s") from None
        except OSError as e:
            raise self._closed_error(f"connection lost: {e}") from e
        finally:
            with contextlib.suppress(ValueError):
                self._heartbeat_waiters.remove(fut)

    async def _heartbeat_loop(self) -> None:
        """A heartbeat every ``heartbeat_interval_s``, and its answer awaited: a connection that does not answer
        within ``request_timeout_s`` is taken for dead and dropped, which starts a reconnect. A peer gone without
        a reset (a NAT that forgot the connection, a phone that changed networks) otherwise kept the client
        "connected" until TCP gave up, many minutes later, while every request timed out."""
        while True:
            await asyncio.sleep(self.heartbeat_interval_s)
            try:
                await self.heartbeat()
            except RequestTimeoutError:
                log.info("no heartbeat answer within %s s: dropping the connection", self.request_timeout_s)
                await self._connection_lost()
                return
            except TurmsClientError:
                return  # the connection is gone already: its reader handles that

    # Session -----------------------------------------------------------------------------------------

    async def login(
        self,
        user_id: int,
        password: str | None = None,
        *,
        device_type: int = 0,
        user_status: int | None = None,
        device_details: dict[str, str] | None = None,
    ) -> Any:
        """Log in (``CreateSessionRequest``, version 1). ``password`` may be a JWT when the server uses JWT."""
        creds = Credentials(user_id, password, device_type, user_status, dict(device_details or {}))
        response = await self._login(creds)
        self._credentials = creds
        return response

    async def _login(self, creds: Credentials) -> Any:
        from turms.protocol.pb import constant_pb2, request_session_pb2

        req = request_session_pb2.CreateSessionRequest(version=1, user_id=creds.user_id)
        req.device_type = to_enum(constant_pb2.DeviceType, creds.device_type, strict=False)
        if creds.password is not None:
            req.password = creds.password
        if creds.user_status is not None:
            req.user_status = to_enum(constant_pb2.UserStatus, creds.user_status, strict=False)
        req.device_details.update(creds.device_details)
        return await self.request("create_session_request", req)

    async def logout(self) -> None:
        """End the session (``DeleteSessionRequest``); the server closes the connection."""
        from turms.protocol.pb import request_session_pb2

        self._credentials = None
        self._closed_by_user = True
        with contextlib.suppress(ConnectionClosedError, TimeoutError):
            await self.request("delete_session_request", request_session_pb2.DeleteSessionRequest())
        await self.close()

    # Notifications -----------------------------------------------------------------------------------

    def on_notification(self, callback: NotificationCallback) -> None:
        self._callbacks.append(callback)

    def on_reconnected(self, hook: ReconnectHook) -> None:
        """Run ``hook`` after every automatic reconnect and re-login (before requests resume)."""
        self._reconnect_hooks.append(hook)

    def on_disconnected(self, callback: DisconnectCallback) -> None:
        """Call ``callback`` whenever the connection is lost without :meth:`close` (a drop, a kick, a server
        shutdown); :attr:`closed` tells afterwards whether the client gave up or reconnects."""
        self._disconnect_callbacks.append(callback)

    async def next_notification(self, timeout_s: float | None = None) -> Any:
        """The next pushed notification; :class:`RequestTimeoutError` if none arrives within ``timeout_s``."""
        try:
            return await asyncio.wait_for(self._queue.get(), timeout_s)
        except TimeoutError:
            raise RequestTimeoutError(f"no notification within {timeout_s} s") from None

    async def notifications(self) -> AsyncIterator[Any]:
        """Every pushed notification, in arrival order, until the client is closed for good."""
        while not (self.closed.is_set() and self._queue.empty()):
            getter = asyncio.ensure_future(self._queue.get())
            closer = asyncio.ensure_future(self.closed.wait())
            done, _ = await asyncio.wait({getter, closer}, return_when=asyncio.FIRST_COMPLETED)
            closer.cancel()
            if getter in done:
                yield getter.result()
            else:
                getter.cancel()
