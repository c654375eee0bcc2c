"""Admin API basics in process: auth, X-Request-ID, audit, admins and roles, live settings."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from admin_support import ROOT, admin_env, basic, call


async def test_health_public_and_request_id(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        async with env.client.get("/health", headers={"X-Request-ID": "abc-123"}) as resp:
            assert resp.status == 200
            assert resp.headers["X-Request-ID"] == "abc-123"
            # Liveness is public; the details (pid, connections, probes) are not.
            assert await resp.json() == {"status": "ok", "live": True, "ready": True}
        async with env.client.get("/health", headers=ROOT) as resp:
            body = await resp.json()
            assert body["ready"] and body["redis"] and body["store"] and body["pid"] == os.getpid()
            assert body["connections"] >= 0 and body["problems"] == []
        async with env.client.get("/health", headers=basic("turms", "wrong")) as resp:
            assert resp.status == 401  # credentials, when sent, must be good
        async with env.client.get("/admins") as resp:
            assert resp.status == 401
            assert len(resp.headers["X-Request-ID"]) == 32
            assert "Basic" in resp.headers["WWW-Authenticate"]
        status, body = await call(env, "GET", "/admins")
        assert status == 200 and body["code"] == 1000
        assert [r["loginName"] for r in body["data"]["records"]] == ["turms"]
        assert "password" not in body["data"]["records"][0]


async def test_turms_default_password_does_not_exist(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        status, body = await call(env, "GET", "/admins", headers=basic("turms", "turms"))
        assert status == 401 and body["code"] == 1300


async def test_audit_log_records_writes(tmp_path: Path, redis_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="turms.admin.audit")
    async with admin_env(tmp_path, redis_url) as env:
        status, body = await call(
            env, "POST", "/users", json={"id": 42, "password": "pw"}, headers={**ROOT, "X-Request-ID": "trace-1"}
        )
        assert status == 200, body
        status, _ = await call(env, "DELETE", "/users?ids=42", headers=basic("turms", "nope"))
        assert status == 401
    records = [r for r in caplog.records if r.name == "turms.admin.audit"]
    assert len(records) == 2
    created, refused = records
    assert created.audit_admin == "turms" and created.audit_route == "POST /users"  # type: ignore[attr-defined]
    assert created.audit_targets == ["42"] and created.trace_id == "trace-1"  # type: ignore[attr-defined]
    assert created.audit_status == 200 and created.audit_code == 1000  # type: ignore[attr-defined]
    assert refused.audit_admin is None and refused.audit_status == 401  # type: ignore[attr-defined]
    assert refused.audit_targets == []  # type: ignore[attr-defined]


async def test_live_settings_put_validates_and_applies(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        key = "gateway.session.heartbeat_timeout_s"
        status, body = await call(env, "PUT", "/cluster/settings", json={"gateway.tcp.port": 1})
        assert status == 400 and "not a live setting" in body["reason"]
        status, body = await call(env, "PUT", "/cluster/settings", json={key: -1})
        assert status == 400 and key in body["reason"]
        status, body = await call(env, "PUT", "/cluster/settings", json={"no.such.key": 1})
        assert status == 400 and "unknown setting" in body["reason"]
        status, body = await call(env, "PUT", "/cluster/settings", json={key: 42})
        assert status == 200, body
        assert body["data"]["applied"] == {key: 42.0}
        assert env.deps.settings[key] == 42.0
        status, body = await call(env, "GET", "/cluster/settings?onlyLive=true")
        assert body["data"]["settings"][key] == 42.0 and body["data"]["version"] >= 1
        status, body = await call(env, "GET", "/cluster/settings/metadata")
        assert body["data"][key]["live"] is True and body["data"]["gateway.tcp.port"]["live"] is False
        assert body["data"]["admin.root.password"]["default"] == ""


async def test_failed_logins_are_throttled_on_the_clock(tmp_path: Path, redis_url: str) -> None:
    settings = {"admin.auth.failed_login.burst": "3", "admin.auth.failed_login.refill_s": "10"}
    from turms.observability import metrics

    refusals = metrics.RATE_LIMIT_REFUSALS.labels("admin_login")
    async with admin_env(tmp_path, redis_url, settings) as env:
        for _ in range(3):
            assert (await call(env, "GET", "/admins", headers=basic("turms", "bad")))[0] == 401
        before = refusals._value.get()
        # The bucket is empty: even the right password is refused without being checked.
        status, body = await call(env, "GET", "/admins")
        assert status == 429 and body["code"] == 1304
        assert refusals._value.get() == before + 1
        env.clock.advance(10)
        assert (await call(env, "GET", "/admins"))[0] == 200


async def test_jwt_bearer(tmp_path: Path, redis_url: str) -> None:
    import time

    import jwt

    async with admin_env(tmp_path, redis_url, {"admin.auth.jwt.key": "k" * 32}) as env:
        good = jwt.encode({"sub": "turms", "exp": int(time.time()) + 60}, "k" * 32, algorithm="HS256")
        assert (await call(env, "GET", "/admins", headers={"Authorization": f"Bearer {good}"}))[0] == 200
        expired = jwt.encode({"sub": "turms", "exp": int(time.time()) - 60}, "k" * 32, algorithm="HS256")
        assert (await call(env, "GET", "/admins", headers={"Authorization": f"Bearer {expired}"}))[0] == 401
        none = jwt.encode({"sub": "turms", "exp": int(time.time()) + 60}, None, algorithm="none")
        assert (await call(env, "GET", "/admins", headers={"Authorization": f"Bearer {none}"}))[0] == 401
        other = jwt.encode({"sub": "nobody", "exp": int(time.time()) + 60}, "k" * 32, algorithm="HS256")
        assert (await call(env, "GET", "/admins", headers={"Authorization": f"Bearer {other}"}))[0] == 401


async def test_root_role_and_admin_are_immutable(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        assert (await call(env, "PUT", "/admins/roles?ids=0", json={"name": "x"}))[0] == 403
        assert (await call(env, "DELETE", "/admins/roles?ids=0"))[0] == 403
        assert (await call(env, "DELETE", "/admins?ids=0"))[0] == 403
        _, body = await call(env, "GET", "/admins/roles")
        assert body["data"]["records"][0]["name"] == "ROOT" and body["data"]["total"] == 1
        # Not even by itself (issue 22; docs/admin-api.md): its password is configuration.
        status, body = await call(env, "PUT", "/admins?ids=0", json={"password": "new-root-pw"})
        assert status == 403 and "admin.root.password_file" in body["reason"]
        status, body = await call(env, "PUT", "/admins?ids=0", json={"name": "renamed"})
        assert status == 403
        assert (await call(env, "GET", "/admins"))[0] == 200  # the configured password still works


@pytest.mark.parametrize("ids", ["%207%20", "1_000", "%D9%A5", "+7", "0x10", "7.0", "99999999999999999999"])
async def test_ids_in_query_strings_are_ascii_decimal_only(tmp_path: Path, redis_url: str, ids: str) -> None:
    """Issue 22: ``int()`` took " 7 ", "1_000" and an Arabic-Indic five as ids."""
    async with admin_env(tmp_path, redis_url) as env:
        status, body = await call(env, "GET", f"/admins?ids={ids}")
        assert (status, body["code"]) == (400, 1102), body
        status, _ = await call(env, "GET", "/admins?ids=-7,0")
        assert status == 200


async def test_cross_site_requests_are_refused_before_credentials_are_used(tmp_path: Path, redis_url: str) -> None:
    """Issue 22: a ``text/plain`` POST with ``Origin: evil.example`` and remembered credentials created a user."""
    settings = {"admin.http.allowed_origins": "https://console.example"}
    async with admin_env(tmp_path, redis_url, settings) as env:
        form = {**ROOT, "Content-Type": "text/plain"}
        status, body = await call(env, "POST", "/users", headers=form, data=b'{"id": 77, "password": "pw"}')
        assert (status, body["code"]) == (415, 1102)
        evil = {**ROOT, "Origin": "https://evil.example"}
        status, body = await call(env, "POST", "/users", headers=evil, json={"id": 77, "password": "pw"})
        assert (status, body["code"]) == (403, 1300)
        status, _ = await call(env, "GET", "/admins", headers=evil)  # reads too: a foreign page gets nothing
        assert status == 403
        assert await env.deps.store.find_one("user", {"_id": 77}) is None
        # The configured console, and tools that send no Origin, are served.
        console = {**ROOT, "Origin": "HTTPS://console.example/"}
        status, _ = await call(env, "POST", "/users", headers=console, json={"id": 77, "password": "pw"})
        assert status == 200
        status, _ = await call(env, "POST", "/users", json={"id": 78, "password": "pw"})
        assert status == 200


async def test_a_foreign_origin_costs_no_password_check(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url, {"admin.auth.failed_login.burst": "1"}) as env:
        evil = {**basic("turms", "guess"), "Origin": "null"}
        for _ in range(3):
            status, _ = await call(env, "GET", "/admins", headers=evil)
            assert status == 403  # refused before authentication: no failed login counted
        status, _ = await call(env, "GET", "/admins")
        assert status == 200
