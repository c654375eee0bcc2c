"""Cluster-wide live settings: stored once in the store, applied by every worker of every host.

The reference copy is the ``clusterSettings`` document ``global`` (``s``: key → value, ``v``: a version
incremented on each change). A change is written there first, then announced on the broadcast channel;
each worker re-reads the document and applies the live settings it holds. A worker that missed the
announcement (Redis hiccup) catches up at its next periodic check, and every worker reads the document at
boot, so a restarted worker starts with the cluster's values.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from turms.cluster.bus import RoutingBus
from turms.settings import Settings, SettingsError
from turms.storage.port import ReturnDocument, Store

log = logging.getLogger("turms.cluster.settings")

COLLECTION = "clusterSettings"
DOC_ID = "global"
EVENT = "settings"


async def write_changes(store: Store, settings: Settings, changes: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Validate ``changes`` (live settings only), merge them into the stored document; return the typed values.

    Raises :class:`SettingsError` (nothing is written) for an unknown or non-live key or an invalid value.
    """
    typed = settings.with_overrides({}).apply_live(changes)
    update: dict[str, Any] = {"$inc": {"v": 1}, "$set": {"lud": now}}
    for key, value in typed.items():
        update["$set"][f"s.{_encode_key(key)}"] = value
    await store.find_one_and_update(
        COLLECTION, {"_id": DOC_ID}, update, upsert=True, return_document=ReturnDocument.AFTER
    )
    return typed


def _encode_key(key: str) -> str:
    # Stored documents may not have dots in field names: "gateway.tcp.port" -> "gateway:tcp:port".
    return key.replace(".", ":")


def _decode_key(field: str) -> str:
    return field.replace(":", ".")


class LiveSettings:
    """Keeps one worker's :class:`Settings` in step with the stored cluster settings."""

    def __init__(self, settings: Settings, store: Store, bus: RoutingBus, *, check_interval_s: float = 10.0) -> None:
        self.settings = settings
        self.store = store
        self.bus = bus
        self.check_interval_s = check_interval_s
        self.version = -1
        self._task: asyncio.Task[None] | None = None
        #: Awaited with the typed values each time some are applied (e.g. the plugin host, for
        #: ``plugins.enabled``). A listener that raises is logged; the others still run.
        self.listeners: list[Callable[[dict[str, Any]], Awaitable[None]]] = []

    async def start(self) -> None:
        await self.reload()
        self.bus.on_event(EVENT, self._on_event)
        self._task = asyncio.create_task(self._poll(), name="live-settings")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _on_event(self, body: dict[str, Any]) -> None:
        await self.reload()

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.check_interval_s)
            try:
                await self.reload()
            except Exception as e:
                log.warning("reading the cluster settings failed: %s", e)

    async def reload(self) -> dict[str, Any]:
        """Apply the stored values if the stored version changed; return what was applied."""
        doc = await self.store.find_one(COLLECTION, {"_id": DOC_ID})
        if doc is None or doc.get("v", 0) == self.version:
            return {}
        values = {_decode_key(k): v for k, v in (doc.get("s") or {}).items()}
        applied: dict[str, Any] = {}
        for key, value in values.items():
            # One bad stored value (e.g. a setting that stopped being live) must not block the others.
            try:
                applied.update(self.settings.apply_live({key: value}))
            except SettingsError as e:
                log.warning("ignoring stored cluster setting: %s", e)
        self.version = doc.get("v", 0)
        await self.bus.redis.hset(self.bus.keys.settings_applied, self.bus.instance_id, self.version)
        if applied:
            log.info("applied cluster settings version %d: %s", self.version, sorted(applied))
            for listener in self.listeners:
                try:
                    await listener(applied)
                except Exception:
                    log.exception("a listener of the cluster settings failed")
        return applied

    async def announce(self) -> None:
        """Tell every worker of every host to re-read the stored settings."""
        await self.bus.broadcast(EVENT, {})
