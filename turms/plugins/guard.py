"""The budget guard: one extension-point call, bounded in time, measured, and never allowed to raise.

:func:`call` awaits a plugin method under ``asyncio.timeout`` (no task is created for it) with the point's budget
read from its setting at each call, so a live change applies at once. Whatever happens is counted
(``turms_plugin_calls_total{plugin, point, outcome}``, and the duration); a timeout or an exception is logged, at
most once per plugin and point every :data:`LOG_INTERVAL_S` (a plugin failing on every message must not flood
the log), and reported to the caller as :data:`FAILED`, which decides whether that refuses (fail closed) or
skips the plugin (fail open).

A plugin that blocks the event loop (CPU work, blocking I/O) cannot be interrupted by a timeout; the loop-lag
metric shows it. docs/plugins.md tells plugin authors to keep blocking work off the loop.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from turms.observability import metrics
from turms.plugins.points import ExtensionPoint
from turms.settings import Settings

log = logging.getLogger("turms.plugins")

#: A failing plugin is logged at most once per this many seconds (per plugin and point); the rest are counted.
LOG_INTERVAL_S = 10.0


class Failed(enum.Enum):
    FAILED = "failed"


#: What :func:`call` returns when the plugin raised, overran its budget, or is not running.
FAILED = Failed.FAILED


@dataclass(slots=True)
class Lifetime:
    """Whether a plugin instance has been taken out of service (disabled, or its worker draining). Shared by
    every :class:`Impl` of that instance: a request that picked one before the plugin was disabled calls nothing
    on it afterwards."""

    stopped: bool = False


@dataclass(frozen=True, slots=True)
class Impl:
    """One plugin's implementation of one point, as the hooks hold it."""

    plugin: str
    point: ExtensionPoint
    #: The bound method; None for a plugin that is enabled but failed to start (every call is a failure).
    method: Callable[..., Awaitable[Any]] | None
    #: For ``handle_request``: the plugin asked to fail closed.
    fails_closed: bool
    #: The running plugin instance, whose methods a provider point's operations are (None: not running).
    instance: Any = None
    lifetime: Lifetime = field(default_factory=Lifetime)


class _Throttle:
    def __init__(self) -> None:
        self._last: dict[tuple[str, str], float] = {}
        self._suppressed: dict[tuple[str, str], int] = {}

    def log(
        self, impl: Impl, message: str, *args: Any, exc_info: BaseException | None = None, method: str | None = None
    ) -> None:
        """Log ``message`` about ``impl`` (its ``method``: the point's own by default), unless one was logged for
        that plugin and method less than :data:`LOG_INTERVAL_S` ago."""
        name = method or impl.point.method
        key = (impl.plugin, name)
        now = time.monotonic()
        if now - self._last.get(key, -LOG_INTERVAL_S) < LOG_INTERVAL_S:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return
        self._last[key] = now
        suppressed = self._suppressed.pop(key, 0)
        more = f" ({suppressed} more since the last report)" if suppressed else ""
        log.warning("plugin %s, %s: " + message + more, impl.plugin, name, *args, exc_info=exc_info)


THROTTLE = _Throttle()


async def call(impl: Impl, arg: Any, settings: Settings, expect: tuple[type, ...] = ()) -> Any:
    """``impl.method(arg)`` within the point's budget; its result, or :data:`FAILED`. With ``expect``, a result
    that is none of those types (``type(None)`` for "pass") is a failure too."""
    return await _guarded(impl, impl.point.method, impl.method, (arg,), settings, expect)


async def call_operation(
    impl: Impl, operation: str, args: tuple[Any, ...], settings: Settings, expect: tuple[type, ...] = ()
) -> Any:
    """A provider point's ``operation`` (one of its :attr:`~ExtensionPoint.methods`) on the implementing
    instance, as :func:`call` does it: within the point's budget, counted under the operation's name."""
    if operation not in impl.point.methods:
        raise ValueError(f"{operation!r} is not a method of the point {impl.point.method}")
    method = getattr(impl.instance, operation) if impl.instance is not None else None
    return await _guarded(impl, operation, method, args, settings, expect)


async def _guarded(
    impl: Impl,
    name: str,
    method: Callable[..., Awaitable[Any]] | None,
    args: tuple[Any, ...],
    settings: Settings,
    expect: tuple[type, ...],
) -> Any:
    if method is None:
        metrics.plugin_call(impl.plugin, name, "failed")
        THROTTLE.log(impl, "the plugin is enabled but not running (it failed to start)", method=name)
        return FAILED
    if impl.lifetime.stopped:
        # Picked by a request that began before the plugin was disabled: not the plugin's failure, and its
        # instance is stopping or stopped, so it is not called.
        metrics.plugin_call(impl.plugin, name, "disabled")
        log.debug("plugin %s, %s: disabled while a request that had picked it was in flight", impl.plugin, name)
        return FAILED
    budget_s = settings.get(impl.point.budget) / 1000
    started = time.perf_counter()
    try:
        async with asyncio.timeout(budget_s):
            result = await method(*args)
    except TimeoutError:
        metrics.plugin_call(impl.plugin, name, "timeout", time.perf_counter() - started)
        THROTTLE.log(impl, "no answer within its budget of %d ms", settings.get(impl.point.budget), method=name)
        return FAILED
    except asyncio.CancelledError:
        raise
    except Exception as e:
        metrics.plugin_call(impl.plugin, name, "error", time.perf_counter() - started)
        THROTTLE.log(impl, "raised %s: %s", type(e).__name__, e, exc_info=e, method=name)
        return FAILED
    elapsed = time.perf_counter() - started
    if expect and not isinstance(result, expect):
        metrics.plugin_call(impl.plugin, name, "error", elapsed)
        THROTTLE.log(impl, "returned a %s, which this point does not accept", type(result).__name__, method=name)
        return FAILED
    metrics.plugin_call(impl.plugin, name, "ok", elapsed)
    return result
