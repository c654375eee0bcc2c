"""The SQLite adapter under concurrency: several processes on one file, group commit, savepoint isolation."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from turms.storage.errors import DuplicateKeyError
from turms.storage.sqlite import SqliteStore

_INSERTER = textwrap.dedent(
    """
    import asyncio, sys
    from turms.storage.sqlite import SqliteStore

    async def main(path, base, count):
        store = SqliteStore(path, ttl_purge_interval_s=0)
        await store.start()
        sem = asyncio.Semaphore(256)
        async def one(i):
            async with sem:
                await store.insert_one("groupBlockedUser", {"_id": {"gid": base, "uid": i}, "rid": i})
        await asyncio.gather(*(one(i) for i in range(count)))
        print(store.commits, store.committed_writes)
        await store.close()

    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
    """
)


def _insert_from_two_processes(path: Path) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _INSERTER, str(path), str(base), "5000"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for base in (1, 2)
    ]
    for p in procs:
        out, err = p.communicate(timeout=100)
        assert p.returncode == 0, err.decode()[-3000:]
        assert b"locked" not in err
        commits, writes = map(int, out.split())
        assert writes >= 5000 and commits < writes  # group commit batched them


async def test_two_processes_insert_5000_each_into_one_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    await asyncio.to_thread(_insert_from_two_processes, path)
    store = SqliteStore(path, ttl_purge_interval_s=0)
    await store.start()
    try:
        assert await store.count("groupBlockedUser") == 10_000
        assert await store.count("groupBlockedUser", {"_id.gid": 1}) == 5000
        assert await store.count("groupBlockedUser", {"_id.gid": 2, "rid": {"$gte": 4990}}) == 10
    finally:
        await store.close()


@pytest.fixture
async def store(tmp_path: Path) -> SqliteStore:
    s = SqliteStore(tmp_path / "t.sqlite3", ttl_purge_interval_s=0)
    await s.start()
    yield s  # type: ignore[misc]
    await s.close()


async def test_group_commit_batches_concurrent_writes(store: SqliteStore) -> None:
    before = store.commits
    await asyncio.gather(*(store.insert_one("user", {"_id": i, "n": f"u{i}"}) for i in range(500)))
    assert store.commits - before < 500
    assert await store.count("user") == 500


async def test_a_failing_write_fails_only_its_caller(store: SqliteStore) -> None:
    await store.insert_one("user", {"_id": 0})
    results = await asyncio.gather(
        *(store.insert_one("user", {"_id": i % 50}) for i in range(1, 101)), return_exceptions=True
    )
    failures = [r for r in results if r is not None]
    assert len(failures) == 51  # _id 0 twice, and every other id the second time
    assert all(isinstance(r, DuplicateKeyError) for r in failures)
    assert await store.count("user") == 50


async def test_without_group_commit_each_write_commits(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "n.sqlite3", group_commit=False, ttl_purge_interval_s=0)
    await s.start()
    try:
        before = s.commits
        await asyncio.gather(*(s.insert_one("user", {"_id": i}) for i in range(50)))
        assert s.commits - before == 50
    finally:
        await s.close()


async def test_pragmas(store: SqliteStore) -> None:
    def pragmas(conn: object) -> tuple[str, int]:
        import sqlite3

        assert isinstance(conn, sqlite3.Connection)
        return conn.execute("PRAGMA journal_mode").fetchone()[0], conn.execute("PRAGMA synchronous").fetchone()[0]

    mode, sync = await store._read(pragmas)  # type: ignore[arg-type]
    assert mode == "wal"
    assert sync == 2  # FULL


async def test_start_is_idempotent_and_closed_store_refuses(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite3"
    for _ in range(2):
        s = SqliteStore(path, ttl_purge_interval_s=0)
        await s.start()
        await s.insert_one("user", {"_id": len(await s.find("user"))})
        await s.close()
    from turms.storage.errors import StorageUnavailableError

    with pytest.raises(StorageUnavailableError):
        await s.find("user")


async def test_periodic_ttl_purge(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2030, 1, 1, tzinfo=UTC)
    s = SqliteStore(tmp_path / "p.sqlite3", ttl_purge_interval_s=0.05, clock=lambda: now)
    await s.start()
    try:
        old = now - timedelta(days=2)
        await s.insert_one("messageIdempotency", {"_id": {"sid": 1, "dev": 0, "cmid": "a"}, "cd": old})
        await s.insert_one("messageIdempotency", {"_id": {"sid": 1, "dev": 0, "cmid": "b"}, "cd": now})
        for _ in range(100):
            if await s.count("messageIdempotency") == 1:
                break
            await asyncio.sleep(0.02)
        assert await s.count("messageIdempotency") == 1
    finally:
        await s.close()
