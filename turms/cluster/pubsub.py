"""Pub/sub on every topology: classic channels on one Redis (or a Sentinel-managed master), sharded channels
(``SPUBLISH``/``SSUBSCRIBE``, Redis 7 and later) on a Redis Cluster.

On a cluster a classic ``PUBLISH`` is forwarded to every node of the cluster, so its cost grows with the
cluster; a sharded publish goes to the one shard that owns the channel's slot, and the subscribers of that
channel are connected there. Each worker's channel carries the worker's own hash tag
(:meth:`turms.cluster.keys.Keys.worker_channel`), so the channels spread over the shards.

A :class:`Subscription` is ready once Redis has confirmed every channel, and never hides a loss: if any of
its connections fails, or a shard tells it that a channel moved away (a slot migration or a failover answers
with an unsolicited ``sunsubscribe``), it raises, and the routing bus subscribes again and tells its sessions
to resync, exactly as after a Redis restart.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from typing import Any, cast

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import ConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError

from turms.cluster.connection import is_cluster


def publish_command(client: aioredis.Redis) -> str:
    """The redis-py method that publishes on ``client``'s topology (for pipelines: ``getattr(pipe, name)``)."""
    return "spublish" if is_cluster(client) else "publish"


async def publish(client: aioredis.Redis, channel: str, message: bytes) -> None:
    await getattr(client, publish_command(client))(channel, message)


class SubscriptionLost(RedisConnectionError):
    """A shard stopped delivering one of the channels (it moved to another node)."""


class Subscription:
    """Messages of a set of channels, from one connection (one Redis) or one per shard (a cluster)."""

    def __init__(self, pubsubs: Sequence[PubSub], sharded: bool, owned: Sequence[aioredis.Redis] = ()) -> None:
        self._pubsubs = list(pubsubs)
        #: Per-shard clients made for this subscription, closed with it.
        self._owned = list(owned)
        self._sharded = sharded
        self._queue: asyncio.Queue[bytes | BaseException] = asyncio.Queue()
        #: Messages that arrived while the subscriptions were being confirmed, handed out first.
        self._early: list[bytes] = []
        self._readers: list[asyncio.Task[None]] = []

    async def _start(self, channels_of: Sequence[list[str]]) -> None:
        for pubsub, channels in zip(self._pubsubs, channels_of, strict=True):
            if self._sharded:
                for channel in channels:  # one SSUBSCRIBE per channel: a command's channels share a slot
                    await pubsub.ssubscribe(channel)
            else:
                await pubsub.subscribe(*channels)
        # The commands are only sent by now: wait until Redis has confirmed every channel, so that every publish
        # from here on reaches us. A resync hint sent before that would let a client pull, then miss a message
        # published between its pull and the confirmation (nothing later in its conversation would reveal it).
        for pubsub, channels in zip(self._pubsubs, channels_of, strict=True):
            confirmed = 0
            while confirmed < len(channels):
                message: dict[str, Any] | None = await pubsub.get_message(timeout=None)
                if message is None:
                    continue
                kind = message["type"]
                if kind in ("subscribe", "ssubscribe"):
                    confirmed += 1
                elif kind in ("message", "smessage"):
                    self._early.append(message["data"])
                elif kind == "sunsubscribe":
                    raise SubscriptionLost(f"the shard stopped serving channel {message['channel']!r}")
        if len(self._pubsubs) > 1:
            self._readers = [asyncio.create_task(self._read(p), name="pubsub-shard") for p in self._pubsubs]

    async def _next(self, pubsub: PubSub) -> bytes | None:
        message: dict[str, Any] | None = await pubsub.get_message(timeout=None)
        if message is None:
            return None
        kind = message["type"]
        if kind in ("message", "smessage"):
            data: bytes = message["data"]
            return data
        if kind == "sunsubscribe":
            raise SubscriptionLost(f"the shard stopped serving channel {message['channel']!r}")
        return None

    async def _read(self, pubsub: PubSub) -> None:
        try:
            while True:
                data = await self._next(pubsub)
                if data is not None:
                    self._queue.put_nowait(data)
        except asyncio.CancelledError:
            raise
        except BaseException as e:
            self._queue.put_nowait(e)

    async def get(self) -> bytes:
        """The next message's data; raises when the subscription is lost."""
        if self._early:
            return self._early.pop(0)
        if not self._readers:
            while True:
                data = await self._next(self._pubsubs[0])
                if data is not None:
                    return data
        item = await self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    async def close(self) -> None:
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)
        for pubsub in self._pubsubs:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
        for client in self._owned:
            with contextlib.suppress(Exception):
                await client.aclose()


@contextlib.asynccontextmanager
async def subscribe(client: aioredis.Redis, channels: Sequence[str]) -> AsyncIterator[Subscription]:
    """Subscribe ``client`` (a pub/sub client from :func:`turms.cluster.connection.connect`) to ``channels``."""
    if is_cluster(client):
        cluster = cast(RedisCluster, client)
        await cluster.initialize()
        by_node: dict[str, list[str]] = defaultdict(list)
        nodes: dict[str, ClusterNode] = {}
        for channel in channels:
            node = cluster.get_node_from_key(channel)
            if node is None:
                raise SubscriptionLost(f"no node serves the slot of channel {channel!r}")
            by_node[node.name].append(channel)
            nodes[node.name] = node
        clients = [_node_client(nodes[name]) for name in by_node]
        pubsubs = [c.pubsub(ignore_subscribe_messages=False) for c in clients]
        subscription = Subscription(pubsubs, sharded=True, owned=clients)
        groups = list(by_node.values())
    else:
        subscription = Subscription([client.pubsub(ignore_subscribe_messages=False)], sharded=False)
        groups = [list(channels)]
    try:
        await subscription._start(groups)
        yield subscription
    finally:
        await subscription.close()


def _node_client(node: ClusterNode) -> aioredis.Redis:
    """A client of one cluster node, with the cluster client's options (auth, TLS, timeouts, no retry)."""
    pool = ConnectionPool(connection_class=node.connection_class, max_connections=2, **node.connection_kwargs)
    return aioredis.Redis.from_pool(pool)
