"""Blocked clients (IPs and user ids, cluster-wide) and antispam: its settings, checking a text against the
dictionary, and reloading the dictionary on every worker (``/blocked-clients/*``, ``/content-moderation/*``).

The antispam words live in the dictionary file of each host (``security.antispam.dictionary_path``); the console
shows how many are loaded, tests texts against them and reloads them after the file was edited.
"""

from __future__ import annotations

import ipaddress

from aiohttp import web

from turms.admin.console.app import FormError, Page, PageRoute

KINDS = {"ips": "IP addresses", "users": "user ids"}
DURATIONS = (("10 minutes", 10), ("1 hour", 60), ("1 day", 1440), ("7 days", 10080), ("30 days", 43200))
ANTISPAM_PREFIX = "security.antispam."


def _kind(page: Page) -> str:
    kind = page.request.match_info.get("kind", "")
    if kind not in KINDS:
        raise FormError("unknown kind of block")
    return kind


async def blocklist(page: Page) -> web.StreamResponse:
    ips = await page.read("/blocked-clients/ips")
    users = await page.read("/blocked-clients/users")
    return await page.render("blocklist.html", title="Blocklist", ips=ips, users=users, durations=DURATIONS)


async def block(page: Page) -> web.StreamResponse:
    kind = _kind(page)
    minutes = page.int_field("minutes", minimum=1, maximum=10 * 365 * 1440)
    ids: list[int] | list[str]
    if kind == "users":
        ids = page.id_list("ids")
    else:
        ids = page.field("ids").replace(",", " ").split()
        for ip in ids:
            try:
                ipaddress.ip_address(ip)
            except ValueError:
                raise FormError(f"{ip[:64]!r} is not an IP address") from None
    if not ids:
        raise FormError("ids is required")
    outcome = await page.write(
        "POST", f"/blocked-clients/{kind}", body={"ids": ids, "blockDurationMillis": minutes * 60_000}
    )
    count = outcome.data["blockedCount"] if outcome.ok else 0
    return await page.finish(outcome, f"Blocked {count} {KINDS[kind]} for {minutes} minutes.", "/console/blocklist")


async def unblock(page: Page) -> web.StreamResponse:
    kind = _kind(page)
    target: int | str = page.int_field("id", minimum=1) if kind == "users" else page.field("id", max_length=64)
    outcome = await page.write("DELETE", f"/blocked-clients/{kind}", query={"ids": [target]})
    return await page.finish(outcome, f"Unblocked {target}.", "/console/blocklist")


async def _antispam_page(page: Page, *, text: str = "", result: dict[str, object] | None = None) -> web.Response:
    current = await page.read("/cluster/settings")
    metadata = await page.read("/cluster/settings/metadata")
    rows = []
    if current.ok and metadata.ok:
        for key, meta in sorted(metadata.data.items()):
            if key.startswith(ANTISPAM_PREFIX):
                rows.append({"key": key, "value": current.data["settings"].get(key), **meta})
    return await page.render("antispam.html", title="Antispam", settings=current, rows=rows, text=text, result=result)


async def antispam(page: Page) -> web.StreamResponse:
    return await _antispam_page(page)


async def check(page: Page) -> web.StreamResponse:
    text = page.field("text", max_length=65536)
    outcome = await page.write("POST", "/content-moderation/text", body={"text": text})
    if not outcome.ok:
        return await page.refused(outcome.status, outcome.message, "/console/antispam")
    return await _antispam_page(page, text=text, result=outcome.data)


async def reload(page: Page) -> web.StreamResponse:
    outcome = await page.write("POST", "/content-moderation/dictionary/reload")
    return await page.finish(outcome, "Antispam dictionary reloaded on every worker.", "/console/antispam")


def pages() -> list[PageRoute]:
    return [
        ("GET", "/console/blocklist", blocklist),
        ("POST", "/console/blocklist/{kind}/block", block),
        ("POST", "/console/blocklist/{kind}/unblock", unblock),
        ("GET", "/console/antispam", antispam),
        ("POST", "/console/antispam/test", check),
        ("POST", "/console/antispam/reload", reload),
    ]
