"""Redis clients as the server uses them: retries on connection loss, health checks, bounded timeouts, and
latency/error metrics for every command (one choke point: ``execute_command`` and pipeline ``execute``).

The one place that knows the topology. ``redis.url`` names it:

* ``redis://``, ``rediss://`` (TLS), ``unix://``: one Redis;
* ``redis+sentinel://[user:password@]host:port[,host:port…]/<service>[/<db>]`` (``rediss+sentinel://`` for TLS
  to the sentinels and the master): the master of a Sentinel-managed group, rediscovered after a failover;
* ``redis+cluster://[user:password@]host:port[,host:port…]`` (``rediss+cluster://``): a Redis Cluster, any
  nodes as seeds.

Query parameters are redis-py's connection options (``ssl_ca_certs``, ``ssl_certfile``, ``ssl_keyfile``,
``ssl_cert_reqs``, ``ssl_check_hostname``, ``socket_keepalive`` …); for Sentinel, ``sentinel_username`` and
``sentinel_password`` authenticate to the sentinels. Every topology returns a client with the
``redis.asyncio.Redis`` command interface (a cluster client routes each command to its slot's node), so no
caller knows which one it runs on; the only differences, pub/sub and key slots, are handled by
:mod:`turms.cluster.pubsub` and :mod:`turms.cluster.keys`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import unquote, urlsplit

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.asyncio.cluster import ClusterNode, ClusterPipeline, RedisCluster
from redis.asyncio.connection import BlockingConnectionPool, parse_url
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
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


class InstrumentedCluster(RedisCluster):
    """A Redis Cluster client with the same metrics as :class:`InstrumentedRedis`."""

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await super().execute_command(*args, **kwargs)
        except NoScriptError:
            raise
        except (RedisError, OSError) as e:
            metrics.REDIS_ERRORS.labels(_command_name(args), type(e).__name__).inc()
            raise
        finally:
            metrics.redis_command(_command_name(args)).observe(time.perf_counter() - started)

    def pipeline(self, transaction: Any | None = None, shard_hint: Any | None = None) -> ClusterPipeline:
        return InstrumentedClusterPipeline(self, transaction)  # type: ignore[abstract]  # as redis-py's own


class InstrumentedClusterPipeline(ClusterPipeline):
    async def execute(self, raise_on_error: bool = True, allow_redirections: bool = True) -> list[Any]:
        name = "MULTI" if self._transaction else "PIPELINE"
        started = time.perf_counter()
        try:
            return await super().execute(raise_on_error, allow_redirections)
        except (RedisError, OSError) as e:
            metrics.REDIS_ERRORS.labels(name, type(e).__name__).inc()
            raise
        finally:
            metrics.redis_command(name).observe(time.perf_counter() - started)


class SentinelMasterRedis(InstrumentedRedis):
    """The master of a Sentinel-managed group; closing it also closes the connections to the sentinels."""

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        try:
            await super().aclose(close_connection_pool)
        finally:
            manager = getattr(self.connection_pool, "sentinel_manager", None)
            if isinstance(manager, Sentinel):
                await manager.aclose()


class BlockingSentinelConnectionPool(SentinelConnectionPool, BlockingConnectionPool):
    """A Sentinel-managed pool that makes callers wait for a connection, like the standalone one."""


#: Connections per client (per worker): enough for pipelined bursts, bounded so a storm queues instead of
#: opening thousands of sockets to Redis. On a cluster: per node.
MAX_CONNECTIONS = 64

STANDALONE = "standalone"
SENTINEL = "sentinel"
CLUSTER = "cluster"


@dataclass(frozen=True)
class RedisTarget:
    """What ``redis.url`` names: the topology, its nodes and the connection options for every node."""

    topology: str
    #: The URL itself for one Redis; for Sentinel the sentinels, for a cluster the seed nodes.
    url: str
    nodes: tuple[tuple[str, int], ...] = ()
    #: Sentinel: the monitored group's name.
    service: str = ""
    #: redis-py connection options shared by every node (auth, db, TLS).
    options: dict[str, Any] = field(default_factory=dict)
    #: Sentinel: options for the connections to the sentinels.
    sentinel_options: dict[str, Any] = field(default_factory=dict)


_SCHEMES = {
    "redis": (STANDALONE, False),
    "rediss": (STANDALONE, True),
    "unix": (STANDALONE, False),
    "redis+sentinel": (SENTINEL, False),
    "rediss+sentinel": (SENTINEL, True),
    "redis+cluster": (CLUSTER, False),
    "rediss+cluster": (CLUSTER, True),
}


def parse_target(url: str) -> RedisTarget:
    """Parse ``redis.url``; raises ValueError naming what is wrong (the settings validator shows it)."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in _SCHEMES:
        raise ValueError(f"unsupported Redis URL scheme {scheme!r}: use one of {', '.join(sorted(_SCHEMES))}")
    topology, tls = _SCHEMES[scheme]
    if topology == STANDALONE:
        parse_url(url)  # redis-py's own checks
        return RedisTarget(STANDALONE, url)
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    nodes: list[tuple[str, int]] = []
    default_port = 26379 if topology == SENTINEL else 6379
    for item in netloc.split(","):
        host, _, port = item.strip().rpartition(":") if item.strip().count(":") == 1 else (item.strip(), "", "")
        if not host:
            raise ValueError(f"no host in {item!r} of the Redis URL")
        try:
            nodes.append((host, int(port) if port else default_port))
        except ValueError:
            raise ValueError(f"bad port in {item!r} of the Redis URL") from None
    path = [p for p in parts.path.split("/") if p]
    query = [q for q in parts.query.split("&") if q]
    sentinel_options: dict[str, Any] = {}
    for q in list(query):
        name, _, value = q.partition("=")
        if name in ("sentinel_username", "sentinel_password"):
            sentinel_options[name.removeprefix("sentinel_")] = unquote(value)
            query.remove(q)
    service = ""
    db = "0"
    if topology == SENTINEL:
        if not path:
            raise ValueError("a Sentinel URL names the monitored group: redis+sentinel://host:port,…/<service>[/db]")
        service = unquote(path[0])
        db = path[1] if len(path) > 1 else "0"
    elif path:
        raise ValueError("a Redis Cluster URL has no path (a cluster has one database)")
    userinfo = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    # redis-py reads the options (auth, TLS, timeouts) from a one-node URL of the same form.
    single = f"{'rediss' if tls else 'redis'}://{userinfo}{nodes[0][0]}:{nodes[0][1]}/{db}"
    options: dict[str, Any] = dict(parse_url(single + ("?" + "&".join(query) if query else "")))
    for key in ("host", "port", "connection_class"):
        options.pop(key, None)
    if tls:
        options["ssl"] = True
        sentinel_options["ssl"] = True
        for key, value in options.items():
            if key.startswith("ssl_"):
                sentinel_options[key] = value
    if topology == CLUSTER:
        options.pop("db", None)
    return RedisTarget(topology, url, tuple(nodes), service, options, sentinel_options)


