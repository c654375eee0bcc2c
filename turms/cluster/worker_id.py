"""The worker-id lease: each worker holds a unique Snowflake worker id, leased from Redis.

Key ``<prefix>{wid:<n>}:holder`` holds the owner's random token with a TTL (``SET NX PX``); a task renews it
every ``renew_interval_s`` with a compare-and-expire script, so only the owner extends or releases it. Two
workers never hold the same id: taking it needs the key to be absent, and an owner that cannot renew (Redis
down, or the key taken over after expiry) stops issuing ids once its lease time has run out
(:meth:`WorkerIdLease.is_held` is the fence of :class:`turms.cluster.ids.Snowflake`), with a safety margin, so
its validity ends before anyone else's can begin.

``<prefix>{wid:<n>}:hwm`` (same hash tag: one script reads and writes both) keeps the highest millisecond ever
used by holders of ``n``, so that a new holder starts its ids after it even if the previous one had borrowed
milliseconds ahead of the wall clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
from collections.abc import Callable

import redis.asyncio as aioredis

from turms.cluster.ids import MAX_WORKER_ID
from turms.cluster.keys import Keys

log = logging.getLogger("turms.cluster.worker_id")

_RENEW = """
local hwm = tonumber(redis.call('GET', KEYS[2]) or '0')
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif holder == false then
  -- The key is gone (Redis restarted empty, or our lease ran out unclaimed): take it back. Whoever may
  -- have held it meanwhile left its last millisecond in the high-water mark, returned to the caller.
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  return {0, hwm}
end
if tonumber(ARGV[3]) > hwm then redis.call('SET', KEYS[2], ARGV[3]) end
return {1, hwm}
"""
_RELEASE = """
local hwm = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[2]) > hwm then redis.call('SET', KEYS[2], ARGV[2]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class WorkerIdUnavailableError(RuntimeError):
    """Every worker id is leased."""


class WorkerIdLease:
    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str = "turms:",
        ttl_s: float = 30.0,
        renew_interval_s: float = 10.0,
        max_worker_id: int = MAX_WORKER_ID,
        monotonic: Callable[[], float] = time.monotonic,
        safety_margin_s: float = 2.0,
    ) -> None:
        if renew_interval_s * 2 >= ttl_s:
            raise ValueError("renew at least twice per lease TTL")
        self._redis = client
        self._keys = Keys(prefix)
        self._ttl_ms = int(ttl_s * 1000)
        self._renew_interval_s = renew_interval_s
        self._max_worker_id = max_worker_id
        self._monotonic = monotonic
        self._margin_s = safety_margin_s
        self._token = secrets.token_hex(16)
        self._valid_until = 0.0
        self._task: asyncio.Task[None] | None = None
        self.worker_id: int | None = None
        #: The highest millisecond used by earlier holders of this id (0 if none).
        self.start_after_ms = 0
        #: Reports the generator's last millisecond at each renewal (set by the owner of the generator).
        self.high_water_mark: Callable[[], int] = lambda: 0
        #: Told (worker id, ids must start after this millisecond) when the id or its high-water mark changes.
        self.on_change: Callable[[int, int], None] = lambda worker_id, after_ms: None

    def _key(self, n: int) -> str:
        return self._keys.worker_id_lease(n)

    def _hwm_key(self, n: int) -> str:
        return self._keys.worker_id_high_water_mark(n)

    async def acquire(self) -> int:
        """Take a free worker id (random start, then linear probing) and start renewing it."""
        count = self._max_worker_id + 1
        start = random.randrange(count)
        for i in range(count):
            n = (start + i) % count
            began = self._monotonic()
            if await self._redis.set(self._key(n), self._token, nx=True, px=self._ttl_ms):
                self.worker_id = n
                self._valid_until = began + self._ttl_ms / 1000 - self._margin_s
                raw = await self._redis.get(self._hwm_key(n))
                self.start_after_ms = int(raw) if raw else 0
                self._task = asyncio.create_task(self._renew_loop(), name=f"turms-worker-id-{n}")
                log.info("leased worker id %d", n)
                return n
        raise WorkerIdUnavailableError(f"all {count} worker ids are leased")

    def is_held(self) -> bool:
        """Whether the lease is certainly still ours (its TTL, minus a margin, has not run out)."""
        return self.worker_id is not None and self._monotonic() < self._valid_until

    async def renew(self) -> bool:
        if self.worker_id is None:
            return False
        n = self.worker_id
        began = self._monotonic()
        ok, hwm = await self._redis.eval(
            _RENEW, 2, self._key(n), self._hwm_key(n), self._token, self._ttl_ms, self.high_water_mark()
        )
        if ok:
            if int(hwm) > self.start_after_ms:
                self.start_after_ms = int(hwm)
                self.on_change(n, self.start_after_ms)
            self._valid_until = began + self._ttl_ms / 1000 - self._margin_s
            return True
        log.error("worker id %d is leased by another worker now; no ids until a new one is leased", n)
        self._valid_until = 0.0
        return False

    async def _renew_loop(self) -> None:
        while True:
            await asyncio.sleep(self._renew_interval_s)
            try:
                if not await self.renew():
                    await self._replace()
                    return
            except Exception:  # Redis unreachable: keep trying until the lease runs out
                log.warning("worker id lease renewal failed", exc_info=True)

    async def _replace(self) -> None:
        """Our id was taken over: lease a different one and hand it to the id generator."""
        self.worker_id = None
        self._task = None
        while True:
            try:
                n = await self.acquire()
            except Exception:
                log.warning("leasing a new worker id failed; retrying", exc_info=True)
                await asyncio.sleep(self._renew_interval_s / 2)
                continue
            self.on_change(n, self.start_after_ms)
            return

    async def release(self) -> None:
        """Stop renewing, record the high-water mark and give the id back."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.worker_id is None:
            return
        n = self.worker_id
        self._valid_until = 0.0
        self.worker_id = None
        await self._redis.eval(_RELEASE, 2, self._key(n), self._hwm_key(n), self._token, self.high_water_mark())
