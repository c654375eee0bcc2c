"""The ``turms`` command line: config check/show/docs and version, run as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TURMS_")}
    return subprocess.run(
        [sys.executable, "-m", "turms.cli", *args],
        cwd=ROOT,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version() -> None:
    r = run("version")
    assert r.returncode == 0
    assert r.stdout.startswith("turms-server ")


def test_config_check_names_a_typo(tmp_path: Path) -> None:
    conf = tmp_path / "bad.toml"
    conf.write_text("[gateway.tcp]\nprot = 11511\n")
    r = run("config", "check", "--config", str(conf))
    assert r.returncode == 2
    assert "gateway.tcp.prot" in r.stderr


def test_config_check_accepts_a_good_file(tmp_path: Path) -> None:
    conf = tmp_path / "good.toml"
    conf.write_text("[gateway.tcp]\nport = 11511\n")
    r = run("config", "check", "--config", str(conf), "--set", "server.workers=2")
    assert r.returncode == 0, r.stderr


def test_config_show_redacts_secrets() -> None:
    r = run("config", "show", env={"TURMS_REDIS_URL": "redis://:s3cret@h/0"})
    assert r.returncode == 0, r.stderr
    assert "s3cret" not in r.stdout
    assert "redis.url = '<redacted>'  # env TURMS_REDIS_URL" in r.stdout


def test_config_docs_equals_committed_file() -> None:
    r = run("config", "docs")
    assert r.returncode == 0
    assert r.stdout == (ROOT / "docs/configuration.md").read_text()
    assert run("config", "docs", "--toml").stdout == (ROOT / "conf/turms.toml").read_text()
    assert run("config", "docs", "--check").returncode == 0


def test_bad_set_flag() -> None:
    r = run("config", "check", "--set", "nonsense")
    assert r.returncode == 2
    assert "KEY=VALUE" in r.stderr


def test_config_show_prints_resolved_paths_and_stops_quietly_in_a_pipe(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TURMS_")}
    shown = subprocess.run(
        [sys.executable, "-m", "turms.cli", "config", "show", "--set", "server.pid_file=run/turms.pid"],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert f"server.data_dir = '{tmp_path}/data'" in shown
    assert f"server.pid_file = '{tmp_path}/run/turms.pid'" in shown
    # `turms config show | head -1`: the reader goes away early; no BrokenPipeError traceback.
    piped = subprocess.run(
        f"{sys.executable} -m turms.cli config show | head -1",
        shell=True,
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert piped.stdout.count("\n") == 1 and piped.stderr == "", piped.stderr
