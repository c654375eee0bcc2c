"""``turms demo load`` and the production guard of ``turms serve --demo``, through the real command line."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from turms.cli import main
from turms.demo import production_reason
from turms.service import accounts
from turms.settings import load_settings
from turms.storage.factory import open_store


def load_cmd(tmp_path: Path, *extra: str) -> list[str]:
    return ["demo", "load", "--data-dir", str(tmp_path), "--set", "demo.user_count=50", *extra]


async def _count_users_and_add(tmp_path: Path, add: int | None = None) -> int:
    store = open_store(load_settings(None, env={}, flags=[("server.data_dir", str(tmp_path))]))
    await store.start()
    try:
        if add is not None:
            await accounts.create_user(store, add, None, datetime(2024, 1, 1, tzinfo=UTC))
        return await store.count("user")
    finally:
        await store.close()


def test_load_then_load_again_is_a_no_op(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(load_cmd(tmp_path)) == 0
    assert "loaded the demo dataset: 50 users" in capsys.readouterr().err
    assert main(load_cmd(tmp_path)) == 0
    assert "already holds the demo dataset (50 users); nothing to do" in capsys.readouterr().err
    assert asyncio.run(_count_users_and_add(tmp_path)) == 50


def test_non_empty_store_is_refused_unless_cleared(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_count_users_and_add(tmp_path, add=777))
    assert main(load_cmd(tmp_path)) == 1
    err = capsys.readouterr().err
    assert "the store is not empty" in err and "turms demo load --clear" in err
    assert asyncio.run(_count_users_and_add(tmp_path)) == 1
    assert main(load_cmd(tmp_path, "--clear")) == 0
    assert "cleared the store, then loaded" in capsys.readouterr().err
    assert asyncio.run(_count_users_and_add(tmp_path)) == 50


@pytest.mark.parametrize(
    ("setting", "reason"),
    [
        ("server.environment=production", "server.environment is `production`"),
        ("storage.mongo.uri=mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=1", "storage.mongo.uri is set"),
    ],
)
def test_production_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], setting: str, reason: str) -> None:
    assert main(load_cmd(tmp_path, "--set", setting)) == 2
    assert reason in capsys.readouterr().err
    # serve --demo refuses before starting anything (no lock, no Redis, no store).
    assert main(["serve", "--demo", "--data-dir", str(tmp_path), "--set", setting]) == 2
    assert f"--demo refused on a production deployment: {reason}" in capsys.readouterr().err
    assert not (tmp_path / "turms.sqlite3").exists()


def test_development_is_not_production(tmp_path: Path) -> None:
    settings = load_settings(None, env={}, flags=[("server.data_dir", str(tmp_path))])
    assert production_reason(settings) is None


def test_loading_before_serving_leaves_nothing_running_to_fork(tmp_path: Path) -> None:
    """The supervisor forks its workers right after the load: no loop, store thread or pool may outlive it."""
    from turms.demo import load_before_serving
    from turms.security import passwords

    before = {t.ident for t in threading.enumerate()}
    pool = passwords._pool
    settings = load_settings(None, env={}, flags=[("server.data_dir", str(tmp_path)), ("demo.user_count", "20")])
    assert load_before_serving(settings) == 0
    assert {t.ident for t in threading.enumerate()} <= before
    assert passwords._pool is pool  # the process-wide hashing pool was not created by the load
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    assert load_before_serving(settings) == 0  # a restart on its own dataset goes on
