"""schemathesis against ``/openapi.json`` of a live server: no 5xx, and every response matches the document."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from integration_support import Server, running

pytestmark = pytest.mark.slow
ST = shutil.which("st", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(ST is None, reason="schemathesis is not installed (test extra)")
@pytest.mark.timeout(240)
async def test_openapi_document_holds_under_property_based_requests(tmp_path: Path) -> None:
    server = Server(tmp_path, workers=1, settings={"admin.root.password": "root-pw", "gateway.auth.type": "none"})
    with running(server):
        await server.wait_ready()
        base = f"http://127.0.0.1:{server.admin_port}"
        async with aiohttp.ClientSession() as http, http.get(base + "/openapi.json") as resp:
            doc = await resp.json()
        assert doc["openapi"] == "3.1.0" and len(doc["paths"]) >= 25
        for path, operations in doc["paths"].items():
            for method, op in operations.items():
                assert op["x-permission"], (method, path)
        assert ST is not None
        proc = await asyncio.create_subprocess_exec(
            ST,
            "run",
            base + "/openapi.json",
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "10",
            "--seed",
            "9",
            "--auth",
            "turms:root-pw",
            "--workers",
            "1",
            "--request-timeout",
            "10",
            "--no-color",
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
        out, _ = await proc.communicate()
        report = out.decode(errors="replace")
        (tmp_path / "st-report.txt").write_text(report)
        assert proc.returncode == 0, report[-6000:]
        assert "5xx" not in report or "Server error" not in report
        # The server survived it all.
        async with aiohttp.ClientSession() as http, http.get(base + "/health") as resp:
            assert resp.status == 200, server.log()[-3000:]
