"""The service graph of one worker: store, ids, cluster membership, session registry, routing bus, services.

Built after the listeners are bound and Redis answers; torn down in reverse order at the end of a drain.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

import orjson
import redis.asyncio as aioredis

from turms.clock import Clock, SystemClock
from turms.cluster.adapters import BusNotifier, RegistryPresence
from turms.cluster.bus import RoutingBus
from turms.cluster.connection import connect
from turms.cluster.geo import RedisGeoIndex
from turms.cluster.ids import Snowflake
from turms.cluster.keys import Keys
from turms.cluster.lease import RedisLease
from turms.cluster.live_settings import LiveSettings
from turms.cluster.login_throttle import RedisFailureBuckets
from turms.cluster.membership import Membership
from turms.cluster.sessions import SessionRegistry
from turms.cluster.worker_id import WorkerIdLease
from turms.gateway.auth import PasswordAuthenticator, PluginAuthenticator, authenticator_from_settings
from turms.gateway.gateway import Gateway
from turms.gateway.local import LocalSessions
from turms.gateway.session_handler import SessionHandler
from turms.observability.instrument import timed
from turms.observability.logging import node_id_of
from turms.plugins import loader
from turms.plugins.hooks import Hooks
from turms.plugins.host import PluginHost
from turms.plugins.loader import Catalog
from turms.plugins.notifier import PluginNotifier
from turms.security.login_throttle import LoginThrottle
from turms.security.passwords import prepare as prepare_passwords
from turms.security.passwords import set_max_pending
from turms.service.api import Router
from turms.service.context import Services
from turms.service.message import retention
from turms.service.registry import build_router
from turms.service.resource.backends import OpenedBackend, open_backend
from turms.settings import Settings, message
from turms.settings import auth as auth_settings
from turms.settings import cluster as cluster_settings
from turms.settings import redis as redis_settings
from turms.settings import security as security_settings
from turms.storage.factory import open_store
from turms.storage.port import Store
from turms.worker.abuse import AbuseProtection

log = logging.getLogger("turms.worker")

#: How long a drain waits for plugin events still pending (offline recipients …) before stopping the plugins.
PLUGIN_EVENTS_DRAIN_S = 2.0


@dataclass
class Components:
    settings: Settings
    redis: aioredis.Redis
    subscriber: aioredis.Redis
    store: Store
    lease: WorkerIdLease
    membership: Membership
    registry: SessionRegistry
    local: LocalSessions
    bus: RoutingBus
    live: LiveSettings
    router: Router
    services: Services
    handler: SessionHandler
    clock: Clock
    hooks: Hooks
    plugins: PluginHost
    #: Blocklist (admin service functions: ``abuse.blocklist``), auto-block and antispam.
    abuse: AbuseProtection | None = None
    #: The files backend (None: storage requests answer 6000); its ``mount`` adds routes to the WebSocket app.
    files: OpenedBackend | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    async def build(
        cls,
        settings: Settings,
        redis_url: str,
        gw: Gateway,
        *,
        node_info: dict[str, Any] | None = None,
        catalog: Catalog | None = None,
    ) -> Components:
        timeout = settings.get(redis_settings.CONNECT_TIMEOUT_S)
        keys = Keys(settings.get(redis_settings.KEY_PREFIX))
        redis = connect(redis_url, connect_timeout_s=timeout)
        subscriber = connect(redis_url, connect_timeout_s=timeout, pubsub=True)
        clock = SystemClock()
        store = timed(open_store(settings))  # store latency and errors, measured at one choke point
        await store.start()
        lease = WorkerIdLease(redis, prefix=keys.prefix)
        await lease.acquire()
        assert lease.worker_id is not None
        ids = Snowflake(lease.worker_id, start_after_ms=lease.start_after_ms, fence=lease.is_held)
        lease.high_water_mark = lambda: ids.last_ms
        lease.on_change = ids.rebase
        node_id = node_id_of(settings)
        membership = Membership(redis, keys, node_id, node_info=dict(node_info or {}))
        await membership.start()
        registry = SessionRegistry(
            redis,
            keys,
            membership,
            ttl_s=settings.get(auth_settings.REGISTRY_TTL_S),
            locations_ttl_s=lambda: settings.get(cluster_settings.SESSION_LOCATIONS_TTL_S),
            locations_max_users=lambda: settings.get(cluster_settings.SESSION_LOCATIONS_MAX_USERS),
        )
        local = LocalSessions(gw, membership.instance_id)
        bus = RoutingBus(redis, subscriber, keys, membership.instance_id, registry, local)
        registry.locations.attach(bus)
        await bus.start()
        live = LiveSettings(settings, store, bus)
        await live.start()
        hooks = Hooks(settings)
        services = Services(
            settings=settings,
            store=store,
            clock=clock,
            ids=ids,
            notifier=PluginNotifier(BusNotifier(bus), hooks),
            presence=RegistryPresence(registry),
            geo=RedisGeoIndex(redis, keys.prefix),
            events=bus,
            plugins=hooks,
        )
        abuse = AbuseProtection(settings, gw, local, redis, bus, clock, prefix=keys.prefix)
        await abuse.start()
        services.moderator = abuse.antispam
        files = open_backend(settings, clock)
        if files is not None:
            await files.store.start()
            services.files = files.store
        router = build_router(services)
        authenticator = authenticator_from_settings(settings, store)
        set_max_pending(settings.get(security_settings.MAX_PENDING_HASHES))
        background: list[asyncio.Task[None]] = []
        if isinstance(authenticator, PasswordAuthenticator):
            # The dummy hash unknown user ids are verified against, made now rather than by the first of them.
            background.append(asyncio.create_task(prepare_passwords(), name="password-dummy"))
        handler = SessionHandler(
            settings=settings,
            gateway=gw,
            local=local,
            registry=registry,
            bus=bus,
            authenticator=PluginAuthenticator(hooks, authenticator),
            router=router,
            clock=clock,
            node_id=node_id,
            # Built even when the built-in check refuses nobody (gateway.auth.type = none): a plugin's
            # authenticate may refuse, and its failures are throttled like the built-in check's.
            login_throttle=LoginThrottle(settings, clock, RedisFailureBuckets(redis, keys.prefix)),
            hooks=hooks,
        )
        gw.handler = handler
        gw.on_session_closed = handler.session_closed

        async def restore_after_redis_loss() -> None:
            await membership.beat()
            await handler.restore_registry()

        bus.on_resubscribed.append(restore_after_redis_loss)
        instance_id = membership.instance_id

        async def publish_states(states: dict[str, dict[str, Any]]) -> None:
            await redis.hset(keys.plugin_states, instance_id, orjson.dumps(states))

        async def forget_dead(instances: list[str]) -> None:
            # The worker whose heartbeat pruned dead instances drops their plugin states too (a killed worker
            # never removed its own).
            await redis.hdel(keys.plugin_states, *instances)

        membership.on_pruned = forget_dead

        plugins = PluginHost(
            settings, catalog or loader.current(), hooks, instance_id=instance_id, on_states=publish_states
        )
        live.listeners.append(plugins.settings_changed)  # first: a change applied during the start is not missed
        await plugins.start()
        self = cls(
            settings=settings,
            redis=redis,
            subscriber=subscriber,
            store=store,
            lease=lease,
            membership=membership,
            registry=registry,
            local=local,
            bus=bus,
            live=live,
            router=router,
            services=services,
            handler=handler,
            clock=clock,
            hooks=hooks,
            plugins=plugins,
            abuse=abuse,
            files=files,
        )
        self._tasks.extend(background)
        self._tasks.append(asyncio.create_task(self._refresh_loop(), name="registry-refresh"))
        retention_lease = RedisLease(
            redis, keys.lease("message-retention"), ttl_s=settings.get(message.RETENTION_LEASE_TTL_S)
        )
        self._tasks.append(retention.start(services, retention_lease))
        log.info("node %s, worker instance %s, worker id %d", node_id, membership.instance_id, lease.worker_id)
        return self

    async def _refresh_loop(self) -> None:
        period = max(1.0, self.registry.ttl_s / 3)
        while True:
            await asyncio.sleep(period)
            try:
                await self.handler.refresh_registry()
            except (aioredis.RedisError, OSError) as e:
                log.warning("refreshing the session registry failed: %s", e)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.handler.flush()
        await self.hooks.drain(PLUGIN_EVENTS_DRAIN_S)
        await self.plugins.stop()
        with contextlib.suppress(Exception):
            await self.redis.hdel(
                Keys(self.settings.get(redis_settings.KEY_PREFIX)).plugin_states, self.membership.instance_id
            )
        if self.abuse is not None:
            await self.abuse.stop()
        await self.live.stop()
        if self.files is not None:
            with contextlib.suppress(Exception):
                await self.files.store.close()
        await self.registry.locations.close()
        await self.bus.stop()
        await self.registry.batcher.close()
        await self.membership.stop()
        with contextlib.suppress(Exception):
            await self.lease.release()
        await self.store.close()
        for client in (self.subscriber, self.redis):
            with contextlib.suppress(Exception):
                await client.aclose()
