"""Backup and restore as docs/operations.md tells an operator, against real servers: the documented commands
(sqlite3's online .backup while the server writes; stop, put the file back, drop the WAL, start) bring back
exactly the backed-up data. Users are created through the admin API as in the documented first steps."""

from __future__ import annotations

import asyncio
import base64
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ferret_support import FerretDB
from integration_support import Server, running

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

ROOT_PASSWORD = "restore-test-root-pw"
ROOT = {"Authorization": "Basic " + base64.b64encode(f"turms:{ROOT_PASSWORD}".encode()).decode()}


async def _create_user(server: Server, user_id: int) -> None:
    async with aiohttp.ClientSession(headers=ROOT) as http:
        body = {"id": user_id, "password": "s3cret", "name": f"user{user_id}"}
        async with http.post(f"http://127.0.0.1:{server.admin_port}/users", json=body) as resp:
            assert resp.status in (200, 201), await resp.text()


async def _user_ids(server: Server) -> set[int]:
    async with aiohttp.ClientSession(headers=ROOT) as http:
        url = f"http://127.0.0.1:{server.admin_port}/users?ids=1001,1002,1003"
        async with http.get(url) as resp:
            assert resp.status == 200, await resp.text()
            page: dict[str, Any] = await resp.json()
    return {int(r["id"]) for r in page["data"]["records"]}


def _restore(backup: Path, db: Path) -> None:
    shutil.copyfile(backup, db)
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def _server(tmp_path: Path, name: str, data_dir: Path, **settings: str) -> Server:
    (tmp_path / name).mkdir()
    return Server(
        tmp_path / name,
        workers=2,
        settings={"server.data_dir": str(data_dir), "admin.root.password": ROOT_PASSWORD, **settings},
    )


async def test_sqlite_online_backup_restores_exactly_the_backed_up_data(tmp_path: Path) -> None:
    sqlite3 = shutil.which("sqlite3")
    assert sqlite3, "the sqlite3 command-line shell is missing (Debian package sqlite3)"
    data = tmp_path / "data"
    db = data / "turms.sqlite3"
    backup = tmp_path / "backup" / "turms-backup.sqlite3"
    backup.parent.mkdir()

    with running(_server(tmp_path, "first", data)) as server:
        await server.wait_ready()
        await _create_user(server, 1001)
        await _create_user(server, 1002)
        # The documented online backup, while the server is running (and holding the database open).
        proc = await asyncio.create_subprocess_exec(sqlite3, str(db), f".backup '{backup}'")
        assert await asyncio.wait_for(proc.wait(), 30) == 0
        await _create_user(server, 1003)  # written after the backup: must not come back
        assert await _user_ids(server) == {1001, 1002, 1003}
        server.signal(signal.SIGTERM)
        assert await server.wait_exit(30) == 0

    # The documented restore: the server stopped, the file replaced, the WAL and shared-memory files removed.
    _restore(backup, db)

    with running(_server(tmp_path, "restored", data)) as server:
        await server.wait_ready()
        assert await _user_ids(server) == {1001, 1002}
        server.signal(signal.SIGTERM)
        assert await server.wait_exit(30) == 0


async def _turms(*args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "turms.cli", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()
    return out.decode()


@pytest.mark.mongo
async def test_mongodb_dump_restores_exactly_the_dumped_data(tmp_path: Path) -> None:
    """`turms store dump` / `turms store restore --drop` (mongodump's file format) on FerretDB: the restored
    database serves the dumped users and sequence counters, not what was written after the dump."""
    ferret = FerretDB(tmp_path / "ferretdb").start()
    try:
        mongo = {"storage.mongo.uri": ferret.uri, "storage.mongo.database": "restore_test"}
        flags = [arg for k, v in mongo.items() for arg in ("--set", f"{k}={v}")]
        dump_dir = tmp_path / "dump"
        with running(_server(tmp_path, "first", tmp_path / "data1", **mongo)) as server:
            await server.wait_ready()
            await _create_user(server, 1001)
            await _create_user(server, 1002)
            out = await _turms("store", "dump", "--out", str(dump_dir), *flags)
            assert "dumped" in out
            await _create_user(server, 1003)
            assert await _user_ids(server) == {1001, 1002, 1003}
            server.signal(signal.SIGTERM)
            assert await server.wait_exit(30) == 0
        assert (dump_dir / "restore_test" / "user.bson").stat().st_size > 0

        out = await _turms("store", "restore", "--drop", str(dump_dir), *flags)
        assert out.startswith("restored ")
        with running(_server(tmp_path, "restored", tmp_path / "data2", **mongo)) as server:
            await server.wait_ready()
            assert await _user_ids(server) == {1001, 1002}
            await _create_user(server, 1003)  # the id is free again, and the restored store takes writes
            server.signal(signal.SIGTERM)
            assert await server.wait_exit(30) == 0
    finally:
        ferret.stop()
