"""Retention: delete messages older than ``service.message.retention_period_h``, batch by batch.

Exactly one worker in the cluster runs a pass at a time: the job holds a :class:`Lease` (implemented over Redis
by ``turms.cluster.lease``; the service layer sees only this Protocol) and renews it between batches. A pass
that loses its lease stops at the next batch. Deleting is idempotent, so an overlap during a lease hand-over
(bounded by the lease's own safety margin) costs nothing but duplicate work.

Deleted messages leave the bottom of each conversation's sequence. Each batch first raises the conversation's
purge mark (``messagePurge``: the highest sequence id deleted); a sync that starts at or below the mark is
answered from the number above it, with a purge marker (:data:`~turms.service.message.model.PURGED_TAG`) that
tells the client to skip there. Sequence ids stay dense above the mark.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, Protocol

from turms.service.context import Services
from turms.service.message.model import MESSAGE, MESSAGE_PURGE
from turms.settings import message as message_settings
from turms.storage.port import UpdateOne

log = logging.getLogger("turms.service.message.retention")


class Lease(Protocol):
    async def acquire(self) -> bool:
        """Take the lease, or renew it if held; True while this holder owns it."""
        ...

    async def release(self) -> None: ...


async def purge_once(services: Services, lease: Lease | None = None) -> int:
    """Delete expired messages (all of them, batch by batch); the number deleted.

    With a ``lease``, each batch first renews it and the pass stops as soon as it is not held.
    """
    hours = services.settings.get(message_settings.RETENTION_PERIOD_H)
    if hours <= 0:
        return 0
    cutoff = services.clock.now() - timedelta(hours=hours)
    deleted = 0
    while True:
        if lease is not None and not await lease.acquire():
            break
        batch = services.settings.get(message_settings.RETENTION_BATCH_SIZE)
        docs = await services.store.find(
            MESSAGE,
            {"dyd": {"$lt": cutoff}},
            projection={"_id": 1, "cid": 1, "sqid": 1},
            sort=[("dyd", 1)],
            limit=batch,
        )
        if not docs:
            break
        await _record_purge(services, docs)
        deleted += await services.store.delete_many(MESSAGE, {"_id": {"$in": [d["_id"] for d in docs]}})
        if len(docs) < batch:
            break
        await asyncio.sleep(0)
    if deleted:
        log.info("retention deleted %d messages delivered before %s", deleted, cutoff.isoformat())
    return deleted


async def _record_purge(services: Services, docs: list[dict[str, Any]]) -> None:
    """Raise each conversation's purge mark to the highest sequence id about to be deleted.

    Written before the delete: a pass that dies in between leaves a mark over messages that still exist, which
    syncs then skip as if deleted (the next pass deletes them); the other order could leave numbers deleted and
    unmarked, where syncing clients would wait.
    """
    top: dict[bytes, int] = {}
    for d in docs:
        if d.get("sqid") is not None:
            top[d["cid"]] = max(top.get(d["cid"], 0), int(d["sqid"]))
    if top:
        await services.store.bulk_write(
            MESSAGE_PURGE,
            [UpdateOne({"_id": cid}, {"$max": {"sqid": seq}}, upsert=True) for cid, seq in top.items()],
        )


async def purged_through(services: Services, cid: bytes) -> int | None:
    """The highest sequence id of the conversation that retention deleted, if any."""
    doc = await services.store.find_one(MESSAGE_PURGE, {"_id": cid})
    return None if doc is None else int(doc["sqid"])


async def run(services: Services, lease: Lease) -> None:
    """The periodic job (a worker task): a pass every ``service.message.retention_interval_s``."""
    interval = services.settings.get(message_settings.RETENTION_INTERVAL_S)
    try:
        while True:
            try:
                if services.settings.get(message_settings.RETENTION_PERIOD_H) > 0:
                    await purge_once(services, lease)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("message retention pass failed; retrying in %.0f s", interval, exc_info=True)
            await asyncio.sleep(interval)
    finally:
        try:
            await asyncio.shield(lease.release())
        except Exception:
            log.debug("releasing the retention lease failed", exc_info=True)


def start(services: Services, lease: Lease) -> asyncio.Task[None]:
    """Start :func:`run` as a task (the worker cancels it when it stops)."""
    return asyncio.create_task(run(services, lease), name="message-retention")
