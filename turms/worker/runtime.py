"""A worker's life: boot (bind, connect, report READY), serve, drain.

Boot binds every listener first, so a taken port fails in milliseconds, then waits for Redis up to
``redis.connect_timeout_s`` and builds the components; only then do the sockets listen (join the
``SO_REUSEPORT`` groups), so no connection waits in the queue of a worker that cannot serve it yet. A boot
failure that retrying cannot fix (a port taken, a bad setting) is reported to the supervisor as
``FAIL <cause>`` and the worker exits with :data:`~turms.worker.control.EXIT_BOOT_FAILURE`; Redis or the store
not answering within the boot timeout is reported as ``UNAVAILABLE <cause>`` (exit
:data:`~turms.worker.control.EXIT_UNAVAILABLE`), and the supervisor tries again later.

Drain (SIGTERM, or the supervisor died):

1. readiness turns false and the gateway stops taking new requests;
2. the listeners stop; connections still queued on our SO_REUSEPORT sockets are accepted and told
   ``SERVER_CLOSED`` rather than reset by the kernel;
3. requests in flight finish (bounded), every session gets ``SERVER_CLOSED`` with a jittered reconnect
   hint (WebSocket close 1001), connections flush and close (bounded);
4. the HTTP runners shut down, Redis is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import gc
import logging
import os
import re
import signal
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from aiohttp import web

from turms.admin.app import AdminApi
from turms.admin.context import AdminDeps, NodeState
from turms.cluster.connection import connect
from turms.cluster.worker_id import WorkerIdUnavailableError
from turms.gateway import Gateway, RequestHandler, UnavailableHandler
from turms.observability import logging as observability_logging
from turms.observability import metrics, tick
from turms.observability.lag import LagProbe
from turms.observability.process import ProcessSampler
from turms.plugins.loader import Catalog
from turms.security.guard import ConnectionCap, PendingClients
from turms.service.resource.backends import chosen_backend
from turms.service.resource.port import ObjectStoreError
from turms.settings import Settings, SettingsError, server
from turms.settings import admin as admin_settings
from turms.settings import gateway as gw
from turms.settings import metrics as metrics_settings
from turms.settings import redis as redis_settings
from turms.settings import security as sec
from turms.settings import tls as tls_settings
from turms.settings.listeners import configured_listeners
from turms.storage.errors import StorageError, StorageUnavailableError
from turms.transport import (
    AcceptGate,
    GatedSockSite,
    ListenerError,
    WebSocketEndpoint,
    bind_reuseport,
    start_listening,
    sweep_accept,
    tcp_protocol_factory,
)
from turms.transport.http_log import http_logger
from turms.transport.tls import ServerTls, TlsConfigError
from turms.worker.components import Components
from turms.worker.control import EXIT_BOOT_FAILURE, EXIT_UNAVAILABLE, WorkerChannel
from turms.worker.health import HealthEndpoint

log = logging.getLogger("turms.worker")

#: Upper bound of the interval between two heartbeats to the supervisor.
MAX_HEARTBEAT_INTERVAL_S = 1.0
#: Accept queue of the admin HTTP listener (the client listeners use ``gateway.backlog``).
ADMIN_BACKLOG = 128
#: The worker gives up on its datastores this long before the supervisor's boot timeout, so that it can say
#: why (``UNAVAILABLE``) instead of being killed as hung.
BOOT_MARGIN_S = 1.0


@dataclass(frozen=True)
class WorkerSpec:
    """What the supervisor hands a worker at fork."""

    settings: Settings
    redis_url: str
    control_fd: int
    index: int = 0
    generation: int = 0
    supervisor_pid: int = field(default_factory=os.getppid)
    #: The plugins the supervisor discovered for this generation (None: the worker discovers them itself).
    catalog: Catalog | None = None


class BootError(Exception):
    """The worker cannot start; the message is the operator-facing cause. ``unavailable``: because a datastore
    did not answer, which may pass (the supervisor retries); otherwise retrying cannot help."""

    def __init__(self, message: str, *, unavailable: bool = False) -> None:
        super().__init__(message)
        self.unavailable = unavailable


def redact_url(url: str) -> str:
    return re.sub(r"://[^@/]*@", "://***@", url)


class Worker:
    def __init__(self, spec: WorkerSpec, channel: WorkerChannel, handler: RequestHandler | None = None) -> None:
        self.spec = spec
        self.settings = spec.settings
        self.channel = channel
        self.gateway = Gateway(self.settings, handler or UnavailableHandler())
        self.redis: aioredis.Redis | None = None
        self.health = HealthEndpoint(
            index=spec.index,
            generation=spec.generation,
            connections=lambda: len(self.gateway),
            redis_ping=self._redis_ping,
        )
        self._sockets: dict[str, socket.socket] = {}
        self._backlogs: dict[str, int] = {}
        self._tcp_server: asyncio.AbstractServer | None = None
        self._runners: dict[str, web.AppRunner] = {}
        self._sites: dict[str, web.SockSite] = {}
        self._gates = self._make_gates()
        self._stop: asyncio.Event | None = None
        self._heartbeat: asyncio.TimerHandle | None = None
        self.components: Components | None = None
        #: The listeners' TLS context (turms.transport.tls), when any listener serves TLS.
        self.tls: ServerTls | None = None
        self.lag_probe = LagProbe(self.settings.get(metrics_settings.LOOP_LAG_INTERVAL_MS) / 1000)
        self.process_sampler = ProcessSampler("worker")

    # -- entry ------------------------------------------------------------------------------------------

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop.set)
        # Certificates reloaded in place (the supervisor forwards its SIGUSR1): no connection is closed.
        loop.add_signal_handler(signal.SIGUSR1, self._reload_tls)
        self._beat()  # heartbeats start now: a slow boot is judged by the boot timeout, not as a hang
        try:
            await self._boot()
        except BootError as e:
            await self._shutdown_resources()
            if e.unavailable:
                log.warning("worker %d cannot reach its datastores: %s", self.spec.index, e)
                self.channel.unavailable(str(e))
                return EXIT_UNAVAILABLE
            log.error("worker %d cannot boot: %s", self.spec.index, e)
            self.channel.boot_failed(str(e))
            return EXIT_BOOT_FAILURE
        self.health.ready = True
        metrics.preinitialize_worker()
        self.lag_probe.start()
        self.process_sampler.start(self.settings.get(metrics_settings.PROCESS_INTERVAL_S))
        self.channel.ready()
        log.info(
            "worker %d (pid %d, generation %d) serving: %s",
            self.spec.index,
            os.getpid(),
            self.spec.generation,
            ", ".join(f"{name} {sock.getsockname()[:2]}" for name, sock in self._sockets.items()),
        )
        await self._stop.wait()
        started = time.monotonic()
        log.info("worker %d draining %d connections", self.spec.index, len(self.gateway))
        await self._drain()
        log.info("worker %d drained in %.2f s", self.spec.index, time.monotonic() - started)
        return 0

    def _beat(self) -> None:
        if os.getppid() != self.spec.supervisor_pid and self._stop is not None and not self._stop.is_set():
            log.error(
                "worker %d: the supervisor (pid %d) is gone; draining",
                self.spec.index,
                self.spec.supervisor_pid,
            )
            self._stop.set()
        self.channel.heartbeat()
        interval = min(self.settings.get(server.WORKER_HEARTBEAT_TIMEOUT_S) / 4, MAX_HEARTBEAT_INTERVAL_S)
        self._heartbeat = asyncio.get_running_loop().call_later(interval, self._beat)

    # -- boot -------------------------------------------------------------------------------------------

    def _reload_tls(self) -> None:
        if self.tls is not None:
            self.tls.reload()

    async def _boot(self) -> None:
        s = self.settings
        backlog = s.get(gw.BACKLOG)
        deadline = time.monotonic() + max(0.5, s.get(server.WORKER_BOOT_TIMEOUT_S) - BOOT_MARGIN_S)
        try:
            self.tls = ServerTls.from_settings(s)
        except TlsConfigError as e:
            raise BootError(str(e)) from None
        try:
            for name, host, port in configured_listeners(s):
                self._sockets[name] = bind_reuseport(name, host, port)
        except ListenerError as e:
            raise BootError(str(e)) from None
        await self._connect_redis(deadline)
        try:
            self.components = await asyncio.wait_for(
                Components.build(
                    self.settings,
                    self.spec.redis_url,
                    self.gateway,
                    node_info={"worker_index": self.spec.index, "listeners": self._listener_info()},
                    catalog=self.spec.catalog,
                ),
                max(0.01, deadline - time.monotonic()),
            )
        except TimeoutError:
            raise BootError(
                "the store or the cluster services did not answer within the boot timeout "
                f"({s.get(server.WORKER_BOOT_TIMEOUT_S):g} s)",
                unavailable=True,
            ) from None
        except (StorageUnavailableError, aioredis.RedisError, OSError, WorkerIdUnavailableError) as e:
            raise BootError(f"cannot reach the store or the cluster services: {e!r}", unavailable=True) from None
        except StorageError as e:
            raise BootError(f"cannot start the store: {e!r}") from None
        except (ObjectStoreError, SettingsError) as e:
            raise BootError(f"cannot start the files backend ({chosen_backend(self.settings)}): {e}") from None
        # Only now, ready to serve, do the sockets join the SO_REUSEPORT groups: before, the kernel would queue
        # a share of new connections on them, unanswered for as long as the boot takes.
        self._backlogs = {name: ADMIN_BACKLOG if name.endswith(" HTTP") else backlog for name in self._sockets}
        try:
            for name, sock in self._sockets.items():
                start_listening(name, sock, self._backlogs[name])
        except ListenerError as e:
            raise BootError(str(e)) from None
        loop = asyncio.get_running_loop()
        if "client TCP" in self._sockets:
            factory = tcp_protocol_factory(
                self.gateway,
                loop,
                max_frame_bytes=s.get(gw.MAX_FRAME_BYTES),
                max_outbound_bytes=s.get(gw.MAX_OUTBOUND_BYTES),
            )
            # The server gets a duplicate descriptor: the original stays open after the server closes so
            # the drain can accept what is still queued on it (see turms.transport.listeners).
            self._tcp_server = await loop.create_server(
                factory,
                sock=self._sockets["client TCP"].dup(),
                backlog=self._backlogs["client TCP"],
                **self._tcp_tls_options(),
            )
        if "client WebSocket" in self._sockets:
            gate = self._gates["client WebSocket"]
            ws_app = WebSocketEndpoint(self.gateway, s, gate=gate).app()
            if self.components.files is not None and self.components.files.mount is not None:
                self.components.files.mount(ws_app)  # the local files backend's routes (docs/files.md)
                # A file request is this port's other handshake: a complete request ends the deadline (an
                # upgrade then becomes a gateway session), and an idle keep-alive connection closes after it.
                ws_app.middlewares.insert(0, gate.middleware())
            await self._start_site(
                "client WebSocket", ws_app, keepalive_timeout=max(1.0, s.get(sec.HANDSHAKE_TIMEOUT_S))
            )
        if "admin HTTP" in self._sockets:
            app = await self._admin_app()
            app.middlewares.insert(0, self._gates["admin HTTP"].middleware())
            await self._start_site("admin HTTP", app, keepalive_timeout=s.get(admin_settings.KEEPALIVE_TIMEOUT_S))
        if "health HTTP" in self._sockets:
            app = self.health.app()
            app.middlewares.insert(0, self._gates["health HTTP"].middleware())
            await self._start_site("health HTTP", app, keepalive_timeout=s.get(admin_settings.KEEPALIVE_TIMEOUT_S))
        self.gateway.start(loop)

    def _make_gates(self) -> dict[str, AcceptGate]:
        """Admission at accept and the handshake deadline of the HTTP listeners (see turms.transport.gate)."""
        s = self.settings
        guard = self.gateway.guard

        def timeout() -> float:
            return float(s.get(sec.HANDSHAKE_TIMEOUT_S))

        def timed_out() -> None:
            metrics.rate_limit_refused("handshake_timeout")

        admin_cap = ConnectionCap(
            guard,
            lambda: int(s.get(admin_settings.MAX_CONNECTIONS_PER_IP)),
            lambda: bool(s.get(admin_settings.REFUSE_BLOCKED_IPS)),
            "admin_connections",
        )
        return {
            "client WebSocket": AcceptGate(
                "client WebSocket", PendingClients(guard), timeout, release_at_handshake=True, on_timeout=timed_out
            ),
            "admin HTTP": AcceptGate(
                "admin HTTP", admin_cap, timeout, release_at_handshake=False, on_timeout=timed_out
            ),
            # Load balancers' checks: the admin listener's per-IP cap and blocklist rule, counted apart.
            "health HTTP": AcceptGate(
                "health HTTP",
                ConnectionCap(
                    guard,
                    lambda: int(s.get(admin_settings.MAX_CONNECTIONS_PER_IP)),
                    lambda: bool(s.get(admin_settings.REFUSE_BLOCKED_IPS)),
                    "health_connections",
                ),
                timeout,
                release_at_handshake=False,
                on_timeout=timed_out,
            ),
        }

    async def _admin_app(self) -> web.Application:
        """The admin API (with ``/health``) over this worker's components; creates the root admin if needed."""
        c = self.components
        assert c is not None
        node = NodeState(
            index=self.spec.index,
            generation=self.spec.generation,
            is_ready=lambda: self.health.ready,
            is_draining=lambda: self.health.draining,
            connections=lambda: len(self.gateway),
            redis_ping=self._redis_ping,
            started=self.health.started,
        )
        deps = AdminDeps(
            settings=self.settings,
            store=c.store,
            clock=c.clock,
            ids=c.services.ids,
            registry=c.registry,
            bus=c.bus,
            membership=c.membership,
            live=c.live,
            node=node,
            blocklist=c.abuse.blocklist if c.abuse is not None else None,
            antispam_test=c.abuse.test_text if c.abuse is not None else None,
            antispam_reload=c.abuse.reload_antispam_everywhere if c.abuse is not None else None,
            services=c.services,
            plugins=c.plugins,
            files=c.services.files,
        )
        try:
            api = AdminApi(deps)
            await api.start()
        except StorageUnavailableError as e:
            raise BootError(f"cannot set up the admin API: {e}", unavailable=True) from None
        except (StorageError, OSError, ValueError) as e:
            raise BootError(f"cannot set up the admin API: {e}") from None
        return api.app()

    async def _start_site(self, name: str, app: web.Application, **runner_options: Any) -> None:
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, logger=http_logger(), **runner_options)
        await runner.setup()
        self._runners[name] = runner
        tls = self._tls_options(name)
        site = GatedSockSite(runner, self._sockets[name].dup(), self._gates[name], backlog=self._backlogs[name], **tls)
        await site.start()
        self._sites[name] = site

    def _tls_options(self, listener: str) -> dict[str, Any]:
        """``ssl_context`` and ``ssl_handshake_timeout`` of a gated HTTP listener that serves TLS (none else)."""
        context = self._tls_context(listener)
        if context is None:
            return {}
        return {"ssl_context": context, "ssl_handshake_timeout": self._handshake_timeout()}

    def _tcp_tls_options(self, listener: str = "client TCP") -> dict[str, Any]:
        """``ssl`` and ``ssl_handshake_timeout`` for ``loop.create_server`` / ``connect_accepted_socket``."""
        context = self._tls_context(listener)
        if context is None:
            return {}
        return {"ssl": context, "ssl_handshake_timeout": self._handshake_timeout()}

    def _tls_context(self, listener: str) -> ssl.SSLContext | None:
        if self.tls is None or not tls_settings.serves_tls(self.settings, listener):
            return None
        return self.tls.context

    def _handshake_timeout(self) -> float | None:
        """The TLS handshake's bound: ``security.connections.handshake_timeout_s`` (0: asyncio's 60 s)."""
        timeout = float(self.settings.get(sec.HANDSHAKE_TIMEOUT_S))
        return timeout if timeout > 0 else None

    async def _connect_redis(self, boot_deadline: float) -> None:
        url = self.spec.redis_url
        timeout = self.settings.get(redis_settings.CONNECT_TIMEOUT_S)
        try:
            # The same client factory as the components: a Sentinel URL pings the current master, a cluster URL
            # a node.
            self.redis = connect(url, connect_timeout_s=timeout, retries=0)
        except ValueError as e:  # a malformed URL: no retry will fix it
            raise BootError(f"invalid Redis URL {redact_url(url)}: {e}") from None
        # Several attempts within one connect timeout (a Redis that is starting up answers soon), and never
        # past the boot deadline.
        deadline = min(time.monotonic() + timeout, boot_deadline)
        delay = 0.05
        while True:
            try:
                await self.redis.ping()
                return
            except (aioredis.RedisError, OSError) as e:
                if time.monotonic() + delay > deadline:
                    raise BootError(
                        f"Redis at {redact_url(url)} is unreachable after {timeout:g} s: {e}", unavailable=True
                    ) from None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    def _listener_info(self) -> dict[str, list[Any]]:
        return {name: list(sock.getsockname()[:2]) for name, sock in self._sockets.items()}

    async def _redis_ping(self) -> bool:
        if self.redis is None:
            return False
        try:
            return bool(await self.redis.ping())
        except (aioredis.RedisError, OSError):
            return False

    # -- drain ------------------------------------------------------------------------------------------

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        self.health.draining = True
        self.gateway.draining = True
        # 1. Stop accepting; then take over what the kernel already queued on our sockets.
        if self._tcp_server is not None:
            self._tcp_server.close()
        for site in self._sites.values():
            await site.stop()
        tcp = self._sockets.pop("client TCP", None)
        if tcp is not None:
            factory = tcp_protocol_factory(
                self.gateway,
                loop,
                max_frame_bytes=self.settings.get(gw.MAX_FRAME_BYTES),
                max_outbound_bytes=self.settings.get(gw.MAX_OUTBOUND_BYTES),
            )
            late = sweep_accept(tcp)
            tcp.close()
            for conn in late:
                await loop.connect_accepted_socket(factory, conn, **self._tcp_tls_options())
        ws = self._sockets.pop("client WebSocket", None)
        runner = self._runners.get("client WebSocket")
        if ws is not None:
            late = sweep_accept(ws)
            ws.close()
            if runner is not None and runner.server is not None:
                gated = self._gates["client WebSocket"].protocol_factory(runner.server)
                for conn in late:
                    await loop.connect_accepted_socket(gated, conn, **self._tcp_tls_options("client WebSocket"))
        for sock in self._sockets.values():
            sock.close()
        self._sockets.clear()
        # 2. Requests in flight, SERVER_CLOSED to every session, flush.
        await self.gateway.drain()
        # 3. Everything else.
        await self._shutdown_resources()

    async def _shutdown_resources(self) -> None:
        self.gateway.stop()
        self.lag_probe.stop()
        await self.process_sampler.stop()
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        if self._tcp_server is not None:
            self._tcp_server.close()
        for name, runner in list(self._runners.items()):
            try:
                await runner.cleanup()
            except Exception:
                log.exception("stopping the %s listener failed", name)
        self._runners.clear()
        for sock in self._sockets.values():
            sock.close()
        self._sockets.clear()
        if self.components is not None:
            try:
                await self.components.close()
            except Exception:
                log.exception("closing the worker's services failed")
            self.components = None
        if self.redis is not None:
            with contextlib.suppress(Exception):
                await self.redis.aclose()
            self.redis = None
        tick.flush()  # the last tick's metric updates


def run_worker(spec: WorkerSpec, handler: RequestHandler | None = None) -> int:
    """Run one worker on uvloop until it has drained; return its exit code."""
    import uvloop

    faulthandler.enable()  # SIGABRT from the supervisor (hung worker) dumps every thread's stack
    # The supervisor's handlers were inherited at fork; this generation's settings may differ (reload).
    observability_logging.setup(spec.settings, worker=str(spec.index))
    channel = WorkerChannel(spec.control_fd)
    thresholds = spec.settings.get(server.GC_THRESHOLDS)
    if thresholds:
        gc.set_threshold(*thresholds)
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(Worker(spec, channel, handler).run())
    finally:
        channel.close()
