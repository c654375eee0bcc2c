"""deploy/mongod-setup.sh and its replica-set script: mongod-initiate.js runs under Node.js with the handful of
mongosh globals it uses (rs, db, sleep, print) played by a scripted replica set, so the paths that need three
VMs are exercised: another member winning the first election, rs.initiate failing, no primary at all, and a
re-run. The shell script itself hides no failure."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from deploy_support import REPO, require_tool

pytestmark = [pytest.mark.timeout(60)]

SCRIPT = REPO / "deploy" / "mongod-initiate.js"
MEMBERS = "10.42.128.11:27017 10.42.144.12:27017 10.42.160.13:27017"

# The stand-in for mongosh: the scenario says what rs.status, rs.initiate and each db.hello() answer; sleep
# advances a fake clock, so the waits' deadlines are reached at once.
HARNESS = r"""
const fs = require("fs");
const scenario = JSON.parse(process.argv[2]);
const calls = [];
let clock = 0;
Date.now = () => clock;
globalThis.sleep = (ms) => { clock += ms; };
globalThis.print = (s) => calls.push(["print", String(s)]);
globalThis.rs = {
  status() {
    calls.push(["status"]);
    const err = scenario.status_error;
    if (err) { const e = new Error(err.message); e.code = err.code; throw e; }
    return { ok: 1 };
  },
  initiate(config) { calls.push(["initiate", config]); return scenario.initiate; },
};
let hellos = 0;
const users = new Set(scenario.users || []);
globalThis.db = {
  hello() { const h = scenario.hellos[Math.min(hellos, scenario.hellos.length - 1)]; hellos += 1; return h; },
  getSiblingDB(name) {
    return {
      getUser(u) { return users.has(u) ? { user: u } : null; },
      createUser(doc) { calls.push(["createUser", doc.user, doc.roles]); users.add(doc.user); },
    };
  },
};
let code = 0;
try {
  new Function(fs.readFileSync(process.argv[3], "utf8"))();
} catch (e) {
  calls.push(["error", String(e.message)]);
  code = 1;
}
process.stdout.write(JSON.stringify({ calls, hellos }));
process.exit(code);
"""

PRIMARY_ELSEWHERE = {"primary": "10.42.144.12:27017", "isWritablePrimary": False}
PRIMARY_HERE = {"primary": "10.42.128.11:27017", "isWritablePrimary": True}
NO_PRIMARY: dict[str, Any] = {"isWritablePrimary": False}


def _run(scenario: dict[str, Any], tmp_path: Path, **env: str) -> tuple[int, dict[str, Any]]:
    node = require_tool("node")
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS)
    environment = {
        "MONGO_REPLICA_SET": "rs0",
        "MONGO_MEMBERS": MEMBERS,
        "MONGO_ADMIN_PASSWORD": "adminadminadmin12345",
        "MONGO_WAIT_S": "30",
        **env,
    }
    proc = subprocess.run(
        [node, str(harness), json.dumps(scenario), str(SCRIPT)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_another_member_wins_the_first_election_then_the_initiator_takes_over(tmp_path: Path) -> None:
    scenario = {
        "status_error": {"code": 94, "message": "no replset config has been received"},
        "initiate": {"ok": 1},
        "hellos": [NO_PRIMARY, NO_PRIMARY, PRIMARY_ELSEWHERE, PRIMARY_ELSEWHERE, PRIMARY_HERE],
    }
    code, out = _run(scenario, tmp_path)
    assert code == 0, out
    (initiate,) = [c for c in out["calls"] if c[0] == "initiate"]
    config = initiate[1]
    assert config["_id"] == "rs0"
    assert [(m["host"], m["priority"]) for m in config["members"]] == [
        ("10.42.128.11:27017", 2),
        ("10.42.144.12:27017", 1),
        ("10.42.160.13:27017", 1),
    ]
    assert ["print", "primary: 10.42.144.12:27017"] in out["calls"]  # a primary, not necessarily this member
    assert ["createUser", "admin", ["root"]] in out["calls"]
    assert out["calls"][-1] == ["print", "created the user admin"]


def test_a_failed_initiate_fails_the_script(tmp_path: Path) -> None:
    scenario = {
        "status_error": {"code": 94, "message": "not yet initialized"},
        "initiate": {"ok": 0, "errmsg": "replSetInitiate quorum check failed", "code": 74},
        "hellos": [NO_PRIMARY],
    }
    code, out = _run(scenario, tmp_path)
    assert code == 1
    assert out["calls"][-1][0] == "error" and "rs.initiate failed" in out["calls"][-1][1]
    assert "quorum check failed" in out["calls"][-1][1]
    assert not [c for c in out["calls"] if c[0] == "createUser"]


def test_no_primary_within_the_wait_fails_with_what_the_set_said(tmp_path: Path) -> None:
    scenario = {"status_error": {"code": 94, "message": "x"}, "initiate": {"ok": 1}, "hellos": [NO_PRIMARY]}
    code, out = _run(scenario, tmp_path, MONGO_WAIT_S="20")
    assert code == 1
    message = out["calls"][-1][1]
    assert "no primary was elected within 20 s" in message and "isWritablePrimary" in message
    assert 20 <= out["hellos"] <= 23  # one hello a second until the deadline: bounded, not endless


def test_an_unexpected_status_error_is_not_taken_for_an_uninitialized_set(tmp_path: Path) -> None:
    scenario = {
        "status_error": {"code": 13, "message": "command replSetGetStatus requires authentication"},
        "initiate": {"ok": 1},
        "hellos": [PRIMARY_HERE],
    }
    code, out = _run(scenario, tmp_path)
    assert code == 1 and "requires authentication" in out["calls"][-1][1]
    assert not [c for c in out["calls"] if c[0] == "initiate"]


def test_a_rerun_initiates_nothing_and_creates_no_user(tmp_path: Path) -> None:
    scenario = {"initiate": {"ok": 1}, "hellos": [PRIMARY_HERE], "users": ["admin"]}
    code, out = _run(scenario, tmp_path)
    assert code == 0, out
    assert [c[0] for c in out["calls"]] == ["status", "print"]


def test_the_setup_script_hides_no_failure() -> None:
    text = (REPO / "deploy" / "mongod-setup.sh").read_text()
    assert "set -euo pipefail" in text
    assert not re.search(r"\|\|\s*true", text), "a failure hidden behind || true"
    assert "mongod-initiate.js" in text
    # No password on a command line (visible in /proc to every user): they go through the environment.
    assert not re.search(r"mongosh[^\n]*(-p |--password|admin:\$)", text)