def connect(url: str, *, connect_timeout_s: float = 5.0, retries: int = 3, pubsub: bool = False) -> aioredis.Redis:
    """A client for ``url`` that retries a command on a broken connection (Redis restarted, proxy reset, a
    Sentinel failover: the master is discovered again at the next connection).

    ``pubsub`` clients have no socket timeout (a subscription legitimately idles) and no automatic retry: the
    routing bus must *see* a lost subscription, because messages published meanwhile are gone and its
    sessions have to be told to resync.

    A cluster client is returned as the ``Redis`` it behaves like: :class:`RedisCluster` offers the same
    command methods (routed by key slot), pipelines and transactions (keys of one slot: see
    :mod:`turms.cluster.keys`); pub/sub goes through :mod:`turms.cluster.pubsub`.
    """
    target = parse_target(url)
    command_timeout = max(connect_timeout_s, 5.0)
    retry = Retry(NoBackoff(), 0) if pubsub else Retry(ExponentialWithJitterBackoff(0.05, 1.0), retries)
    common: dict[str, Any] = {
        "socket_connect_timeout": connect_timeout_s,
        "socket_timeout": None if pubsub else command_timeout,
        "retry": retry,
        "retry_on_error": [RedisConnectionError, RedisTimeoutError, ConnectionResetError],
    }
    if target.topology == CLUSTER:
        client = InstrumentedCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in target.nodes],
            max_connections=MAX_CONNECTIONS,
            **common,
            **target.options,
        )
        return cast(aioredis.Redis, client)
    if target.topology == SENTINEL:
        sentinel = Sentinel(
            target.nodes,
            sentinel_kwargs={"socket_connect_timeout": connect_timeout_s, "socket_timeout": command_timeout}
            | target.sentinel_options,
        )
        master = sentinel.master_for(
            target.service,
            redis_class=SentinelMasterRedis,
            connection_pool_class=BlockingSentinelConnectionPool,
            max_connections=MAX_CONNECTIONS,
            timeout=command_timeout,
            health_check_interval=0 if pubsub else 30,
            **common,
            **target.options,
        )
        return cast(aioredis.Redis, master)
    # A bounded pool that makes callers *wait* for a connection: under a burst (thousands of logins at once)
    # the default pool raises "Too many connections" instead, which failed logins with 1200.
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=command_timeout,
        health_check_interval=0 if pubsub else 30,
        **common,
    )
    return InstrumentedRedis.from_pool(pool)  # the client owns the pool: aclose() closes its connections


def is_cluster(client: object) -> bool:
    """Whether ``client`` (from :func:`connect`) talks to a Redis Cluster."""
    return isinstance(client, RedisCluster)
