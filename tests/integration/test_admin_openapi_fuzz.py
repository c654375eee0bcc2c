"""schemathesis against ``/openapi.json`` of a live server: no 5xx, every response matches the document, and the
requests really reach the handlers.

Two things used to keep most requests away from the handlers, and the run still passed: the coverage phase
changed the root admin's password (``PUT /admins?ids=0`` with a password is the root changing its own) so every
later request failed authentication, and the per-IP failed-login throttle then answered 429 before any handler
ran. The server here raises the throttle (as the unit harness does), a hook keeps the fuzzer from changing the
credentials it authenticates with or the throttle itself, and the test reads schemathesis's NDJSON report to
require that no request was throttled or refused as unauthenticated and that every operation succeeded at least
once.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from integration_support import Server, running

pytestmark = pytest.mark.slow
ST = shutil.which("st", path=str(Path(sys.executable).parent))

#: A schemathesis hooks file: requests the fuzzer may make, except those that would lock it out (the root admin's
#: password, and the failed-login throttle settings); everything else in those requests is sent as generated.
HOOKS = """
import schemathesis

ROOT_ADMIN_ID = 0


def _ints(value):
    for item in value if isinstance(value, list) else [value]:
        for part in str(item).split(","):
            try:
                yield int(part.strip())
            except ValueError:
                pass


@schemathesis.hook
def before_call(ctx, case, kwargs):
    method = case.method.upper()
    if method == "PUT" and case.path == "/admins" and isinstance(case.body, dict):
        if ROOT_ADMIN_ID in set(_ints((case.query or {}).get("ids", []))):
            case.body.pop("password", None)
    if method == "PUT" and case.path == "/cluster/settings" and isinstance(case.body, dict):
        for key in [k for k in case.body if str(k).startswith("admin.auth.")]:
            del case.body[key]
"""


def statuses_by_operation(report_dir: Path) -> dict[str, collections.Counter[int]]:
    """HTTP statuses of every response schemathesis received, by operation (``"POST /messages"``)."""
    (path,) = report_dir.glob("*.ndjson")
    out: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
    with path.open() as f:
        for line in f:
            event: dict[str, Any] = json.loads(line)
            scenario = event.get("ScenarioFinished")
            if scenario is None:
                continue
            recorder = scenario["recorder"]
            for interaction in recorder.get("interactions", {}).values():
                response = interaction.get("response")
                out[recorder["label"]][response["status_code"] if response else 0] += 1
    return out


@pytest.mark.skipif(ST is None, reason="schemathesis is not installed (test extra)")
@pytest.mark.timeout(240)
async def test_openapi_document_holds_under_property_based_requests(tmp_path: Path) -> None:
    settings = {
        "admin.root.password": "root-pw",
        "gateway.auth.type": "none",
        # The fuzzer sends requests without or with wrong credentials from one IP; with Turms's burst of 5 the
        # throttle would answer 429 to nearly everything after them (its own tests: tests/unit/admin).
        "admin.auth.failed_login.burst": "1000000",
        # So that POST /users/registrations is exercised beyond its "registration is off" refusal.
        "service.user.registration.enabled": "true",
    }
    server = Server(tmp_path, workers=1, settings=settings)
    with running(server):
        await server.wait_ready()
        base = f"http://127.0.0.1:{server.admin_port}"
        async with aiohttp.ClientSession() as http, http.get(base + "/openapi.json") as resp:
            doc = await resp.json()
        assert doc["openapi"] == "3.1.0" and len(doc["paths"]) >= 25
        operations = set()
        for path, ops in doc["paths"].items():
            for method, op in ops.items():
                assert op["x-permission"], (method, path)
                operations.add(f"{method.upper()} {path}")
        # The records the document's examples name: group writes need users and a group that exist (issue 22),
        # and the examples phase runs first, so each of those operations succeeds at least once.
        root = {"Authorization": aiohttp.encode_basic_auth("turms", "root-pw")}
        seed = [
            *(("/users", {"id": uid, "password": f"pw-{uid}"}) for uid in (1, 2, 3, 4)),
            ("/groups", {"id": 1, "ownerId": 1, "name": "seed"}),
            ("/groups/members", {"groupId": 1, "userId": 2}),
        ]
        async with aiohttp.ClientSession(headers=root) as http:
            for path, body in seed:
                async with http.post(base + path, json=body) as resp:
                    assert resp.status == 200, (path, await resp.text())
        assert ST is not None
        hooks = tmp_path / "st_hooks.py"
        hooks.write_text(HOOKS)
        report_dir = tmp_path / "st-report"
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
            "--report",
            "ndjson",
            "--report-dir",
            str(report_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            env={**os.environ, "SCHEMATHESIS_HOOKS": str(hooks)},
        )
        out, _ = await proc.communicate()
        report = out.decode(errors="replace")
        (tmp_path / "st-report.txt").write_text(report)
        assert proc.returncode == 0, report[-6000:]
        assert "5xx" not in report or "Server error" not in report
        # schemathesis's own warnings for runs that mostly bounced off authentication or a rate limit.
        assert "Rate limited" not in report and "Authentication failed" not in report, report[-4000:]

        by_operation = statuses_by_operation(report_dir)
        totals: collections.Counter[int] = collections.Counter()
        for counts in by_operation.values():
            totals.update(counts)
        summary = {op: dict(counts) for op, counts in sorted(by_operation.items())}
        (tmp_path / "st-statuses.json").write_text(json.dumps({"totals": totals, "by_operation": summary}, indent=1))
        # schemathesis does not test the document it was given.
        assert set(by_operation) == operations - {"GET /openapi.json"}, operations ^ set(by_operation)
        assert sum(totals.values()) > 20 * len(operations), totals
        # Nothing throttled, nothing refused for the fuzzer's credentials, no server error, no lost connection.
        assert totals[429] == 0 and totals[401] == 0 and totals[0] == 0, totals
        assert not [s for s in totals if s >= 500], totals
        # Every operation reached its handler and succeeded at least once.
        never_ok = sorted(op for op, counts in by_operation.items() if not any(200 <= s < 300 for s in counts))
        assert never_ok == [], (never_ok, {op: summary[op] for op in never_ok})

        # The server survived it all.
        async with aiohttp.ClientSession() as http, http.get(base + "/health") as resp:
            assert resp.status == 200, server.log()[-3000:]
