"""A result names the commit of the code that ran, wherever the bench was started from."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import turms
from turms.bench.cli import _commit


def test_the_commit_is_the_code_checkouts_not_the_working_directorys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = Path(turms.__file__).resolve().parent
    expected = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=package, check=False
    )
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)  # another repository, with no commit
    monkeypatch.chdir(tmp_path)
    if expected.returncode == 0:
        assert _commit() == expected.stdout.strip()
    else:  # an installed copy outside any checkout names no commit
        assert _commit() is None
