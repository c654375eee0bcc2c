"""Helpers for the deployment tests: the repository's paths, the external tools they need, and small parsers
for systemd's unit and environment-file syntax.

The tools come from scripts/ensure_test_tools.sh; a missing one fails the test that needs it (never a skip),
so a CI machine without them cannot pass silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SYSTEMD_DIR = REPO / "systemd"
TERRAFORM_DIR = REPO / "terraform"
UNITS = ("turms.service", "turms-redis.service", "turms-mongod.service", "turms-credentials.service")


def require_tool(name: str, *alternatives: str) -> str:
    """The path of the first of ``name, *alternatives`` on PATH (or built into the tool cache by
    scripts/ensure_test_tools.sh); fail if there is none."""
    cache = Path(
        os.environ.get("TURMS_TOOL_CACHE")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "turms-server"
    )
    for candidate in (name, *alternatives):
        found = shutil.which(candidate) or next(
            (str(p) for p in sorted(cache.glob(f"{candidate}-*/{candidate}")) if os.access(p, os.X_OK)), None
        )
        if found:
            return found
    raise AssertionError(f"{name} is not installed: run scripts/ensure_test_tools.sh")


def terraform_tools() -> list[str]:
    """The tools every Terraform check runs with. OpenTofu is required (scripts/ensure_test_tools.sh builds
    it); HashiCorp Terraform too whenever it is installed (no package registry here offers it, so a machine
    may lack it)."""
    try:
        require_tool("terraform")
    except AssertionError:
        return ["tofu"]
    return ["terraform", "tofu"]


def terraform_env(tmp: Path) -> dict[str, str]:
    """An environment that keeps terraform offline and quiet: no version check, no user CLI config."""
    rc = tmp / "terraformrc"
    rc.write_text("")
    return {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(rc),
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "NO_COLOR": "1",
    }


def run(args: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=90, check=False)
    assert proc.returncode == 0, f"{args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def parse_unit(text: str) -> list[tuple[str, str, str]]:
    """(section, key, value) of every assignment in a unit file, in order (keys may repeat)."""
    out: list[tuple[str, str, str]] = []
    section = ""
    pending = ""
    for raw in text.splitlines():
        line = pending + raw.strip() if pending else raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        out.append((section, key.strip(), value.strip()))
    return out


def unit_values(text: str, section: str, key: str) -> list[str]:
    return [v for s, k, v in parse_unit(text) if s == section and k == key]


def parse_env_file(text: str) -> dict[str, str]:
    """systemd's EnvironmentFile= syntax, for the subset the Terraform module writes: KEY="value" lines where
    a backslash escapes the next character inside double quotes, and nothing is expanded."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(("#", ";")):
            continue
        key, _, value = line.partition("=")
        if value.startswith('"'):
            assert value.endswith('"') and len(value) >= 2, f"unterminated quotes in {line!r}"
            body, chars, i = value[1:-1], [], 0
            while i < len(body):
                if body[i] == "\\" and i + 1 < len(body):
                    chars.append(body[i + 1])
                    i += 2
                else:
                    assert body[i] not in '"`$', f"unescaped {body[i]!r} in {line!r}"
                    chars.append(body[i])
                    i += 1
            value = "".join(chars)
        out[key.strip()] = value
    return out
