"""Redis clients as the server uses them: retries on connection loss, health checks, bounded timeouts, and
latency/error metrics for every command (one choke point: ``execute_command`` and pipeline ``execute``)."""

from __future__ import annotations

import time
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.asyncio.connection import BlockingConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from turms.observability import metrics, tick


def _command_name(args: tuple[Any, ...]) -> str:
    name = args[0] if args else "?"
    return name.decode() if isinstance(name, bytes) else str(name)


class InstrumentedPipeline(Pipeline):
    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        if not self.command_stack and not self.watching:
            return []
        name = "MULTI" if self.is_transaction or self.explicit_transaction else "PIPELINE"
        started = time.perf_counter()
        try:
            return await super().execute(raise_on_error)
        except (RedisError, OSError) as e:
            metrics.REDIS_ERRORS.labels(name, type(e).__name__).inc()
            raise
        finally:
            tick.observe(metrics.redis_command(name), time.perf_counter() - started)


class InstrumentedRedis(aioredis.Redis):
    async def execute_command(self, *args: Any, **options: Any) -> Any:
        started = time.perf_counter()
        try:
            return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        except NoScriptError:
            raise  # redis-py's scripts answer it by loading the script: a cache miss, not a failure
        except (RedisError, OSError) as e:
            metrics.REDIS_ERRORS.labels(_command_name(args), type(e).__name__).inc()
            raise
        finally:
            tick.observe(metrics.redis_command(_command_name(args)), time.perf_counter() - started)

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Pipeline:
        return InstrumentedPipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)


#: Connections per client (per worker): enough for pipelined bursts, bounded so a storm queues instead of
#: opening thousands of sockets to Redis.
MAX_CONNECTIONS = 64


def connect(url: str, *, connect_timeout_s: float = 5.0, retries: int = 3, pubsub: bool = False) -> aioredis.Redis:
    """A client for ``url`` that retries a command on a broken connection (Redis restarted, proxy reset).

    ``pubsub`` clients have no socket timeout (a subscription legitimately idles) and no automatic retry: the
    routing bus must *see* a lost subscription, because messages published meanwhile are gone and its
    sessions have to be told to resync.
    """
    # A bounded pool that makes callers *wait* for a connection: under a burst (thousands of logins at once)
    # the default pool raises "Too many connections" instead, which failed logins with 1200.
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=max(connect_timeout_s, 5.0),
        socket_connect_timeout=connect_timeout_s,
        socket_timeout=None if pubsub else max(connect_timeout_s, 5.0),
        retry=Retry(NoBackoff(), 0) if pubsub else Retry(ExponentialWithJitterBackoff(0.05, 1.0), retries),
        retry_on_error=[RedisConnectionError, RedisTimeoutError, ConnectionResetError],
        health_check_interval=0 if pubsub else 30,
    )
    return InstrumentedRedis.from_pool(pool)  # the client owns the pool: aclose() closes its connections
