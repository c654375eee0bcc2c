"""Delivering webhook calls: a bounded queue, signed POSTs, retries with backoff, and a drain.

``submit`` never waits: it puts the call in a queue of at most ``queue_size``, dropping the *oldest* waiting call
when it is full (counted as ``dropped_queue_full``; the newest events are the ones a push service still cares
about). ``concurrency`` tasks take calls from the queue and POST them. A call is retried, after an exponential
backoff with jitter (``Retry-After`` honoured, both capped by ``backoff_max``), when the receiver cannot be
reached, does not answer within ``timeout_s``, or answers 408, 425, 429 or 5xx; any other 4xx rejects it for good
(``rejected``), and after ``max_attempts`` it is given up (``gave_up``). Every attempt carries the same
idempotency key and a fresh timestamp and signature:

``X-Turms-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Turms-Timestamp>." + body)>``

``stop`` lets the queue empty for up to its timeout, then cancels what is left (``dropped_shutdown``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

#: Statuses after which a call is tried again: the receiver is overloaded or failed, not the call.
RETRY_STATUSES = frozenset({408, 425, 429})

SIGNATURE_HEADER = "X-Turms-Signature"
TIMESTAMP_HEADER = "X-Turms-Timestamp"
EVENT_HEADER = "X-Turms-Event"
ATTEMPT_HEADER = "X-Turms-Attempt"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """The value of :data:`SIGNATURE_HEADER` for ``body`` sent at ``timestamp`` (Unix seconds, as text)."""
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


@dataclass(slots=True)
class Call:
    event: str
    key: str
    body: bytes
    attempts: int = 0


Count = Callable[[str, int], None]
Gauge = Callable[[str, float], None]


def _ignore_count(event: str, n: int) -> None:
    return None


def _ignore_gauge(name: str, value: float) -> None:
    return None


class Sender:
    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        timeout_s: float = 5.0,
        max_attempts: int = 8,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 60.0,
        queue_size: int = 10_000,
        concurrency: int = 4,
        count: Count = _ignore_count,
        gauge: Gauge = _ignore_gauge,
        log: logging.Logger | None = None,
        user_agent: str = "turms-server-webhook",
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.url = url
        self.secret = secret
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.concurrency = concurrency
        self.count = count
        self.gauge = gauge
        self.log = log or logging.getLogger("turms.plugins.webhook")
        self.user_agent = user_agent
        self.rng = rng
        self._queue: asyncio.Queue[Call] = asyncio.Queue(maxsize=queue_size)
        self._in_flight = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None
        self._closing = False
        #: Set while nothing is queued or being delivered.
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def backlog(self) -> int:
        """Calls queued or being delivered (retries included)."""
        return self._queue.qsize() + self._in_flight

    # -- lifecycle ---------------------------------------------------------------------------------------

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.timeout_s), headers={"User-Agent": self.user_agent}
        )
        self._tasks = [
            asyncio.get_running_loop().create_task(self._work(), name=f"webhook-{i}") for i in range(self.concurrency)
        ]

    async def stop(self, timeout_s: float) -> None:
        """Deliver what is queued for up to ``timeout_s``; drop (and count) the rest."""
        self._closing = True
        if self.backlog:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), timeout_s)
        left = self.backlog  # before the cancelled deliveries leave the count
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if left:
            self.count("dropped_shutdown", left)
            self.log.warning("webhook: %d calls not delivered before the worker stopped", left)
        while not self._queue.empty():
            self._queue.get_nowait()
        self._in_flight = 0
        self.gauge("queue_depth", 0)
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- queue -------------------------------------------------------------------------------------------

    def submit(self, event: str, key: str, body: bytes) -> None:
        """Queue one call; never waits. A full queue loses its oldest call."""
        if self._closing:
            self.count("dropped_shutdown", 1)
            return
        if self._queue.full():
            self._queue.get_nowait()
            self.count("dropped_queue_full", 1)
        self._queue.put_nowait(Call(event, key, body))
        self._idle.clear()
        self.gauge("queue_depth", self.backlog)

    async def _work(self) -> None:
        while True:
            call = await self._queue.get()
            self._in_flight += 1
            try:
                await self._deliver(call)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug here must not stop the sender
                self.log.exception("webhook: delivering %s failed", call.key)
            finally:
                self._in_flight -= 1
                self.gauge("queue_depth", self.backlog)
                if not self.backlog:
                    self._idle.set()

    # -- one call ----------------------------------------------------------------------------------------

    async def _deliver(self, call: Call) -> None:
        while True:
            call.attempts += 1
            outcome, retry_after = await self._post(call)
            if outcome == "delivered":
                self.count("delivered", 1)
                return
            if outcome == "rejected":
                self.count("rejected", 1)
                return
            if call.attempts >= self.max_attempts:
                self.count("gave_up", 1)
                self.log.warning("webhook: gave up on %s after %d attempts", call.key, call.attempts)
                return
            self.count("retried", 1)
            await asyncio.sleep(self.backoff(call.attempts, retry_after))

    def backoff(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt: exponential with jitter (half to all of it),
        at least what ``Retry-After`` asked, never more than ``backoff_max_s``."""
        base: float = min(self.backoff_max_s, self.backoff_initial_s * 2.0 ** (attempts - 1))
        delay = base * (0.5 + self.rng() / 2)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, self.backoff_max_s)

    async def _post(self, call: Call) -> tuple[str, float | None]:
        assert self._session is not None, "start() first"
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            EVENT_HEADER: call.event,
            IDEMPOTENCY_HEADER: call.key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self.secret, timestamp, call.body),
            ATTEMPT_HEADER: str(call.attempts),
        }
        try:
            async with self._session.post(self.url, data=call.body, headers=headers, allow_redirects=False) as resp:
                status = resp.status
                retry_after = _retry_after(resp.headers.get("Retry-After"))
                with contextlib.suppress(aiohttp.ClientError):
                    await resp.content.read(4096)  # a little of the answer, so the connection can be reused
        except (aiohttp.ClientError, TimeoutError, OSError) as e:
            self._log_attempt(call, f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)
            return "retry", None
        if 200 <= status < 300:
            return "delivered", None
        if status in RETRY_STATUSES or status >= 500:
            self._log_attempt(call, f"HTTP {status}")
            return "retry", retry_after
        self.log.warning("webhook: %s refused by the receiver with HTTP %d; not retried", call.key, status)
        return "rejected", None

    def _log_attempt(self, call: Call, what: str) -> None:
        # The first failure of a call is worth a line; its retries are counted (``retried``).
        if call.attempts == 1:
            self.log.warning("webhook: attempt to deliver %s failed (%s); retrying", call.key, what)


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None  # an HTTP date: the exponential backoff applies
    return seconds if seconds >= 0 else None
