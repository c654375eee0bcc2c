"""The admin console in process (aiohttp test client, real SQLite and Redis): sessions, cookies, CSRF, the
login throttle, security headers, and that its pages act only through the admin API's routes and permissions.
Flows in a real browser are in tests/browser/."""

from __future__ import annotations

import hashlib
import re
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from turms.admin.console import security
from turms.admin.console.app import TEMPLATES
from turms.admin.sessions import ConsoleSessions
from turms.security.passwords import hash_password
from turms.settings import admin as admin_settings

from admin_support import ROOT_PASSWORD, AdminEnv, admin_env, call

VIEWER_ROLE = 8001


async def login(env: AdminEnv, name: str = "turms", password: str = ROOT_PASSWORD, **headers: str) -> Any:
    return await env.client.post(
        "/console/login", data={"login": name, "password": password}, allow_redirects=False, headers=headers
    )


async def page(env: AdminEnv, path: str) -> tuple[int, str]:
    async with env.client.get(path, allow_redirects=False) as resp:
        return resp.status, await resp.text()


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


async def add_viewer(env: AdminEnv, permissions: list[str], name: str = "viewer") -> None:
    store, now = env.deps.store, env.clock.now()
    await store.insert_one("adminRole", {"_id": VIEWER_ROLE, "n": "viewer", "perm": permissions, "rank": 1, "cd": now})
    pw = hash_password("viewer-pw").encode()
    await store.insert_one("admin", {"_id": 8100, "ln": name, "pw": pw, "n": name, "rid": [VIEWER_ROLE], "rd": now})


def test_templates_have_no_inline_script_style_or_handler() -> None:
    """The Content-Security-Policy allows neither; a template that had one would break in the browser."""
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template.name
        assert "<style" not in text and not re.search(r"\sstyle=", text), template.name
        assert not re.search(r"\son[a-z]+=", text), template.name
        assert "http://" not in text and "https://" not in text, f"{template.name}: nothing from elsewhere"


async def test_pages_need_a_session_and_every_response_carries_the_security_headers(
    tmp_path: Path, redis_url: str
) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        async with env.client.get("/console/users/7", allow_redirects=False) as resp:
            assert resp.status == 303 and resp.headers["Location"] == "/console/login?next=/console/users/7"
            assert resp.headers["Content-Security-Policy"] == security.CSP
        async with env.client.get("/console/dashboard/metrics.json", allow_redirects=False) as resp:
            assert resp.status == 401 and resp.headers["HX-Redirect"] == "/console/login"
        async with env.client.post("/console/users", data={"id": "5"}, allow_redirects=False) as resp:
            assert resp.status == 401
        async with env.client.get("/console/static/htmx.min.js") as resp:
            assert resp.status == 200 and "javascript" in resp.headers["Content-Type"]
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
            assert resp.headers["Content-Security-Policy"] == security.CSP
        async with env.client.get("/console/no-such-page") as resp:
            assert resp.status == 404 and "text/html" in resp.headers["Content-Type"]
            assert resp.headers["X-Frame-Options"] == "DENY"
        # The API's own responses are not the console's business.
        async with env.client.get("/health") as resp:
            assert "Content-Security-Policy" not in resp.headers
        # Every console page of the router answers a browser without a session with the login, or 401.
        console = [r for r in env.api.app().router.routes() if r.resource and "/console" in r.resource.canonical]
        assert len(console) >= 25
        status, _ = await page(env, "/console/users")
        assert status == 303


