"""The root admin: created exactly once cluster-wide, never with a default password."""

from __future__ import annotations

import asyncio
import logging
import stat
from pathlib import Path

import pytest

from turms.admin.root import PASSWORD_FILE_NAME, ensure_root_admin
from turms.clock import FakeClock
from turms.security.passwords import verify_password
from turms.settings import load_settings
from turms.storage.factory import open_store


async def test_generated_once_under_a_race_and_written_0600(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="turms.admin")
    settings = load_settings(None, env={}, flags=[("server.data_dir", str(tmp_path))])
    stores = [open_store(settings) for _ in range(4)]  # four "workers" sharing one SQLite file
    for s in stores:
        await s.start()
    try:
        outcomes = await asyncio.gather(*(ensure_root_admin(s, settings, FakeClock()) for s in stores))
        winners = [o for o in outcomes if o.created]
        assert len(winners) == 1 and winners[0].generated_password
        path = tmp_path / PASSWORD_FILE_NAME
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text().strip() == winners[0].generated_password
        # The log names the file, never the secret (issue 22).
        logged = [r.getMessage() for r in caplog.records if r.name == "turms.admin"]
        assert any(str(path) in m for m in logged), logged
        assert not any(winners[0].generated_password in m for m in logged)
        doc = await stores[0].find_one("admin", {"ln": "turms"})
        assert doc is not None and verify_password(winners[0].generated_password, doc["pw"].decode())
        assert not verify_password("turms", doc["pw"].decode())
        # A restart neither regenerates nor rewrites it.
        again = await ensure_root_admin(stores[1], settings, FakeClock())
        assert not again.created and path.read_text().strip() == winners[0].generated_password
    finally:
        for s in stores:
            await s.close()


async def test_password_file_is_used_and_resets_a_changed_root(tmp_path: Path) -> None:
    secret = tmp_path / "cred"
    secret.write_text("from-file\n")
    flags = [("server.data_dir", str(tmp_path)), ("admin.root.password_file", str(secret))]
    settings = load_settings(None, env={}, flags=flags)
    store = open_store(settings)
    await store.start()
    try:
        assert (await ensure_root_admin(store, settings, FakeClock())).created
        assert not (tmp_path / PASSWORD_FILE_NAME).exists()
        secret.write_text("rotated\n")
        assert not (await ensure_root_admin(store, settings, FakeClock())).created
        doc = await store.find_one("admin", {"_id": 0})
        assert doc is not None and verify_password("rotated", doc["pw"].decode())
    finally:
        await store.close()
