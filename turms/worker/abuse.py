"""Abuse protection wired into one worker: the cluster blocklist sync, auto-block, antispam, housekeeping.

The gateway owns an :class:`~turms.security.guard.AbuseGuard` from the start (rate limits work before the
cluster is up); this module gives it the Redis-backed blocklist, closes the local sessions of clients that
become blocked (USER_IS_BLOCKED, 701), loads the antispam dictionary and keeps both fresh.

Service functions for the admin API: :attr:`AbuseProtection.blocklist` (a
:class:`~turms.security.blocklist.BlocklistService`: block/unblock/query IPs and user ids with expiry),
:meth:`AbuseProtection.test_text` and :meth:`AbuseProtection.reload_antispam_everywhere`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import redis.asyncio as aioredis

from turms.clock import Clock
from turms.cluster.blocklist import RedisBlocklist
from turms.cluster.bus import RoutingBus
from turms.gateway.gateway import Gateway
from turms.gateway.local import LocalSessions
from turms.protocol.status import SessionCloseStatus
from turms.security.antispam import AntiSpam
from turms.security.blocklist import BlocklistService
from turms.settings import Settings
from turms.settings import security as sec

log = logging.getLogger("turms.worker.abuse")

#: Bus event that makes every worker re-read the antispam dictionary.
ANTISPAM_RELOAD_EVENT = "antispam"
#: Housekeeping period bounds (idle buckets, forgiven auto-block state, dictionary mtime).
MAX_HOUSEKEEPING_S = 10.0


class AbuseProtection:
    def __init__(
        self,
        settings: Settings,
        gateway: Gateway,
        local: LocalSessions,
        redis: aioredis.Redis,
        bus: RoutingBus,
        clock: Clock,
        *,
        prefix: str,
    ) -> None:
        self.settings = settings
        self.gateway = gateway
        self.local = local
        self.bus = bus
        guard = gateway.guard
        self.sync = RedisBlocklist(redis, bus, guard.blocklist, settings, clock, prefix=prefix)
        self.blocklist = BlocklistService(settings, clock, guard.blocklist, self.sync)
        guard.service = self.blocklist
        self.antispam = AntiSpam(settings)
        guard.blocklist.on_ip_blocked.append(self._close_ip)
        guard.blocklist.on_user_blocked.append(self._close_user)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.sync.start()
        self.bus.on_event(ANTISPAM_RELOAD_EVENT, self._on_antispam_reload)
        await self.antispam.reload_async()
        self._task = asyncio.create_task(self._housekeeping(), name="abuse-housekeeping")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.blocklist.flush()
        await self.sync.stop()

    # Enforcement ---------------------------------------------------------------------------------------

    def _close_ip(self, ip: str) -> None:
        # O(connections of this worker), but only when an IP becomes blocked.
        guard = self.gateway.guard
        for session in self.gateway.sessions:
            if guard.ip_of_session(session.id) == ip:
                self.gateway.close(session, SessionCloseStatus.USER_IS_BLOCKED, "the IP address is blocked")

    def _close_user(self, user_id: int) -> None:
        for session in self.local.of_user(user_id):
            self.gateway.close(session, SessionCloseStatus.USER_IS_BLOCKED, "the user is blocked")

    # Antispam ------------------------------------------------------------------------------------------

    def test_text(self, text: str) -> dict[str, Any]:
        """The admin "test a text" function: unwanted words found, and the masked text."""
        return self.antispam.test_text(text)

    async def reload_antispam_everywhere(self) -> None:
        """Make every worker of every host re-read the dictionary file now (admin-triggered reload)."""
        await self.bus.broadcast(ANTISPAM_RELOAD_EVENT, {})

    async def _on_antispam_reload(self, body: dict[str, Any]) -> None:
        await self.antispam.reload_async(force=True)

    async def _housekeeping(self) -> None:
        while True:
            period = min(self.settings.get(sec.ANTISPAM_CHECK_INTERVAL_S), MAX_HOUSEKEEPING_S)
            await asyncio.sleep(period)
            try:
                self.gateway.guard.evict()
                await self.antispam.reload_async()
            except Exception:  # housekeeping must go on
                log.exception("abuse-protection housekeeping failed")


__all__ = ["ANTISPAM_RELOAD_EVENT", "AbuseProtection"]
