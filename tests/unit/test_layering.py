"""The folder tree is the architecture: lower layers never import higher ones, the domain never a driver.

Imports are read with :mod:`ast` (no module is executed), including imports inside functions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "turms"

DRIVERS = ("pymongo", "bson", "motor", "sqlite3", "aiosqlite", "redis", "hiredis")

#: package folder -> import prefixes its modules must not use.
RULES: dict[str, tuple[str, ...]] = {
    "service": (*DRIVERS, "turms.storage.sqlite", "turms.storage.mongo", "turms.storage.sqlplan"),
    "protocol": (
        "asyncio",
        "socket",
        "selectors",
        "uvloop",
        "aiohttp",
        *DRIVERS,
        "turms.storage",
        "turms.cluster",
        "turms.transport",
        "turms.gateway",
        "turms.service",
        "turms.worker",
    ),
    # The extension points sit below the layers that call them: the gateway, the services, the admin API.
    "plugins": (
        *DRIVERS,
        "turms.storage",
        "turms.cluster",
        "turms.service",
        "turms.gateway",
        "turms.transport",
        "turms.worker",
        "turms.admin",
        "turms.security",
        "turms.client",
        "turms.supervisor",
        "turms.bench",
        "turms.demo",
        "turms.cli",
    ),
    # The console reads and writes through the admin API's routes only (turms.admin.app.AdminApi.invoke).
    "admin/console": (
        *DRIVERS,
        "turms.storage",
        "turms.cluster",
        "turms.service",
        "turms.gateway",
        "turms.transport",
        "turms.worker",
    ),
    "storage": (
        "redis",
        "turms.cluster",
        "turms.service",
        "turms.gateway",
        "turms.transport",
        "turms.worker",
        "turms.admin",
        "turms.security",
        "turms.client",
        "turms.supervisor",
        "turms.cli",
    ),
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, package: str | None = None) -> Iterator[tuple[int, str]]:
    """(line, imported name) pairs; ``package`` resolves relative imports (default: from ``path``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    if package is None:
        module = _module_name(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def _forbidden(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations(folder: str) -> list[str]:
    root = PACKAGE / folder
    if not root.exists():
        return []
    out = []
    for path in sorted(root.rglob("*.py")):
        for lineno, name in imports_of(path):
            if _forbidden(name, RULES[folder]):
                out.append(f"{path.relative_to(PACKAGE.parent)}:{lineno} imports {name}")
    return out


@pytest.mark.parametrize("folder", sorted(RULES))
def test_layering(folder: str) -> None:
    assert violations(folder) == []


#: In-box plugins use only the public plugin API, as a third-party package would.
IN_BOX_PLUGINS = ("webhook", "livekit")


@pytest.mark.parametrize("plugin", IN_BOX_PLUGINS)
def test_in_box_plugins_use_only_the_public_plugin_api(plugin: str) -> None:
    root = PACKAGE / "plugins" / plugin
    own = f"turms.plugins.{plugin}"
    allowed = ("turms.plugins.api", own)
    out = []
    for path in sorted(root.rglob("*.py")):
        for lineno, name in imports_of(path):
            # _forbidden(name, prefixes): name is one of the prefixes or inside one.
            if name.split(".")[0] == "turms" and not _forbidden(name, allowed):
                out.append(f"{path.relative_to(PACKAGE.parent)}:{lineno} imports {name}")
    assert root.exists() and out == []


def test_the_checker_sees_violations(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlite3\nfrom pymongo import AsyncMongoClient\ndef f():\n    import redis.asyncio\n")
    names = [name for _, name in imports_of(bad, package="x")]
    assert _forbidden("sqlite3", RULES["service"])
    assert "pymongo.AsyncMongoClient" in names and "redis.asyncio" in names


#: The S3 driver and its stubs.
S3_DRIVERS = ("aiobotocore", "botocore", "types_aiobotocore_s3")
BACKENDS = PACKAGE / "service" / "resource" / "backends"


def test_file_backends_hold_the_drivers() -> None:
    """The files domain (turms/service/resource) talks to its backends through the port only: the S3 driver is
    imported nowhere but in backends/, and the domain imports neither the backends nor aiohttp (HTTP serving is
    the local backend's)."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if BACKENDS in path.parents:
            continue
        domain = (PACKAGE / "service" / "resource") in path.parents
        banned = (*S3_DRIVERS, "turms.service.resource.backends.local", "turms.service.resource.backends.s3")
        if domain:
            banned = (*banned, "aiohttp", "turms.service.resource.backends")
        for lineno, name in imports_of(path):
            if _forbidden(name, banned):
                out.append(f"{path.relative_to(PACKAGE.parent)}:{lineno} imports {name}")
    assert out == []


LIVEKIT_SERVER = PACKAGE / "plugins" / "livekit" / "server.py"


def test_livekit_is_imported_by_the_livekit_plugin_s_server_module_only() -> None:
    """LiveKit's SDK enters through one module, which the plugin imports when it starts (the supervisor imports
    the plugin's spec and must not load the SDK)."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == LIVEKIT_SERVER:
            continue
        for lineno, name in imports_of(path):
            if _forbidden(name, ("livekit",)):
                out.append(f"{path.relative_to(PACKAGE.parent)}:{lineno} imports {name}")
    assert LIVEKIT_SERVER.exists() and out == []
