"""A Redis-backed leader lease: at most one holder cluster-wide, for jobs that one worker should run.

``SET <key> <token> NX PX <ttl>`` takes a free lease; the holder renews it with a compare-and-expire script
and releases it with compare-and-delete, so only the owner's token can extend or drop it. A holder that
cannot renew (Redis unreachable, or the key taken over after it lapsed) considers itself not holding once
its local deadline — the TTL minus a safety margin, measured from *before* the request was sent — has
passed, so its belief ends before anyone else can acquire the key.

Used by the message retention job (``turms.service.message.retention.Lease`` is the Protocol it needs).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable

import redis.asyncio as aioredis

log = logging.getLogger("turms.cluster.lease")

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisLease:
    def __init__(
        self,
        client: aioredis.Redis,
        key: str,
        *,
        ttl_s: float = 30.0,
        safety_margin_s: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_s <= 0:
            raise ValueError("the lease TTL must be positive")
        self._redis = client
        self.key = key
        self._ttl_ms = max(1, int(ttl_s * 1000))
        self._margin_s = ttl_s / 10 if safety_margin_s is None else safety_margin_s
        self._monotonic = monotonic
        self.token = secrets.token_hex(16)
        self._valid_until = 0.0

    @property
    def held(self) -> bool:
        """Whether this holder may act as the owner right now (local view, fenced by the deadline)."""
        return self._monotonic() < self._valid_until

    async def acquire(self) -> bool:
        """Take the lease if it is free, or renew it if this holder owns it; True when held."""
        started = self._monotonic()
        try:
            ok = await self._redis.eval(_RENEW, 1, self.key, self.token, str(self._ttl_ms))
        except (aioredis.RedisError, OSError) as e:
            log.warning("lease %s: renewing failed: %s", self.key, e)
            return self.held
        if int(ok) == 1:
            self._valid_until = started + self._ttl_ms / 1000 - self._margin_s
            return True
        self._valid_until = 0.0
        return False

    async def release(self) -> None:
        self._valid_until = 0.0
        await self._redis.eval(_RELEASE, 1, self.key, self.token)

    async def holder(self) -> str | None:
        """The token of the current holder (anyone's), for tests and diagnostics."""
        raw = await self._redis.get(self.key)
        return None if raw is None else raw.decode() if isinstance(raw, bytes) else str(raw)
