"""One worker's running plugins: constructed, started and stopped as ``plugins.enabled`` says, live.

At boot the worker starts every enabled plugin that its catalog knows, in ``plugins.enabled`` order, and
installs their extension points into its :class:`~turms.plugins.hooks.Hooks`. When the live setting changes
(``PUT /plugins`` or ``PUT /cluster/settings``, applied by every worker of the cluster), :meth:`reconcile` stops
what is no longer enabled, starts what newly is, and installs the new order. At the end of a drain every plugin is
stopped, last enabled first.

A plugin whose construction or ``start`` fails (or overruns ``plugins.budget.lifecycle_ms``) stays enabled but
*failed*: it is logged, reported by ``GET /plugins``, and its fail-closed points (``authenticate``,
``check_message``, a ``fail_closed`` request handler) refuse, because skipping an authenticator that did not
start could let in logins it would have refused. Its other points are skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter, Gauge

from turms.observability import metrics
from turms.plugins.guard import Impl, Lifetime
from turms.plugins.hooks import Hooks
from turms.plugins.loader import Catalog, Installed
from turms.plugins.points import HANDLE_REQUEST
from turms.settings import Settings
from turms.settings import plugins as plugin_settings

log = logging.getLogger("turms.plugins")

RUNNING = "running"
FAILED = "failed"


class Context:
    """The :class:`~turms.plugins.api.PluginContext` a plugin instance is constructed with."""

    def __init__(self, installed: Installed, settings: Settings, instance_id: str) -> None:
        self._installed = installed
        self._settings = settings
        self._instance_id = instance_id
        self._log = logging.getLogger(f"turms.plugins.{installed.name}")
        self._counters: dict[str, Counter] = {}
        self._gauges: dict[str, Gauge] = {}

    @property
    def name(self) -> str:
        return self._installed.name

    @property
    def log(self) -> logging.Logger:
        return self._log

    @property
    def instance_id(self) -> str:
        return self._instance_id

    def setting(self, key: str) -> Any:
        s = self._installed.settings.get(key)
        if s is None:
            raise KeyError(f"the plugin {self.name} declares no setting {key!r}")
        return self._settings.get_or_default(s)

    def count(self, event: str, n: int = 1) -> None:
        counter = self._counters.get(event)
        if counter is None:
            counter = self._counters[event] = metrics.PLUGIN_EVENTS.labels(self.name, event)
        counter.inc(n)

    def gauge(self, name: str, value: float) -> None:
        gauge = self._gauges.get(name)
        if gauge is None:
            gauge = self._gauges[name] = metrics.PLUGIN_GAUGE.labels(self.name, name)
        gauge.set(value)

    def reset_gauges(self) -> None:
        """A stopped plugin reports nothing any more."""
        for gauge in self._gauges.values():
            gauge.set(0)


@dataclass
class Running:
    installed: Installed
    context: Context
    instance: Any = None
    state: str = RUNNING
    error: str | None = None
    #: The plugin class asked its ``handle_request`` to fail closed (``fail_closed = True``).
    fails_closed: bool = False
    lifetime: Lifetime = field(default_factory=Lifetime)


StatesListener = Callable[[dict[str, dict[str, Any]]], Awaitable[None]]


class PluginHost:
    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        hooks: Hooks,
        *,
        instance_id: str,
        on_states: StatesListener | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.hooks = hooks
        self.instance_id = instance_id
        self.on_states = on_states
        self._running: dict[str, Running] = {}
        self._lock = asyncio.Lock()
        self._closed = False
        self._reconciles: set[asyncio.Task[None]] = set()

    # -- lifecycle ---------------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.reconcile()

    async def settings_changed(self, applied: Mapping[str, Any]) -> None:
        """A live-settings listener: when ``plugins.enabled`` changed, reconcile in the background. The listener
        runs in the routing bus's subscription loop (the settings event), which a plugin's slow ``start`` must
        not hold up; :meth:`settled` waits for it."""
        if plugin_settings.ENABLED.key in applied:
            task = asyncio.get_running_loop().create_task(self.reconcile(), name="plugins-reconcile")
            self._reconciles.add(task)
            task.add_done_callback(self._reconciled)

    def _reconciled(self, task: asyncio.Task[None]) -> None:
        self._reconciles.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("applying plugins.enabled failed", exc_info=task.exception())

    async def settled(self) -> None:
        """Wait for the reconciliations that settings changes started."""
        while self._reconciles:
            await asyncio.gather(*self._reconciles, return_exceptions=True)

    async def reconcile(self) -> None:
        """Make the running plugins what ``plugins.enabled`` names (known to this worker's catalog)."""
        async with self._lock:
            if self._closed:
                return
            desired = []
            for name in self.settings.get(plugin_settings.ENABLED):
                if name in self.catalog.plugins:
                    desired.append(name)
                else:  # validated where it was set; a stale stored value can still name one
                    log.warning("plugins.enabled names %r, which this worker does not have; ignored", name)
            leaving = [self._running.pop(name) for name in reversed(list(self._running)) if name not in desired]
            if leaving:
                self._retire(leaving)
            for running in leaving:
                await self._stop(running)
            for name in desired:
                if name not in self._running:
                    self._running[name] = await self._start(self.catalog.plugins[name])
            # The order of the running dict follows plugins.enabled, which the chains use.
            self._running = {name: self._running[name] for name in desired}
            self._install()
        await self._publish()

    async def stop(self) -> None:
        """Stop every plugin, last enabled first (end of the drain); later changes are ignored."""
        async with self._lock:
            self._closed = True
            leaving = [self._running.pop(name) for name in reversed(list(self._running))]
            self._retire(leaving)
            for running in leaving:
                await self._stop(running)
        await self._publish()

    async def _start(self, installed: Installed) -> Running:
        metrics.preinitialize_plugin(installed.name, tuple(m for p in installed.points for m in p.methods))
        context = Context(installed, self.settings, self.instance_id)
        running = Running(installed, context, fails_closed=bool(getattr(installed.spec.plugin, "fail_closed", False)))
        budget_s = self.settings.get(plugin_settings.LIFECYCLE_BUDGET_MS) / 1000
        try:
            async with asyncio.timeout(budget_s):
                running.instance = installed.spec.plugin(context)
                start = getattr(running.instance, "start", None)
                if start is not None:
                    await start()
        except Exception as e:
            running.state = FAILED
            running.error = f"{type(e).__name__}: {e}" if not isinstance(e, TimeoutError) else "start timed out"
            log.error(
                "plugin %s %s failed to start: %s (its fail-closed points refuse until it is disabled)",
                installed.name,
                installed.version,
                running.error,
                # A configuration problem (ValueError) needs no traceback; a bug in the plugin does.
                exc_info=not isinstance(e, TimeoutError | ValueError),
            )
            await self._stop_instance(running)  # release what a half-started plugin holds
            return running
        log.info(
            "plugin %s %s started (%s)",
            installed.name,
            installed.version,
            ", ".join(m for p in installed.points for m in p.methods) or "no extension points",
        )
        return running

    def _retire(self, leaving: list[Running]) -> None:
        """Take plugins out of service before they are stopped: the hooks no longer offer them, and a call by a
        request that picked one earlier is not made (:class:`~turms.plugins.guard.Lifetime`)."""
        for running in leaving:
            running.lifetime.stopped = True
        self._install()

    async def _stop(self, running: Running) -> None:
        if running.state == RUNNING:
            await self._stop_instance(running)
            log.info("plugin %s stopped", running.installed.name)
        running.context.reset_gauges()

    async def _stop_instance(self, running: Running) -> None:
        stop = getattr(running.instance, "stop", None) if running.instance is not None else None
        if stop is None:
            return
        budget_s = self.settings.get(plugin_settings.LIFECYCLE_BUDGET_MS) / 1000
        try:
            async with asyncio.timeout(budget_s):
                await stop()
        except Exception as e:
            log.warning("plugin %s did not stop cleanly: %s: %s", running.installed.name, type(e).__name__, e)

    def _install(self) -> None:
        chains: dict[str, list[Impl]] = {}
        for name, running in self._running.items():
            # A running instance may decline points its class defines (``wants``: its configuration leaves them
            # unused), so their call sites do no work for it.
            wants = getattr(running.instance, "wants", None) if running.state == RUNNING else None
            for point in running.installed.points:
                fails_closed = point.fails_closed or (point is HANDLE_REQUEST and running.fails_closed)
                if running.state == RUNNING:
                    if wants is not None and not wants(point.method):
                        continue
                    method, instance = getattr(running.instance, point.method), running.instance
                elif fails_closed:
                    method, instance = None, None  # every call refuses
                else:
                    continue  # skipped (a provider that did not start serves nothing: the next one serves)
                chains.setdefault(point.method, []).append(
                    Impl(name, point, method, fails_closed, instance, running.lifetime)
                )
        self.hooks.install({k: tuple(v) for k, v in chains.items()}, self.settings)

    # -- state -------------------------------------------------------------------------------------------

    def states(self) -> dict[str, dict[str, Any]]:
        """This worker's plugins: every enabled one, running or failed (with the reason)."""
        return {
            name: {"state": r.state, "version": r.installed.version, "error": r.error}
            for name, r in self._running.items()
        }

    async def _publish(self) -> None:
        if self.on_states is None:
            return
        try:
            await self.on_states(self.states())
        except Exception as e:
            log.warning("reporting the plugins' state failed: %s", e)
