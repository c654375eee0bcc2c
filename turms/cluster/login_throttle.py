"""The failed-login buckets of client logins in Redis (:class:`turms.security.login_throttle.FailureBuckets`).

Key: ``login:failed:{<user:id | ip:address>}`` (:meth:`turms.cluster.keys.Keys.login_failures`), a hash
``{t: tokens, at: ms}`` that expires once its bucket is full again. One Lua call per bucket reads (and, for a
failure, takes from) it atomically, so concurrent failures on any worker of any host all count.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from turms.cluster.keys import Keys
from turms.cluster.scripts import Script

_BUCKET = Script("failed_login_bucket.lua")


class RedisFailureBuckets:
    def __init__(self, redis: aioredis.Redis, prefix: str = "turms:") -> None:
        self.redis = redis
        self.prefix = prefix
        self._keys = Keys(prefix)

    def key(self, key: str) -> str:
        return self._keys.login_failures(key)

    async def wait_ms(self, key: str, burst: int, refill_ms: int, now_ms: int, *, take: bool) -> int:
        result = await _BUCKET(
            self.redis, keys=[self.key(key)], args=[now_ms, burst, max(1, refill_ms), 1 if take else 0]
        )
        return int(result)