async def test_login_sets_a_strict_session_cookie_and_logout_ends_the_session(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        async with await login(env) as resp:
            assert resp.status == 303 and resp.headers["Location"] == "/console/dashboard"
            cookie = SimpleCookie(resp.headers["Set-Cookie"])[security.COOKIE]
            token = cookie.value
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/console/"
        assert not cookie["secure"]  # plain HTTP here; see the next test
        status, html = await page(env, "/console/dashboard")
        assert status == 200 and 'id="admin-name"' in html and ">turms<" in html
        async with env.client.post("/console/logout", data={"csrf": csrf_of(html)}, allow_redirects=False) as resp:
            assert resp.status == 303 and resp.headers["Location"] == "/console/login"
        # The old cookie is worth nothing once logged out.
        headers = {"Cookie": f"{security.COOKIE}={token}"}
        async with env.client.get("/console/dashboard", headers=headers, allow_redirects=False) as resp:
            assert resp.status == 303 and resp.headers["Location"].startswith("/console/login")
        # An open redirect through ?next= is not possible.
        async with env.client.post(
            "/console/login?next=//evil.example/x",
            data={"login": "turms", "password": ROOT_PASSWORD},
            allow_redirects=False,
        ) as resp:
            assert resp.headers["Location"] == "/console/dashboard"


async def test_the_cookie_is_secure_when_configured_so(tmp_path: Path, redis_url: str) -> None:
    settings = {"admin.console.secure_cookie": "always"}
    async with admin_env(tmp_path, redis_url, settings) as env, await login(env) as resp:
        assert SimpleCookie(resp.headers["Set-Cookie"])[security.COOKIE]["secure"]


async def test_failed_console_logins_are_throttled_with_the_api(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url, {"admin.auth.failed_login.burst": "2"}) as env:
        for _ in range(2):
            async with await login(env, password="wrong") as resp:
                assert resp.status == 401 and "wrong login name or password" in await resp.text()
                assert "WWW-Authenticate" not in resp.headers
        async with await login(env) as resp:
            # Throttled before the password is even checked: the right one too.
            assert resp.status == 429 and int(resp.headers["Retry-After"]) >= 1
            assert "too many failed logins" in await resp.text()
        # One throttle for both doors: the API refuses this login name now as well.
        status, _ = await call(env, "GET", "/admins")
        assert status == 429
        env.clock.advance(30)
        async with await login(env) as resp:
            assert resp.status == 303


async def test_state_changes_need_the_session_csrf_token_and_the_same_origin(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        async with await login(env, Origin="http://evil.example") as resp:
            assert resp.status == 403  # login CSRF
        async with await login(env, **{"Sec-Fetch-Site": "cross-site"}) as resp:
            assert resp.status == 403
        (await login(env)).close()
        _, html = await page(env, "/console/users")
        token = csrf_of(html)
        form = {"id": "4242", "password": "pw", "name": "alice"}
        for data, headers in (
            (form, {}),
            ({**form, "csrf": "forged"}, {}),
            ({**form, "csrf": token}, {"Origin": "http://evil.example"}),
            ({**form, "csrf": token}, {"Sec-Fetch-Site": "same-site"}),
        ):
            async with env.client.post("/console/users", data=data, headers=headers, allow_redirects=False) as resp:
                assert resp.status == 403, (data, headers)
        status, body = await call(env, "GET", "/users?ids=4242")
        assert body["data"]["total"] == 0
        same = {"Origin": f"http://{env.client.host}:{env.client.port}", "Sec-Fetch-Site": "same-origin"}
        async with env.client.post(
            "/console/users", data={**form, "csrf": token}, headers=same, allow_redirects=False
        ) as resp:
            assert resp.status == 303 and resp.headers["Location"] == "/console/users/4242"
        status, html = await page(env, "/console/users/4242")
        assert "User 4242 created." in html and "alice" in html
        # The console's write is the API's: audited under the admin's name, in the log and the store.
        status, body = await call(env, "GET", "/admins/action-logs?loginNames=turms&routes=/users")
        assert status == 200
        assert [(r["method"], r["targets"], r["httpStatus"]) for r in body["data"]["records"]] == [
            ("POST", ["4242"], 200)
        ]


async def test_a_role_without_a_permission_gets_disabled_buttons_and_a_refusal(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        await add_viewer(env, ["USER_QUERY", "USER_ONLINE_INFO_QUERY", "CLIENT_BLOCKLIST_QUERY"])
        assert (await call(env, "POST", "/users", json={"id": 77, "password": "pw"}))[0] == 200
        (await login(env, "viewer", "viewer-pw")).close()
        status, html = await page(env, "/console/users/77")
        assert status == 200
        token = csrf_of(html)
        kick = re.search(r'<button[^>]*id="kick"[^>]*>', html)
        assert kick and "disabled" in kick.group(0) and "USER_ONLINE_INFO_UPDATE" in kick.group(0)
        assert re.search(r'<button[^>]*id="block"[^>]*disabled', html)
        # Pages it may not read say so instead of failing.
        status, html = await page(env, "/console/settings")
        assert status == 200 and "the permission CLUSTER_SETTING_QUERY is required" in html
        status, html = await page(env, "/console/dashboard/status")
        assert status == 200 and "USER_ONLINE_INFO_QUERY" not in html  # it may read the online count
        async with env.client.post("/console/users/77/kick", data={"csrf": token}) as resp:
            assert resp.status == 403 and "the permission USER_ONLINE_INFO_UPDATE is required" in await resp.text()
        status, body = await call(env, "GET", "/admins/action-logs?loginNames=viewer")
        assert [(r["route"], r["httpStatus"]) for r in body["data"]["records"]] == [("/sessions", 403)]


async def test_sessions_end_at_their_maximum_age_and_on_a_password_change(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url, {"admin.console.session_idle_timeout_s": "120"}) as env:
        await add_viewer(env, ["USER_QUERY"])
        (await login(env, "viewer", "viewer-pw")).close()
        assert (await page(env, "/console/users"))[0] == 200
        # The idle timeout is the key's TTL, renewed by each request.
        redis = env.deps.bus.redis
        keys = [k async for k in redis.scan_iter(match=env.deps.bus.keys.console_session("*"))]
        assert len(keys) == 1 and 110_000 < await redis.pttl(keys[0]) <= 120_000
        # A password change (here straight in the store) ends the admin's sessions.
        await env.deps.store.update_one("admin", {"_id": 8100}, {"$set": {"pw": hash_password("new-pw").encode()}})
        status, _ = await page(env, "/console/users")
        assert status == 303
        assert [k async for k in redis.scan_iter(match=env.deps.bus.keys.console_session("*"))] == []
        # However active, a session ends at its maximum age (12 h by default), on the injected clock.
        (await login(env, "viewer", "new-pw")).close()
        assert (await page(env, "/console/users"))[0] == 200
        env.clock.advance(12 * 3600 + 1)
        assert (await page(env, "/console/users"))[0] == 303


async def test_flash_messages_are_kept_for_the_next_page_only(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        sessions = ConsoleSessions(env.deps.bus.redis, env.deps.bus.keys, env.deps.settings, env.clock)
        session = await sessions.create(0, "turms", "fp")
        for i in range(15):
            await sessions.flash(session.token, "ok", f"message {i}")
        taken = await sessions.take_flashes(session.token)
        assert [t for _, t in taken] == [f"message {i}" for i in range(5, 15)]
        assert await sessions.take_flashes(session.token) == []
        await sessions.delete(session.token)
        assert await sessions.get(session.token) is None
        # A flash for a session that just ended leaves no key without a TTL, and no session.
        await sessions.flash(session.token, "ok", "too late")
        key = env.deps.bus.keys.console_session(hashlib.sha256(session.token.encode()).hexdigest())
        assert await env.deps.bus.redis.pttl(key) > 0
        assert await sessions.get(session.token) is None
        assert await env.deps.bus.redis.exists(key) == 0


async def test_the_settings_page_shows_what_differs_and_edits_through_the_registry(
    tmp_path: Path, redis_url: str
) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        (await login(env)).close()
        _, html = await page(env, "/console/settings?q=default_page_size")
        token = csrf_of(html)
        form = {"csrf": token, "key": "admin.api.default_page_size", "value": "0"}
        async with env.client.post("/console/settings", data=form, allow_redirects=False) as resp:
            assert resp.status == 400 and "must be between 1 and 1000" in await resp.text()
        async with env.client.post("/console/settings", data={**form, "value": "25"}, allow_redirects=False) as resp:
            assert resp.status == 303
        assert env.deps.settings.get(admin_settings.DEFAULT_PAGE_SIZE) == 25
        _, html = await page(env, "/console/settings?show=changed")
        assert 'id="setting-admin-api-default_page_size" class="changed"' in html and "(cluster)" in html
        async with env.client.post(
            "/console/settings", data={**form, "key": "gateway.tcp.port", "value": "1"}, allow_redirects=False
        ) as resp:
            assert resp.status == 400 and "not a live setting" in await resp.text()
        assert env.deps.settings.get(admin_settings.DEFAULT_PAGE_SIZE) == 25


async def test_malformed_input_is_answered_400_or_404_never_500(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        (await login(env)).close()
        for path, status in (
            ("/console/users?page=--5", 400),
            ("/console/users?ids=1,x", 400),
            ("/console/users?ids=" + ",".join(["1"] * 101), 400),
            ("/console/audit?since=yesterday", 400),
            ("/console/users/12345678901234567890", 404),
            ("/console/users/-1", 404),
            ("/console/groups/abc", 404),
            ("/console/users/999", 200),  # no such user: said on the page
        ):
            got, html = await page(env, path)
            assert got == status, (path, got, html[:500])
        _, html = await page(env, "/console/users/999")
        assert "There is no user 999" in html


async def test_plugins_are_listed_and_enabled_through_the_api(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        (await login(env)).close()
        status, html = await page(env, "/console/dashboard")
        assert '<a href="/console/plugins"' in html  # the API has /plugins: so has the console
        status, html = await page(env, "/console/plugins")
        assert status == 200 and 'id="plugin-webhook"' in html, html[:3000]
        async with env.client.post(
            "/console/plugins",
            data={"csrf": csrf_of(html), "name": "webhook", "enabled": "true"},
            allow_redirects=False,
        ) as resp:
            assert resp.status == 303
        status, body = await call(env, "GET", "/plugins?ids=webhook")
        assert body["data"][0]["enabled"] is True, body
        async with env.client.post(
            "/console/plugins", data={"csrf": csrf_of(html), "name": "nosuch", "enabled": "true"}, allow_redirects=False
        ) as resp:
            assert resp.status == 400
        await add_viewer(env, ["PLUGIN_QUERY"])
        (await login(env, "viewer", "viewer-pw")).close()
        _, html = await page(env, "/console/plugins")
        assert re.search(r'<button[^>]*disabled title="Needs the permission PLUGIN_UPDATE"', html)
