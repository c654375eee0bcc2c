"""Entry points of the playground for ``turms demo load`` and ``turms serve --demo``, and the production guard.

A deployment counts as **production** when ``server.environment`` is ``production`` or ``storage.mongo.uri`` (or
``storage.mongo.uri_file``) is set: MongoDB is what production runs on, and a playground never needs it. The
demo dataset has well-known passwords (users ``123``, admin ``guest``/``guest``), so both commands refuse such a
configuration outright.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import IO

from turms.clock import Clock, SystemClock
from turms.demo.loader import DemoRefused, LoadResult, load
from turms.settings import Settings
from turms.settings import demo as demo_settings
from turms.settings import storage as storage_settings
from turms.storage.factory import open_store

log = logging.getLogger("turms.demo")

#: Exit codes of ``turms demo load``: loaded or already there; the store holds other data; production.
EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_PRODUCTION = 2


def production_reason(settings: Settings) -> str | None:
    """Why this configuration is production (and must not get the demo dataset), or None."""
    if settings.get(demo_settings.ENVIRONMENT) == "production":
        return "server.environment is `production`"
    for s in (storage_settings.MONGO_URI, storage_settings.MONGO_URI_FILE):
        if settings.get(s):
            return f"{s.key} is set (MongoDB deployments count as production)"
    return None


async def load_with(settings: Settings, *, clear: bool = False, clock: Clock | None = None) -> LoadResult:
    """Open the configured store, load the dataset (see :func:`turms.demo.loader.load`), close the store."""
    store = open_store(settings)
    await store.start()
    try:
        return await load(store, settings, clock or SystemClock(), clear_first=clear)
    finally:
        await store.close()


def summary(result: LoadResult) -> str:
    if not result.loaded:
        return f"the store already holds the demo dataset ({result.user_count} users); nothing to do"
    total = sum(result.counts.values())
    cleared = "cleared the store, then " if result.cleared else ""
    return (
        f"{cleared}loaded the demo dataset: {result.user_count} users, {total} documents in "
        f"{result.elapsed_s:.2f} s (users log in with password 123; admin guest/guest)"
    )


def run(settings: Settings, *, clear: bool = False, out: IO[str] | None = None) -> int:
    """``turms demo load [--clear]``: print what happened, return the exit code."""
    out = out or sys.stderr
    reason = production_reason(settings)
    if reason is not None:
        out.write(f"turms: refusing to load the demo dataset into a production deployment: {reason}\n")
        return EXIT_PRODUCTION
    try:
        result = asyncio.run(load_with(settings, clear=clear))
    except DemoRefused as e:
        out.write(f"turms: {e}\n")
        return EXIT_REFUSED
    out.write(summary(result) + "\n")
    return EXIT_OK


def load_before_serving(settings: Settings) -> int:
    """``turms serve --demo``: load once in the supervisor, before any worker is forked. 0 means go on.

    The event loop, the store's threads and the executor used for hashing all end with ``asyncio.run``, so
    nothing of them is inherited half-alive by the forked workers.
    """
    reason = production_reason(settings)
    if reason is not None:
        log.critical("refusing --demo on a production deployment: %s", reason)
        return EXIT_PRODUCTION
    try:
        result = asyncio.run(load_with(settings))
    except DemoRefused as e:
        log.critical("cannot start with --demo: %s", e)
        return EXIT_REFUSED
    log.warning("playground mode: %s", summary(result))
    return EXIT_OK
