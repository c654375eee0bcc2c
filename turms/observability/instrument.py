"""A timing proxy for objects whose public methods are coroutines (the store port).

``timed(store)`` returns an object that behaves like ``store``: each coroutine method, the first time it is
looked up, is wrapped to observe its duration in :data:`~turms.observability.metrics.STORE_DURATION` and
count what it raises in :data:`~turms.observability.metrics.STORE_ERRORS`, and the wrapper is cached on the
proxy so later lookups are plain attribute reads. Everything else is passed through untouched. One choke
point instead of timing code in each adapter.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from prometheus_client import Counter, Histogram

from turms.observability import metrics, tick

T = TypeVar("T")


class _Timed:
    def __init__(self, target: Any, durations: Histogram, errors: Counter) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_durations", durations)
        object.__setattr__(self, "_errors", errors)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if name.startswith("_") or not inspect.iscoroutinefunction(attr):
            return attr
        wrapper = _wrap(attr, self._durations.labels(name), self._errors, name)
        object.__setattr__(self, name, wrapper)
        return wrapper

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)

    def __repr__(self) -> str:
        return f"<timed {self._target!r}>"


def _wrap(
    method: Callable[..., Awaitable[Any]], durations: Histogram, errors: Counter, name: str
) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def timed_call(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await method(*args, **kwargs)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            errors.labels(name, type(e).__name__).inc()
            raise
        finally:
            tick.observe(durations, time.perf_counter() - started)

    return timed_call


def timed(target: T, *, durations: Histogram | None = None, errors: Counter | None = None) -> T:
    """``target`` with its coroutine methods timed (store metrics by default)."""
    proxy: Any = _Timed(
        target,
        durations if durations is not None else metrics.STORE_DURATION,
        errors if errors is not None else metrics.STORE_ERRORS,
    )
    return proxy  # type: ignore[no-any-return]
