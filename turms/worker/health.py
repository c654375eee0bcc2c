"""``GET /health`` of a worker (liveness and readiness as JSON), served alone on the health listener
(``health.http.*``, for load balancers) when it is enabled.

Every worker binds the port with ``SO_REUSEPORT``, so a request is answered by whichever worker the
kernel picks; the JSON names it (``pid``, ``worker``). The status is 200 when the worker is ready (all
listeners bound, Redis answering, not draining), else 503 with the reason.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

HealthProbe = Callable[[], Awaitable[bool]]
REDIS_PROBE_TIMEOUT_S = 1.0


class HealthEndpoint:
    def __init__(
        self,
        *,
        index: int,
        generation: int,
        connections: Callable[[], int],
        redis_ping: HealthProbe,
    ) -> None:
        self.index = index
        self.generation = generation
        self.connections = connections
        self.redis_ping = redis_ping
        self.started = time.monotonic()
        self.ready = False
        self.draining = False

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/health", self.handle)
        return app

    async def _redis_ok(self) -> bool:
        try:
            return await asyncio.wait_for(self.redis_ping(), REDIS_PROBE_TIMEOUT_S)
        except Exception:  # a probe answers; it never raises
            return False

    async def handle(self, request: web.Request) -> web.Response:
        redis_ok = await self._redis_ok()
        ready = self.ready and not self.draining and redis_ok
        problems: list[str] = []
        if not self.ready:
            problems.append("booting")
        if self.draining:
            problems.append("draining")
        if not redis_ok:
            problems.append("redis unreachable")
        body: dict[str, Any] = {
            "status": "ok" if ready else "unavailable",
            "live": True,
            "ready": ready,
            "problems": problems,
            "pid": os.getpid(),
            "worker": self.index,
            "generation": self.generation,
            "uptime_s": round(time.monotonic() - self.started, 3),
            "connections": self.connections(),
            "redis": redis_ok,
        }
        return web.json_response(body, status=200 if ready else 503)
