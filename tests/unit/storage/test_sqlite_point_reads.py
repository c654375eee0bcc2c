"""Which SQLite reads run on the event loop (only those that pin at most one document through a unique key), and
that one meeting a lock neither blocks the loop nor fails."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import textwrap
import time
from asyncio.subprocess import PIPE
from pathlib import Path
from typing import Any

import pytest

from turms.storage.schema import SCHEMA
from turms.storage.sqlite import SqliteStore, _is_point_lookup


def test_point_lookups_are_unique_key_equalities() -> None:
    rel, member, user = SCHEMA["userRelationship"], SCHEMA["groupMember"], SCHEMA["user"]
    assert _is_point_lookup(user, {"_id": 5})
    assert _is_point_lookup(rel, {"_id.oid": 1, "_id.rid": 2})
    assert _is_point_lookup(member, {"_id": {"gid": 1, "uid": 2}})
    assert not _is_point_lookup(member, {"_id.gid": 1})  # every member of a group
    assert not _is_point_lookup(user, {"_id": {"$in": [1, 2]}})
    assert not _is_point_lookup(user, {"_id": {"$gt": 1}})
    assert not _is_point_lookup(SCHEMA["message"], {"cid": b"x"})
    unique = next(ix for ix in SCHEMA["message"].indexes if ix.unique)
    assert _is_point_lookup(SCHEMA["message"], dict.fromkeys(unique.paths, 1))


async def test_a_point_read_sees_every_acknowledged_write(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3")
    await store.start()
    try:
        for i in range(50):
            await store.insert_one("user", {"_id": i, "n": f"u{i}"})
            doc = await store.find_one("user", {"_id": i})  # on the loop's own connection
            assert doc is not None and doc["n"] == f"u{i}"
        assert len(await store.find("user", {"_id": {"$lt": 50}})) == 50  # through the pool
    finally:
        await store.close()


# Another process "recovering the WAL index": it holds the WAL write and recovery locks of the -shm file (as
# SQLite's unix VFS takes them: fcntl locks on bytes 120 + lock number) and makes the two copies of the index
# header differ, as a recovery in progress does. Every reader then meets SQLITE_BUSY_RECOVERY, waiting for it
# as long as its busy timeout allows; a connection that is not yet open cannot even open. Released (header
# restored, locks dropped) when its stdin closes, or after argv[2] seconds at the latest.
_LOCKER = textwrap.dedent(
    """
    import fcntl, os, select, sys
    fd = os.open(sys.argv[1] + "-shm", os.O_RDWR)
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 120)  # WAL_WRITE_LOCK
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 122)  # WAL_RECOVER_LOCK
    orig = os.pread(fd, 1, 48 + 8)  # iChange of the second header copy
    os.pwrite(fd, bytes([orig[0] ^ 0xFF]), 48 + 8)
    print("locked", flush=True)
    select.select([sys.stdin], [], [], float(sys.argv[2]))
    os.pwrite(fd, orig, 48 + 8)
    os.close(fd)
    print("released", flush=True)
    """
)


def _read_with_no_busy_timeout(path: Path) -> None:
    conn = sqlite3.connect(path, timeout=0)
    try:
        conn.execute("SELECT COUNT(*) FROM user").fetchone()
    finally:
        conn.close()


@pytest.mark.parametrize("warm", [True, False], ids=["after-a-point-read", "first-point-read"])
async def test_a_point_read_that_meets_a_lock_neither_blocks_the_loop_nor_fails(tmp_path: Path, warm: bool) -> None:
    path = tmp_path / "s.sqlite3"
    store = SqliteStore(path, ttl_purge_interval_s=0, busy_timeout_ms=5_000)
    await store.start()
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.005)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    try:
        await store.insert_one("user", {"_id": 1, "n": "u1"})
        if warm:
            assert await store.find_one("user", {"_id": 1}) == {"_id": 1, "n": "u1"}
        locker = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _LOCKER, str(path), "15", stdin=PIPE, stdout=PIPE
        )
        assert locker.stdin is not None and locker.stdout is not None
        tick = asyncio.create_task(ticker())
        try:
            assert await asyncio.wait_for(locker.stdout.readline(), 30) == b"locked\n"
            # The lock is real: a reader that may not wait fails on it at once.
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                await asyncio.to_thread(_read_with_no_busy_timeout, path)
            read = asyncio.create_task(store.find_one("user", {"_id": 1}))
            await asyncio.sleep(0.5)
            assert max(gaps) < 0.5, f"the event loop stalled {max(gaps):.3f} s"
            assert not read.done()  # it waits for the lock (a point read takes microseconds) …
            locker.stdin.close()
            assert await asyncio.wait_for(locker.stdout.readline(), 30) == b"released\n"
            assert await asyncio.wait_for(read, 30) == {"_id": 1, "n": "u1"}  # … and succeeds once it is gone
            assert await store.find_one("user", {"_id": 1}) == {"_id": 1, "n": "u1"}
        finally:
            tick.cancel()
            if locker.returncode is None:
                locker.kill()
            await locker.wait()
        # … off the loop: the loop kept ticking, far from the 5 s a busy timeout on it would have stalled it.
        assert max(gaps) < 0.5, f"the event loop stalled {max(gaps):.3f} s"
        assert len(gaps) > 50
    finally:
        await store.close()


async def test_point_reads_stay_on_the_loop_other_reads_and_threads_use_the_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3", ttl_purge_interval_s=0)
    await store.start()
    try:
        await store.insert_one("user", {"_id": 1, "n": "u1"})
        pool = store._readers
        assert pool is not None
        hops: list[object] = []
        submit = pool.submit

        def counting_submit(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            hops.append(fn)
            return submit(fn, *args, **kwargs)

        monkeypatch.setattr(pool, "submit", counting_submit)
        for _ in range(20):
            assert await store.find_one("user", {"_id": 1}) == {"_id": 1, "n": "u1"}
        assert hops == []  # the measured win: no hop to a thread for a point read
        assert await store.count("user") == 1
        assert len(hops) == 1
        # The loop's connection belongs to the loop's thread: a point read from another thread uses the pool.
        assert await asyncio.to_thread(asyncio.run, store.find_one("user", {"_id": 1})) == {"_id": 1, "n": "u1"}
        assert len(hops) == 2
    finally:
        await store.close()
