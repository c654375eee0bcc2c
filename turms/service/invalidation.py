"""Telling every worker that data it may cache has changed (the per-worker caches' invalidation events).

A cache that events keep fresh (group member ids, relationships) is only as fresh as its events. Two ways an
event can be missed are closed here and in the routing bus, so that the cache's TTL only bounds changes made
around the server (direct store writes):

* the announcement fails to publish (Redis unreachable from this worker, its connection pool exhausted):
  :func:`announce` retries it in the background until ``retry_for_s`` (the cache's TTL) has passed, after
  which every entry loaded before the change has expired anyway;
* a worker's subscription is lost while events are published: the bus calls the caches' ``on_lost``
  handlers once it is subscribed again, and they drop every entry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from turms.service.api import ClusterEvents

log = logging.getLogger("turms.service")

#: The first retry's delay; each next one doubles, up to :data:`_RETRY_MAX_S`.
_RETRY_FIRST_S = 0.1
_RETRY_MAX_S = 5.0
#: Announcements being retried (a reference keeps each task alive).
_retrying: set[asyncio.Task[None]] = set()


async def announce(events: ClusterEvents, kind: str, body: dict[str, Any], *, retry_for_s: float, what: str) -> None:
    """Broadcast ``kind`` to every worker; if that fails, go on trying in the background for ``retry_for_s``.

    Returns once the first attempt is over; the retries never hold up the change. ``what`` names the change in
    the log ("group members changed").
    """
    try:
        await events.broadcast(kind, body)
        return
    except Exception as e:
        if retry_for_s <= 0:
            log.warning("telling other workers that %s failed: %s", what, e)
            return
        log.warning("telling other workers that %s failed: %s; retrying for up to %g s", what, e, retry_for_s)
    task = asyncio.get_running_loop().create_task(_retry(events, kind, body, time.monotonic() + retry_for_s, what))
    _retrying.add(task)
    task.add_done_callback(_retrying.discard)


async def _retry(events: ClusterEvents, kind: str, body: dict[str, Any], deadline: float, what: str) -> None:
    delay = _RETRY_FIRST_S
    while (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(min(delay, left))  # the last attempt is at the deadline
        try:
            await events.broadcast(kind, body)
        except Exception:
            delay = min(delay * 2, _RETRY_MAX_S)
            continue
        log.info("told other workers that %s, after retrying", what)
        return
    # By now every entry loaded before the change has expired: nothing is left to invalidate.
    log.warning("gave up telling other workers that %s: the entries cached before it have expired", what)
