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
UNITS = ("turms.service", "turms-redis.service", "turms-mongod.service")


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


#: The tools every Terraform check runs with. OpenTofu is required (scripts/ensure_test_tools.sh builds it);
#: HashiCorp Terraform too whenever it is installed (no package registry here offers it, so a machine may
#: lack it).
def terraform_tools() -> list[str]:
    tools = ["tofu"]
    try:
        require_tool("terraform")
    except AssertionError:
        return tools
    return ["terraform", *tools]
