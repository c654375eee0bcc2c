"""Attacks on the admin API: no credentials, a guest's credentials, cross-site requests, writes outside the
schema, tampered ids and injection, oversized bodies, and what the server tells or leaves lying around."""

from __future__ import annotations

import io
import stat

import aiohttp
import pytest

from hostile_support import OWNER, ROOT, Target, admin

pytestmark = pytest.mark.slow

GUEST = {"Authorization": aiohttp.encode_basic_auth("guest", "guest-pw-hostile")}
WRITES = ("post", "put", "delete")


async def operations(target: Target) -> list[tuple[str, str, str]]:
    status, doc = await admin(target, "GET", "/openapi.json", headers={})
    assert status == 200
    return [(m, path, op["x-permission"]) for path, ops in doc["paths"].items() for m, op in ops.items()]


@pytest.fixture
async def guest(target: Target) -> None:
    """An admin whose role may read everything and write nothing (Turms's demo has such a guest)."""
    status, perms = await admin(target, "GET", "/admins/permissions")
    assert status == 200
    names = [p["name"] if isinstance(p, dict) else p for p in perms["data"]]
    readable = [p for p in names if p.endswith("_QUERY")]
    status, body = await admin(target, "POST", "/admins/roles", {"name": "guest", "permissions": readable, "rank": 1})
    if status == 200:
        status, body = await admin(
            target,
            "POST",
            "/admins",
            {"loginName": "guest", "password": "guest-pw-hostile", "roleIds": [body["data"]["id"]]},
        )
    assert status in (200, 409), body


async def test_every_route_without_credentials_is_refused(target: Target) -> None:
    ops = await operations(target)
    refused = {}
    for method, path, permission in ops:
        if permission == "PUBLIC":
            continue
        status, _ = await admin(target, method.upper(), path, {} if method in WRITES else None, headers={})
        refused[f"{method.upper()} {path}"] = status
    assert len(refused) >= 80
    assert set(refused.values()) == {401}, {k: v for k, v in refused.items() if v != 401}


async def test_a_guest_is_refused_on_every_write_route(target: Target, guest: None) -> None:
    ops = await operations(target)
    refused = {}
    for method, path, permission in ops:
        if method not in WRITES or permission in ("PUBLIC", "AUTHENTICATED") or permission.endswith("_QUERY"):
            continue  # (a POST that only reads, such as testing a text against the antispam words, is a query)
        status, _ = await admin(target, method.upper(), path + "?ids=1", {}, headers=GUEST)
        refused[f"{method.upper()} {path}"] = status
    assert len(refused) >= 40
    assert set(refused.values()) == {403}, {k: v for k, v in refused.items() if v != 403}
    assert (await admin(target, "GET", "/users?ids=1", headers=GUEST))[0] == 200  # it can read


async def test_a_cross_site_form_cannot_use_an_operators_credentials(target: Target) -> None:
    """MEDIUM 5: a text/plain POST with Origin: evil.example and remembered credentials created a user."""
    form = {**ROOT, "Content-Type": "text/plain", "Origin": "http://evil.example"}
    status, body = await admin(target, "POST", "/users", data=b'{"id": 4242, "password": "pw"}', headers=form)
    assert (status, body["code"]) == (403, 1300)
    status, body = await admin(
        target, "POST", "/users", data=b'{"id": 4242, "password": "pw"}', headers={**ROOT, "Content-Type": "text/plain"}
    )
    assert (status, body["code"]) == (415, 1102)
    status, body = await admin(target, "GET", "/users?ids=4242")
    assert body["data"]["total"] == 0


async def test_admin_writes_cannot_store_what_the_domain_cannot_read(target: Target) -> None:
    """MEDIUM 6: role 99 was stored (then every member operation on the group failed with 1200) and a second
    OWNER; ownership now changes only by a transfer."""
    gid = target.group_id
    for role in (99, 0):
        status, body = await admin(target, "POST", "/groups/members", {"groupId": gid, "userId": 6, "role": role})
        assert status == 400, (role, body)
    status, body = await admin(target, "PUT", f"/groups?ids={gid}", {"ownerId": 6})
    assert status == 400, body
    status, body = await admin(target, "GET", f"/groups/members?groupIds={gid}")
    roles = {m["userId"]: m["role"] for m in body["data"]["records"]}
    assert 6 not in roles and [u for u, r in roles.items() if r == 0] == [OWNER]


@pytest.mark.parametrize(
    "query",
    [
        "ids=%207%20",  # " 7 "
        "ids=1_000",
        "ids=%D9%A5",  # an Arabic-Indic five
        "ids=1;DROP%20TABLE%20user",
        "ids=1%27%20OR%20%271%27=%271",
        "ids=99999999999999999999999",
        "size=-1",
    ],
)
async def test_tampered_ids_and_injection_in_parameters_are_refused(target: Target, query: str) -> None:
    status, body = await admin(target, "GET", f"/users?{query}")
    assert (status, body["code"]) == (400, 1102), body


async def test_injection_in_bodies_is_refused_or_inert(target: Target) -> None:
    for body in (
        {"id": 4343, "password": "pw", "$where": "1"},  # unknown properties
        {"id": 4343, "password": {"$ne": None}},  # an operator where a string belongs
        {"id": "4343; DROP TABLE user", "password": "pw"},
    ):
        status, answer = await admin(target, "POST", "/users", body)
        assert status == 400, (body, answer)
    status, answer = await admin(target, "GET", "/admins?loginNames=%27%20OR%201=1%20--")
    assert status == 200 and answer["data"]["total"] == 0  # a literal name that matches nothing


async def test_oversized_bodies_are_refused_before_they_are_read(target: Target) -> None:
    status, body = await admin(
        target,
        "POST",
        "/users",
        data=io.BytesIO(b"{" + b" " * (2 * 1024 * 1024) + b"}"),
        headers={**ROOT, "Content-Type": "application/json"},
    )
    assert status == 413, body


async def test_the_root_admin_cannot_be_changed_through_the_api(target: Target) -> None:
    status, body = await admin(target, "PUT", "/admins?ids=0", {"password": "taken-over"})
    assert status == 403, body
    assert (await admin(target, "GET", "/admins?ids=0"))[0] == 200  # the root's password is unchanged


async def test_what_anyone_learns_or_finds(target: Target) -> None:
    """LOW: /health told anyone the pid and connection counts; the generated root password was in the log; the
    data directory was 0755 and the database 0644."""
    status, body = await admin(target, "GET", "/health", headers={})
    assert status == 200 and body == {"status": "ok", "live": True, "ready": True}
    status, body = await admin(target, "GET", "/health")
    assert {"pid", "connections", "redis", "store"} <= set(body)
    data = target.server.data_dir
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    databases = list(data.glob("*.sqlite3*")) + list(data.glob("*.db*"))
    assert databases and {stat.S_IMODE(p.stat().st_mode) for p in databases} == {0o600}, databases
    assert "root-pw" not in target.server.log()  # the configured root password is never logged either
