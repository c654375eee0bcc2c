"""The data directory and the SQLite files are private when this server creates them (issue 22: 0755 and 0644
outside systemd, so any local user could read the messages and the root password file's neighbours)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from turms.settings import load_settings
from turms.storage.factory import open_store
from turms.supervisor import _lock_data_dir


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual default: would give 0755 and 0644
    try:
        yield
    finally:
        os.umask(old)


async def test_a_new_sqlite_store_is_0700_and_0600(tmp_path: Path, permissive_umask: None) -> None:
    path = tmp_path / "new-data" / "turms.sqlite3"
    store = open_store(load_settings(None, env={}, flags=[("storage.sqlite.path", str(path))]))
    await store.start()
    try:
        await store.insert_one("user", {"_id": 1, "n": "a"})
        files = [path, *path.parent.glob(path.name + "-*")]
        assert {p.name for p in files} >= {path.name, path.name + "-wal", path.name + "-shm"}
        assert mode(path.parent) == 0o700
        assert {p.name: mode(p) for p in files} == dict.fromkeys((p.name for p in files), 0o600)
    finally:
        await store.close()


def test_the_supervisor_makes_the_data_directory_0700(tmp_path: Path, permissive_umask: None) -> None:
    data_dir = tmp_path / "state"
    lock = _lock_data_dir(data_dir)
    assert lock is not None
    try:
        assert mode(data_dir) == 0o700
    finally:
        lock.close()


async def test_an_existing_database_keeps_its_mode(tmp_path: Path, permissive_umask: None) -> None:
    """An operator's own choice for a file that exists is left alone."""
    path = tmp_path / "turms.sqlite3"
    path.touch(mode=0o640)
    os.chmod(path, 0o640)
    store = open_store(load_settings(None, env={}, flags=[("storage.sqlite.path", str(path))]))
    await store.start()
    await store.close()
    assert mode(path) == 0o640
