"""The audit log: every write of an authenticated admin, through the API or this console, newest first, filtered
by admin, method, route, result and date (``/admins/action-logs``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from turms.admin.console.app import FormError, Page, PageRoute

PER_PAGE = 50
METHODS = ("POST", "PUT", "DELETE")
RESULTS = ("succeeded", "refused")


def _date(page: Page, name: str) -> str:
    text = page.field(name, required=False, max_length=40)
    if text and not (len(text) >= 10 and text[:4].isdigit() and text[4] == "-"):
        raise FormError(f"{name}: expected a date such as 2026-01-31 or 2026-01-31T12:00")
    return text


async def audit(page: Page) -> web.StreamResponse:
    admin = page.field("admin", required=False, max_length=64)
    method = page.field("method", required=False)
    route = page.field("route", required=False, max_length=256)
    result = page.field("result", required=False)
    since, until = _date(page, "since"), _date(page, "until")
    number = page.int_field("page", required=False, minimum=0, maximum=1_000_000)
    query: dict[str, Any] = {"page": number, "size": PER_PAGE}
    if admin:
        query["loginNames"] = [admin]
    if method in METHODS:
        query["methods"] = [method]
    if route:
        query["routes"] = [route]
    if result in RESULTS:
        query["result"] = result
    if since:
        query["startDate"] = since
    if until:
        query["endDate"] = until
    found = await page.read("/admins/action-logs", **query)
    filters = {"admin": admin, "method": method, "route": route, "result": result, "since": since, "until": until}
    return await page.render(
        "audit.html",
        title="Audit log",
        found=found,
        number=number,
        per_page=PER_PAGE,
        methods=METHODS,
        results=RESULTS,
        admin_filter=admin,
        method=method,
        route=route,
        result=result,
        since=since,
        until=until,
        page_url=lambda n: "/console/audit?" + urlencode({**filters, "page": n}),
    )


def pages() -> list[PageRoute]:
    return [("GET", "/console/audit", audit)]
