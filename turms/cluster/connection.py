"""Redis clients as the server uses them: retries on connection loss, health checks, bounded timeouts."""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


def connect(url: str, *, connect_timeout_s: float = 5.0, retries: int = 3, pubsub: bool = False) -> aioredis.Redis:
    """A client for ``url`` that retries a command on a broken connection (Redis restarted, proxy reset).

    ``pubsub`` clients have no socket timeout (a subscription legitimately idles) and no automatic retry: the
    routing bus must *see* a lost subscription, because messages published meanwhile are gone and its
    sessions have to be told to resync.
    """
    return aioredis.Redis.from_url(
        url,
        socket_connect_timeout=connect_timeout_s,
        socket_timeout=None if pubsub else max(connect_timeout_s, 5.0),
        retry=Retry(NoBackoff(), 0) if pubsub else Retry(ExponentialWithJitterBackoff(0.05, 1.0), retries),
        retry_on_error=[RedisConnectionError, RedisTimeoutError, ConnectionResetError],
        health_check_interval=0 if pubsub else 30,
    )
