"""Messages: one conversation's messages (private, by its two users, or a group's), recall, and system
messages (``/conversations/messages``, ``/messages/recalls``, ``POST /messages``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from turms.admin.console.app import FormError, Page, PageRoute

PER_PAGE = 20


def _back(page: Page) -> str:
    """The conversation the form came from (a console messages URL only)."""
    back = page.field("back", required=False, max_length=512)
    return back if back.startswith("/console/messages") and "//" not in back else "/console/messages"


async def messages(page: Page) -> web.StreamResponse:
    kind = page.field("kind", required=False) or "private"
    users = page.id_list("users", required=False, limit=2)
    group = page.int_field("group", required=False, minimum=1)
    number = page.int_field("page", required=False, minimum=0, maximum=1_000_000)
    found = None
    if kind == "private" and users:
        found = await page.read("/conversations/messages", userIds=users, page=number, size=PER_PAGE)
    elif kind == "group" and group:
        found = await page.read("/conversations/messages", groupId=group, page=number, size=PER_PAGE)
    here = {"kind": kind, "users": " ".join(map(str, users)), "group": group or ""}
    return await page.render(
        "messages.html",
        title="Messages",
        kind=kind,
        users=here["users"],
        group=here["group"],
        number=number,
        per_page=PER_PAGE,
        found=found,
        here="/console/messages?" + urlencode({**here, "page": number}),
        page_url=lambda n: "/console/messages?" + urlencode({**here, "page": n}),
    )


async def send(page: Page) -> web.StreamResponse:
    kind = page.field("kind")
    if kind not in ("private", "group"):
        raise FormError("kind must be private or group")
    target = page.int_field("targetId", minimum=1)
    text = page.field("text", max_length=65536)
    body: dict[str, Any] = {
        "isGroupMessage": kind == "group",
        "isSystemMessage": True,
        "targetId": target,
        "text": text,
    }
    outcome = await page.write("POST", "/messages", body=body)
    done = f"System message {outcome.data['id']} sent." if outcome.ok else ""
    return await page.finish(outcome, done, _back(page))


async def recall(page: Page) -> web.StreamResponse:
    message_id = page.path_int("id")
    outcome = await page.write("POST", "/messages/recalls", query={"ids": [message_id]})
    if outcome.ok and outcome.data["failures"]:
        failure = outcome.data["failures"][0]
        return await page.refused(400, f"{failure['reason']} (code {failure['code']})", _back(page))
    return await page.finish(outcome, f"Message {message_id} recalled.", _back(page))


def pages() -> list[PageRoute]:
    return [
        ("GET", "/console/messages", messages),
        ("POST", "/console/messages/send", send),
        ("POST", "/console/messages/{id}/recall", recall),
    ]
