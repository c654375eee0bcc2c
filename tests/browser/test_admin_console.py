"""The admin console in a real browser (headless Chromium) against ``turms serve --demo`` with two workers.

One server and one browser for the module; the tests run in order, as an operator would: the root admin logs
in (its password read from the data directory, as the banner says), sees the SDK sessions online on the
dashboard, kicks one of them, edits a live setting that every worker then applies; the demo's guest admin
(read and create only) sees the same pages with those buttons disabled, and a forged request is refused.
Every page is screenshotted (the test's directory, and ``$TURMS_CONSOLE_SCREENSHOTS`` when set).
"""

from __future__ import annotations

import asyncio
import base64
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

from turms.client import TurmsClient
from turms.client.message import MessageService

from browser_support import Browser, start_chromium
from integration_support import Server, serving

pytestmark = pytest.mark.slow
BROWSER_DEVICE = 1
SETTING = "admin.api.default_page_size"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # The in-box webhook plugin can start (it is enabled from the console below); nothing listens at its URL and
    # it stays enabled only a moment.
    webhook = {"plugins.webhook.url": "http://127.0.0.1:9/hook", "plugins.webhook.secret": "s" * 32}
    srv = Server(tmp_path_factory.mktemp("console"), workers=2, settings=webhook, extra_args=("--demo",))
    with serving(srv, within=60):
        yield srv


