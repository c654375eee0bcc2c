"""The host-wide writer turn: the writers of several processes take turns through an flock, so a writer waits
in the kernel for exactly as long as another holds the turn (SQLite's own busy wait sleeps in growing steps)."""

from __future__ import annotations

import asyncio
import fcntl
import os
from pathlib import Path

import pytest

from turms.storage.sqlite import SqliteStore

pytestmark = pytest.mark.timeout(20)


async def test_a_write_waits_for_the_turn_and_goes_as_soon_as_it_is_released(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = SqliteStore(path, ttl_purge_interval_s=0)
    await store.start()
    try:
        lock = f"{path}-writer.lock"
        assert os.stat(lock).st_mode & 0o777 == 0o600
        other = os.open(lock, os.O_RDWR)  # another process's writer, holding its turn
        try:
            fcntl.flock(other, fcntl.LOCK_EX)
            write = asyncio.ensure_future(store.insert_one("user", {"_id": 1, "n": "a"}))
            await asyncio.sleep(0.3)
            assert not write.done()  # waiting for the turn, not written
            assert await store.find_one("user", {"_id": 1}) is None
            fcntl.flock(other, fcntl.LOCK_UN)
            await asyncio.wait_for(write, 2)
        finally:
            os.close(other)
        assert (await store.find_one("user", {"_id": 1})) == {"_id": 1, "n": "a"}
        # The turn is released after the commit: another writer can take it at once.
        probe = os.open(lock, os.O_RDWR)
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(probe)
    finally:
        await store.close()
