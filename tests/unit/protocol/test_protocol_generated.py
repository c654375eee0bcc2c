"""The committed generated protocol files (pb modules, docs table) match their sources."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from turms.protocol.status import markdown_tables

ROOT = Path(__file__).resolve().parents[3]


def test_docs_status_tables_are_current() -> None:
    doc = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    assert markdown_tables() in doc, "docs/protocol.md is stale: run .venv/bin/python scripts/gen_proto.py"


def test_generated_modules_are_current() -> None:
    pytest.importorskip("grpc_tools")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_proto.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
