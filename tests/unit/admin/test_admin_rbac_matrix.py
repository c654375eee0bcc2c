"""The RBAC matrix: every declared route by {no auth, wrong password, role without its permission, role with it,
lower rank managing higher}, enumerated from the route table, so a new route is covered (or fails) by itself."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from turms.admin.permissions import AUTHENTICATED, PUBLIC, AdminPermission, Open
from turms.admin.routes import Route
from turms.security.passwords import hash_password

from admin_support import AdminEnv, admin_env, basic, call

# /metrics is public like /health: Prometheus scrapes it, and the admin port is loopback-only by default.
PUBLIC_ROUTES = {("GET", "/health"), ("GET", "/openapi.json"), ("GET", "/metrics")}
AUTHENTICATED_ROUTES = {("HEAD", "/admins")}
PROBE = basic("probe", "probe-pw")
PROBE_ROLE, PROBE_RANK = 7001, 100
HIGH_ROLE, LOW_ROLE = 7002, 7003
HIGH_ADMIN = 7100
#: Users and a group the group routes act on: OWNER owns GROUP, MEMBER belongs to it, JOINER and BLOCKED do not.
OWNER, MEMBER, JOINER, BLOCKED = 7200, 7201, 7202, 7203
GROUP = 7300
_unique = itertools.count(1_000_000)


def example(schema: dict[str, Any]) -> Any:
    """A small valid instance of ``schema`` (unique integers, so creations do not collide)."""
    if "enum" in schema:
        return schema["enum"][0]
    if "examples" in schema:
        return schema["examples"][0]
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object":
        props = schema.get("properties", {})
        names = list(schema.get("required", []))
        if len(names) < schema.get("minProperties", 0):
            names += [n for n in props if n not in names][: schema["minProperties"] - len(names)]
        return {n: example(props[n]) for n in names}
    if kind == "array":
        return [example(schema.get("items", {"type": "integer"})) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return max(schema.get("minimum", 1), min(next(_unique), schema.get("maximum", 2**62)))
    if kind == "boolean":
        return True
    if kind == "string" and schema.get("format") == "date-time":
        return "2026-01-01T00:00:00Z"
    if kind == "string":
        return "x" * max(1, schema.get("minLength", 1))
    return 1


def request_for(route: Route, permission: AdminPermission) -> tuple[str, dict[str, Any] | None]:
    """A valid request for ``route`` that a caller holding only ``permission`` (rank 100) may make."""
    query = []
    for p in route.params:
        if p.required or (route.method in ("PUT", "DELETE") and p.type == "int[]"):
            query.append(f"{p.name}={p.enum[0] if p.enum else 999_999_999}")
        elif route.method == "DELETE" and route.path == "/blocked-clients/ips" and p.name == "ids":
            query.append("ids=192.0.2.1")
        elif (route.method, route.path, p.name) == ("GET", "/conversations/messages", "groupId"):
            query.append("groupId=999999999")  # one of userIds or groupId is needed
    body = example(route.body) if route.body is not None else None
    if (route.method, route.path) == ("POST", "/admins"):
        body = {"loginName": f"a{next(_unique)}", "password": "pw", "roleIds": [LOW_ROLE]}
    if (route.method, route.path) == ("POST", "/admins/roles"):
        body = {"name": "r", "permissions": [permission.value], "rank": 1}
    if (route.method, route.path) == ("PUT", "/admins/roles"):
        body = {"name": "renamed"}
    # Group writes name users and groups that exist, and ownership moves only to a member (fixture records).
    if (route.method, route.path) == ("POST", "/groups"):
        body = {"ownerId": OWNER}
    if (route.method, route.path) == ("PUT", "/groups"):
        body = {"name": "renamed"}
    if (route.method, route.path) in (("POST", "/groups/members"), ("POST", "/groups/blocked-users")):
        body = {"groupId": GROUP, "userId": JOINER if route.path.endswith("members") else BLOCKED}
    if (route.method, route.path) == ("PUT", "/groups/owner"):
        query, body = [f"ids={GROUP}"], {"successorId": MEMBER}
    return route.path + ("?" + "&".join(query) if query else ""), body


async def set_probe_permissions(env: AdminEnv, permissions: set[AdminPermission]) -> None:
    await env.deps.store.update_one(
        "adminRole", {"_id": PROBE_ROLE}, {"$set": {"perm": sorted(p.value for p in permissions)}}
    )


@pytest.fixture
async def env(tmp_path: Path, redis_url: str) -> Any:
    # POST /users/registrations answers only where registration is turned on (off by default).
    async with admin_env(tmp_path, redis_url, {"service.user.registration.enabled": "true"}) as e:
        store, now = e.deps.store, e.clock.now()
        await store.insert_many(
            "adminRole",
            [
                {"_id": PROBE_ROLE, "n": "probe", "perm": [], "rank": PROBE_RANK, "cd": now},
                {"_id": HIGH_ROLE, "n": "high", "perm": [], "rank": 200, "cd": now},
                {"_id": LOW_ROLE, "n": "low", "perm": [], "rank": 5, "cd": now},
            ],
        )
        await store.insert_many("user", [{"_id": u, "n": f"u{u}", "rd": now} for u in (OWNER, MEMBER, JOINER, BLOCKED)])
        await store.insert_one("group", {"_id": GROUP, "tid": 0, "oid": OWNER, "n": "g", "cd": now})
        await store.insert_many(
            "groupMember",
            [
                {"_id": {"gid": GROUP, "uid": OWNER}, "role": 0, "jd": now},
                {"_id": {"gid": GROUP, "uid": MEMBER}, "role": 2, "jd": now},
            ],
        )
        pw = hash_password("probe-pw").encode()
        await store.insert_many(
            "admin",
            [
                {"_id": 7000, "ln": "probe", "pw": pw, "n": "probe", "rid": [PROBE_ROLE], "rd": now},
                {"_id": HIGH_ADMIN, "ln": "high", "pw": pw, "n": "high", "rid": [HIGH_ROLE], "rd": now},
            ],
        )
        yield e


def test_every_route_declares_an_access_level_and_a_missing_one_fails() -> None:
    with pytest.raises(TypeError):
        Route("GET", "/x", None, "no access declared", lambda c: None, "t")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Route("GET", "/x", "USER_QUERY", "a string is not a permission", lambda c: None, "t")  # type: ignore[arg-type]


async def test_router_serves_exactly_the_declared_routes(env: AdminEnv) -> None:
    declared = {(r.method, r.path) for r in env.api.table}
    app = env.api.app()
    served = {(r.method, r.resource.canonical) for r in app.router.routes() if r.resource is not None}
    # The console's pages (/console/...) are not API routes: each of them calls these routes (tests/unit/admin/
    # test_console.py).
    assert {s for s in served if not s[1].startswith("/console")} == declared
    for route in env.api.table:
        assert isinstance(route.access, (AdminPermission, Open))
        key = (route.method, route.path)
        if route.access is PUBLIC:
            assert key in PUBLIC_ROUTES, f"{key} is public but not on the reviewed list"
        if route.access is AUTHENTICATED:
            assert key in AUTHENTICATED_ROUTES, f"{key} needs no permission but is not on the reviewed list"


async def test_matrix(env: AdminEnv) -> None:
    results: dict[str, dict[str, int]] = {}
    for route in env.api.table:
        if isinstance(route.access, Open):
            continue
        permission = route.access
        url, body = request_for(route, permission)
        kw = {"json": body} if body is not None else {}
        row: dict[str, int] = {}
        row["no auth"], _ = await call(env, route.method, url, headers={}, **kw)
        row["wrong password"], _ = await call(env, route.method, url, headers=basic("probe", "wrong"), **kw)
        await set_probe_permissions(env, set(AdminPermission) - {permission})
        row["without permission"], _ = await call(env, route.method, url, headers=PROBE, **kw)
        await set_probe_permissions(env, {permission})
        url, body = request_for(route, permission)
        kw = {"json": body} if body is not None else {}
        row["with permission"], reply = await call(env, route.method, url, headers=PROBE, **kw)
        assert row["with permission"] == 200, (route.method, route.path, reply)
        results[f"{route.method} {route.path}"] = row
    for name, row in results.items():
        assert row["no auth"] == 401, name
        assert row["wrong password"] == 401, name
        assert row["without permission"] == 403, name
    assert len(results) >= 50


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/admins", {"loginName": "escalate", "password": "pw", "roleIds": [HIGH_ROLE]}),
        ("POST", "/admins", {"loginName": "peer", "password": "pw", "roleIds": [PROBE_ROLE]}),
        ("PUT", f"/admins?ids={HIGH_ADMIN}", {"name": "pwned"}),
        ("DELETE", f"/admins?ids={HIGH_ADMIN}", None),
        ("PUT", "/admins?ids=7000", {"roleIds": [LOW_ROLE]}),  # one's own roles
        ("POST", "/admins/roles", {"name": "big", "permissions": ["USER_QUERY"], "rank": 150}),
        ("PUT", f"/admins/roles?ids={HIGH_ROLE}", {"name": "x"}),
        ("PUT", f"/admins/roles?ids={PROBE_ROLE}", {"permissions": ["SHUTDOWN"]}),  # one's own role
        ("DELETE", f"/admins/roles?ids={HIGH_ROLE}", None),
        ("POST", "/admins/roles", {"name": "wide", "permissions": ["SHUTDOWN"], "rank": 1}),  # not held
    ],
)
async def test_lower_rank_cannot_manage_higher(env: AdminEnv, method: str, url: str, body: Any) -> None:
    admin_perms = {p for p in AdminPermission if p.value.startswith("ADMIN_")} | {AdminPermission.USER_QUERY}
    await set_probe_permissions(env, admin_perms)
    status, reply = await call(env, method, url, headers=PROBE, **({"json": body} if body is not None else {}))
    assert status == 403, reply
    assert reply["code"] == 1300
    # Nothing changed.
    high = await env.deps.store.find_one("admin", {"_id": HIGH_ADMIN})
    assert high is not None and high["n"] == "high"
    assert await env.deps.store.find_one("admin", {"ln": "escalate"}) is None


async def test_higher_rank_manages_lower(env: AdminEnv) -> None:
    await set_probe_permissions(env, {p for p in AdminPermission if p.value.startswith("ADMIN_")})
    status, reply = await call(
        env, "POST", "/admins", headers=PROBE, json={"loginName": "junior", "password": "pw", "roleIds": [LOW_ROLE]}
    )
    assert status == 200, reply
    junior = reply["data"]["id"]
    assert (await call(env, "PUT", f"/admins?ids={junior}", headers=PROBE, json={"name": "j"}))[0] == 200
    assert (await call(env, "GET", "/admins?loginNames=junior", headers=basic("junior", "pw")))[0] == 403
    assert (await call(env, "HEAD", "/admins", headers=basic("junior", "pw")))[0] == 200
    status, reply = await call(env, "DELETE", f"/admins?ids={junior}", headers=PROBE)
    assert status == 200 and reply["data"]["deletedCount"] == 1
    assert (await call(env, "HEAD", "/admins", headers=basic("junior", "pw")))[0] == 401
