"""A real aiohttp webhook receiver for tests (this module holds no tests).

It records every POST (headers, body) and answers by a plan: a status code, ``"hang"`` (wait until released, then
200), or ``"slow:<seconds>"``; once the plan is used up it answers 200. It runs in the test's event loop
(``await start()``) or in a thread of its own (:meth:`Receiver.threaded`), for fixtures that outlive one test's
loop. ``stop()`` and ``start()`` on the same port simulate an outage.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from testlib import free_port


@dataclass(frozen=True)
class Hit:
    headers: dict[str, str]
    body: bytes
    #: Monotonic time of arrival.
    at: float

    @property
    def key(self) -> str:
        return self.headers["Idempotency-Key"]

    @property
    def attempt(self) -> int:
        return int(self.headers["X-Turms-Attempt"])

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)

    def signed_with(self, secret: bytes) -> bool:
        """The HMAC-SHA256 signature over ``"<timestamp>." + body`` checks out (what a receiver must verify)."""
        timestamp = self.headers["X-Turms-Timestamp"]
        expected = "sha256=" + hmac.new(secret, timestamp.encode() + b"." + self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers["X-Turms-Signature"])


class Receiver:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self._hits: list[Hit] = []
        self._lock = threading.Lock()
        self._plan: list[int | str] = []
        self._runner: web.AppRunner | None = None
        self._release: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- control ---------------------------------------------------------------------------------------

    def plan(self, *answers: int | str) -> None:
        """Answer the next requests with these (then 200)."""
        with self._lock:
            self._plan = list(answers)

    @property
    def hits(self) -> list[Hit]:
        with self._lock:
            return list(self._hits)

    def release(self) -> None:
        """Let every ``"hang"`` answer (now and later ones) go through."""
        assert self._loop is not None and self._release is not None
        self._loop.call_soon_threadsafe(self._release.set)

    def hold(self) -> None:
        """Make ``"hang"`` answers wait again (after a :meth:`release`)."""
        assert self._loop is not None and self._release is not None
        self._loop.call_soon_threadsafe(self._release.clear)

    async def wait_for(self, check: Callable[[list[Hit]], bool], within: float = 10.0) -> list[Hit]:
        deadline = time.monotonic() + within
        while True:
            hits = self.hits
            if check(hits):
                return hits
            if time.monotonic() > deadline:
                raise AssertionError(f"the receiver did not get what was expected within {within} s: {hits}")
            await asyncio.sleep(0.02)

    # -- serving ---------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        with self._lock:
            self._hits.append(Hit(dict(request.headers), body, time.monotonic()))
            answer: int | str = self._plan.pop(0) if self._plan else 200
        if answer == "hang":
            assert self._release is not None
            await self._release.wait()
            answer = 200
        elif isinstance(answer, str) and answer.startswith("slow:"):
            await asyncio.sleep(float(answer.split(":", 1)[1]))
            answer = 200
        return web.Response(status=int(answer), text="ok")

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self._release is None:
            self._release = asyncio.Event()
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def stop(self) -> None:
        if self._release is not None:
            self._release.set()  # hung handlers finish, so the runner can stop
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._release = None

    # -- in a thread -------------------------------------------------------------------------------------

    @classmethod
    @contextlib.contextmanager
    def threaded(cls) -> Iterator[ThreadedReceiver]:
        receiver = ThreadedReceiver()
        receiver.begin()
        try:
            yield receiver
        finally:
            receiver.end()


class ThreadedReceiver(Receiver):
    """A receiver on its own event loop in a thread; :meth:`up` and :meth:`down` may be called from any loop."""

    def begin(self) -> None:
        loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name="webhook-receiver", daemon=True)
        self._thread.start()
        self._thread_loop = loop
        self._call(self.start())

    def _call(self, coro: Any) -> None:
        asyncio.run_coroutine_threadsafe(coro, self._thread_loop).result(10)

    async def up(self) -> None:
        await asyncio.to_thread(self._call, self.start())

    async def down(self) -> None:
        await asyncio.to_thread(self._call, self.stop())

    def end(self) -> None:
        with contextlib.suppress(Exception):
            self._call(self.stop())
        self._thread_loop.call_soon_threadsafe(self._thread_loop.stop)
        self._thread.join(5)
        self._thread_loop.close()
