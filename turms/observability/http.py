"""``GET /metrics`` for the admin HTTP app of a worker.

Every worker binds the admin port, so whichever worker the kernel picks answers ``/metrics``; in
multiprocess mode it merges the files of every process of the host, so each answer is the same view of all
workers (and of the supervisor). The merge reads files, so it runs in a thread, off the event loop.

(The admin app's ``X-Request-ID`` handling, which makes an admin request's trace id current, is
:func:`turms.admin.app.request_id_middleware`; the trace ids themselves are :mod:`turms.observability.trace`.)
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from turms.observability import multiprocess, tick


def exposition() -> bytes:
    """The Prometheus text exposition of this host (multiprocess) or of this process."""
    directory = multiprocess.directory()
    if directory is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    return generate_latest(registry)


async def metrics_handler(request: web.Request) -> web.Response:
    tick.flush()  # this worker's updates of the current tick are in the answer too
    body = await asyncio.to_thread(exposition)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
