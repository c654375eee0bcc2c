"""At most one running call per key in a worker; callers that arrive with the same key meanwhile share its
outcome.

Used for retried sends: a client whose attempt timed out sends the same request again (same idempotency key)
while the first attempt is still running. Without this, every retry of an overloaded worker starts the same
work again (a claim read, a sequence number, an insert that then fails as a duplicate), so retries multiply
the load that made them time out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Failed:
    """The leader's call raised or was cancelled: each waiter then makes the call itself."""


_FAILED = _Failed()


class SingleFlight(Generic[K, V]):
    def __init__(self) -> None:
        self._running: dict[K, asyncio.Future[V | _Failed]] = {}

    def __len__(self) -> int:
        return len(self._running)

    async def run(self, key: K, call: Callable[[], Awaitable[V]]) -> V:
        while (running := self._running.get(key)) is not None:
            outcome = await asyncio.shield(running)
            if not isinstance(outcome, _Failed):
                return outcome
            # The first caller failed (its error was its own to report); it is gone, so try ourselves.
        done: asyncio.Future[V | _Failed] = asyncio.get_running_loop().create_future()
        self._running[key] = done
        try:
            result = await call()
        except BaseException:
            done.set_result(_FAILED)
            raise
        finally:
            if self._running.get(key) is done:
                del self._running[key]
        done.set_result(result)
        return result