@pytest.fixture(scope="module")
def browser(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    driver, profile = start_chromium()
    b = Browser(driver, profile, f"http://127.0.0.1:{server.admin_port}", tmp_path_factory.mktemp("screenshots"))
    try:
        yield b
    finally:
        b.quit()


def root_password(server: Server) -> str:
    return (server.data_dir / "admin-root-password").read_text().strip()


async def api(server: Server, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    token = base64.b64encode(f"turms:{root_password(server)}".encode()).decode()
    async with (
        aiohttp.ClientSession() as http,
        http.request(
            method,
            f"http://127.0.0.1:{server.admin_port}{path}",
            json=body,
            headers={"Authorization": f"Basic {token}"},
        ) as resp,
    ):
        return resp.status, await resp.json(content_type=None)


async def sdk_login(server: Server, user_id: int) -> TurmsClient:
    client = TurmsClient(url=f"ws://127.0.0.1:{server.ws_port}", request_timeout_s=10)
    await client.connect()
    await client.login(user_id, "123", device_type=BROWSER_DEVICE)
    return client


@pytest.fixture
async def online(server: Server) -> AsyncIterator[dict[int, TurmsClient]]:
    """Users 1 and 2 of the demo, logged in through the SDK."""
    clients = {uid: await sdk_login(server, uid) for uid in (1, 2)}
    try:
        yield clients
    finally:
        for client in clients.values():
            await client.close()


async def test_root_logs_in_and_the_dashboard_counts_the_sdk_sessions(
    server: Server, browser: Browser, online: dict[int, TurmsClient]
) -> None:
    await browser.log_in("turms", root_password(server))
    assert await browser.text("#admin-name") == "turms"
    # Traffic for the charts: user 1 writes to user 2 while the dashboard samples the host's metrics. For the
    # documentation's screenshot (TURMS_CONSOLE_SCREENSHOTS) the charts get a longer history.
    points = 12 if browser.extra_shots is not None else 2
    sender = MessageService(online[1], 1)
    stop = asyncio.Event()

    async def traffic() -> None:
        i = 0
        while not stop.is_set():
            await sender.send_private(2, f"dashboard message {i}")
            i += 1
            await asyncio.sleep(0.1 + (i % 7) / 20)

    writer = asyncio.create_task(traffic())
    try:
        await browser.open("/console/dashboard")
        await browser.wait_for(
            lambda: (
                browser.driver.find_element("id", "online-users").text == "2"
                if browser.driver.find_elements("id", "online-users")
                else False
            ),
            "the dashboard shows the 2 SDK users online",
        )
        assert await browser.text("#online-sessions") == "2"
        # Per worker: the sessions of the two workers add up to the two SDK sessions.
        rows = await browser.js(
            "return [...document.querySelectorAll('#workers tbody tr')].map(r => [...r.cells].map(c => c.textContent))"
        )
        assert len(rows) == 2 and sum(int(r[5]) for r in rows) == 2, rows
        assert await browser.text("#redis-health") == "up" and await browser.text("#store-health") == "up"
        # The charts drew rates from successive snapshots of the host's metrics.
        await browser.wait_for(
            lambda: int(browser.driver.find_element("id", "charts").get_attribute("data-points") or 0) >= points,
            "the charts have points",
            within=15 + 2.5 * points,
        )
    finally:
        stop.set()
        await writer
        await sender.close()
    await browser.screenshot("dashboard")
    assert await browser.console_errors() == []


async def test_root_kicks_a_user_and_the_sdk_session_is_closed_with_600(
    server: Server, browser: Browser, online: dict[int, TurmsClient]
) -> None:
    await browser.open("/console/users/2")
    sessions = await browser.text("#sessions")
    assert "BROWSER" in sessions, sessions
    await browser.screenshot("user")
    await browser.click("#kick", confirm=True)
    assert "Closed 1 session(s) of user 2" in await browser.text(".flash.ok")
    await asyncio.wait_for(online[2].closed.wait(), 5)
    assert online[2].close_status == 600
    assert not online[1].closed.is_set()
    assert "No session." in await browser.text("#sessions")


async def test_root_edits_a_live_setting_and_every_worker_applies_it(server: Server, browser: Browser) -> None:
    await browser.open("/console/settings?q=default_page_size")
    row = "#setting-admin-api-default_page_size"
    await browser.fill(f"{row} input[name=value]", "0")
    await browser.click(f"{row} button")
    # The settings registry refuses a bad value with its reason; nothing changes.
    assert "must be between 1 and 1000" in await browser.text("#refused")
    await browser.screenshot("setting-refused")
    await browser.console_errors()  # the refusal's 400 is logged by the browser
    await browser.open("/console/settings?q=default_page_size")
    await browser.fill(f"{row} input[name=value]", "7")
    await browser.click(f"{row} button")
    flash = await browser.text(".flash.ok")
    match = re.search(r"version (\d+)", flash)
    assert match and f"{SETTING} = 7" in flash, flash
    version = int(match.group(1))
    deadline = time.monotonic() + 5
    while True:
        status, body = await api(server, "GET", "/cluster/members")
        assert status == 200, body
        workers = body["data"]["workers"]
        if len(workers) == 2 and all(w["settingsVersion"] == version for w in workers):
            break
        assert time.monotonic() < deadline, f"not every worker applied version {version}: {workers}"
        await asyncio.sleep(0.1)
    assert "highlighted" in await browser.text("#settings-version")
    assert "changed" in (await browser.find(row)).get_attribute("class")
    # The effect, on whichever worker answers: the console's user list pages by the new default size.
    for _ in range(4):
        await browser.open("/console/users")
        assert len(await browser.all("#user-list tbody tr")) == 7
    await browser.open("/console/settings?q=admin.")
    await browser.screenshot("settings")


async def test_guest_sees_disabled_buttons_and_a_forged_request_is_refused(
    server: Server, browser: Browser, online: dict[int, TurmsClient]
) -> None:
    await browser.log_out()
    await browser.log_in("guest", "guest")
    assert await browser.text("#admin-name") == "guest"
    await browser.open("/console/users/1")
    kick = await browser.find("#kick")
    assert not kick.is_enabled() and "USER_ONLINE_INFO_UPDATE" in (kick.get_attribute("title") or "")
    assert "BROWSER" in await browser.text("#sessions")  # reading is allowed
    await browser.screenshot("user-as-guest")
    await browser.open("/console/settings?q=default_page_size")
    save = await browser.find("#setting-admin-api-default_page_size button")
    assert not save.is_enabled()
    await browser.screenshot("settings-as-guest")

    # A forged submission from the page: the disabled button re-enabled by hand.
    await browser.open("/console/users/1")
    await browser.js("document.getElementById('kick').disabled = false")
    await browser.click("#kick", confirm=True)
    assert "the permission USER_ONLINE_INFO_UPDATE is required" in await browser.text("#refused")
    await browser.console_errors()  # the refusal's 403
    await asyncio.sleep(0.5)
    assert not online[1].closed.is_set()

    # Forged requests outside the page, with the guest's own session cookie.
    cookie = {c["name"]: c["value"] for c in await browser.run(browser.driver.get_cookies)}
    await browser.open("/console/settings?q=default_page_size")
    token = (await browser.find("input[name=csrf]")).get_attribute("value")
    url = f"http://127.0.0.1:{server.admin_port}/console"
    async with aiohttp.ClientSession(cookies=cookie) as http:
        form = {"csrf": token, "key": SETTING, "value": "3"}
        async with http.post(f"{url}/settings", data=form, allow_redirects=False) as resp:
            assert resp.status == 403 and "CLUSTER_SETTING_UPDATE" in await resp.text()
        async with http.post(f"{url}/users/1/kick", data={}, allow_redirects=False) as resp:
            assert resp.status == 403 and "CSRF token" in await resp.text()  # no token
        headers = {"Origin": "http://evil.example"}
        async with http.post(f"{url}/users/1/kick", data={"csrf": token}, headers=headers) as resp:
            assert resp.status == 403 and "evil.example" in await resp.text()
    status, body = await api(server, "GET", "/cluster/settings?onlyLive=true")
    assert status == 200 and body["data"]["settings"][SETTING] == 7
    assert not online[1].closed.is_set()

    # The refusals are in the audit log, which the guest may read.
    await browser.open("/console/audit?admin=guest&result=refused")
    records = await browser.text("#audit")
    assert "DELETE /sessions" in records and "PUT /cluster/settings" in records and "403" in records
    await browser.screenshot("audit")


async def test_every_page_renders_without_browser_errors(server: Server, browser: Browser) -> None:
    await browser.log_out()
    await browser.log_in("turms", root_password(server))
    pages = {
        "users": "/console/users",
        "groups": "/console/groups",
        "group": "/console/groups/1",
        "messages": "/console/messages?kind=private&users=1+2",
        "blocklist": "/console/blocklist",
        "antispam": "/console/antispam",
    }
    for name, path in pages.items():
        await browser.open(path)
        title = await browser.run(lambda: browser.driver.title)
        assert "error" not in title.lower() and "Not found" not in title, (path, title)
        if name == "antispam":  # a check through the antispam route, shown with its result
            await browser.fill("#antispam-test textarea", "hello from the console")
            await browser.click("#antispam-test button")
            assert "none" in await browser.text("#antispam-result")
        await browser.screenshot(name)
    # Plugins: enabled and disabled on every worker from the console (the in-box webhook plugin).
    await browser.open("/console/plugins")
    await browser.click("#plugin-webhook button")
    assert "Plugin webhook enabled on every worker" in await browser.text(".flash.ok")
    await browser.wait_for(
        lambda: (
            browser.driver.find_element("id", "plugin-webhook").text.count("running") >= 2
            or bool(browser.driver.refresh())
        ),
        "both workers report the webhook plugin running",
    )
    await browser.screenshot("plugins")
    await browser.click("#plugin-webhook button", confirm=True)
    assert "Plugin webhook disabled on every worker" in await browser.text(".flash.ok")
    assert await browser.console_errors() == []
    # A message recalled from the conversation view is shown recalled (through the message service).
    await browser.open("/console/messages?kind=private&users=1+2")
    first = (await browser.all("#message-list tbody tr"))[0]
    message_id = first.find_elements("css selector", "td")[1].text
    await browser.click("#message-list tbody tr:first-child button", confirm=True)
    assert f"Message {message_id} recalled" in await browser.text(".flash.ok")
    rows = await browser.js(
        "return [...document.querySelectorAll('#message-list tbody tr')].map(r => [...r.cells].map(c => c.textContent))"
    )
    recalled = [r for r in rows if r[1] == message_id]
    assert recalled and recalled[0][4].startswith("recalled"), rows
    # The RECALL notice took the conversation's next sequence id: the newest row is the system message.
    assert rows[0][3].strip().startswith("system") and int(rows[0][0]) == int(recalled[0][0]) + 1, rows[:2]
    await browser.log_out()
    await browser.screenshot("login")
    sizes = await asyncio.to_thread(lambda: {p.name: p.stat().st_size for p in browser.shots.iterdir()})
    assert len(sizes) >= 12 and all(size > 10_000 for size in sizes.values()), sizes
