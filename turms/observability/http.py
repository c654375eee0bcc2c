"""``GET /metrics`` and ``X-Request-ID`` for the admin HTTP app of a worker.

Every worker binds the admin port, so whichever worker the kernel picks answers ``/metrics``; in
multiprocess mode it merges the files of every process of the host, so each answer is the same view of all
workers (and of the supervisor). The merge reads files, so it runs in a thread, off the event loop.

:func:`request_id_middleware` gives every admin request a trace id: the client's ``X-Request-ID`` when it
is acceptable, else a new one. It is current while the request is handled (so the audit and application
log lines carry it) and returned in the ``X-Request-ID`` response header, errors included.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from turms.observability import multiprocess, trace

REQUEST_ID_HEADER = "X-Request-ID"
#: Where request handlers find the request's trace id (``request[TRACE_ID_KEY]``).
TRACE_ID_KEY = web.RequestKey("turms_trace_id", str)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def exposition() -> bytes:
    """The Prometheus text exposition of this host (multiprocess) or of this process."""
    directory = multiprocess.directory()
    if directory is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    return generate_latest(registry)


async def metrics_handler(request: web.Request) -> web.Response:
    body = await asyncio.to_thread(exposition)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    offered = request.headers.get(REQUEST_ID_HEADER)
    trace_id = offered if offered is not None and trace.acceptable(offered) else trace.new_trace_id()
    request[TRACE_ID_KEY] = trace_id
    with trace.use(trace_id):
        try:
            response = await handler(request)
        except web.HTTPException as e:
            e.headers[REQUEST_ID_HEADER] = trace_id
            raise
    response.headers[REQUEST_ID_HEADER] = trace_id
    return response
