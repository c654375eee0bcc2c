"""Users: search (by ids or exact name) and list, a user's profile with their sessions and devices, kick, block
and unblock, activate and deactivate, and create (``/users``, ``/users/online-infos/statuses``, ``/sessions``,
``/blocked-clients/users``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from turms.admin.console.app import FormError, Page, PageRoute

DEVICE_TYPES = ("DESKTOP", "BROWSER", "IOS", "ANDROID", "OTHERS")
PROFILE_ACCESS = ("ALL", "ALL_EXCEPT_BLOCKED_USERS", "FRIENDS")
#: Block durations offered (label, minutes).
BLOCK_DURATIONS = (("10 minutes", 10), ("1 hour", 60), ("1 day", 1440), ("7 days", 10080), ("30 days", 43200))


async def users(page: Page) -> web.StreamResponse:
    ids = page.id_list("ids", required=False)
    name = page.field("name", required=False, max_length=64)
    state = page.field("state", required=False)
    number = page.int_field("page", required=False, minimum=0, maximum=1_000_000)
    query: dict[str, Any] = {"page": number}
    if ids:
        query = {"ids": ids, "includeDeleted": True}
    if name:
        query["names"] = [name]
    if state in ("active", "inactive"):
        query["isActive"] = state == "active"
    found = await page.read("/users", **query)
    return await page.render(
        "users.html",
        title="Users",
        found=found,
        ids=" ".join(map(str, ids)),
        name=name,
        state=state,
        number=number,
        profile_access=PROFILE_ACCESS,
    )


async def create(page: Page) -> web.StreamResponse:
    body: dict[str, Any] = {}
    user_id = page.int_field("id", required=False, minimum=1)
    if user_id:
        body["id"] = user_id
    for name, key in (("password", "password"), ("name", "name"), ("intro", "intro")):
        value = page.field(name, required=False, max_length=1024)
        if value:
            body[key] = value
    access = page.field("profileAccessStrategy", required=False)
    if access:
        body["profileAccessStrategy"] = access
    body["isActive"] = page.field("isActive", required=False) != "false"
    outcome = await page.write("POST", "/users", body=body)
    if outcome.ok:
        created = outcome.data["id"]
        return await page.finish(outcome, f"User {created} created.", f"/console/users/{created}")
    return await page.finish(outcome, "", "/console/users")


async def user(page: Page) -> web.StreamResponse:
    user_id = page.path_int("id")
    profile = await page.read("/users", ids=[user_id], includeDeleted=True)
    record = profile.data["records"][0] if profile.ok and profile.data["records"] else None
    online = await page.read("/users/online-infos/statuses", ids=[user_id])
    blocked = await page.read("/blocked-clients/users", ids=[user_id])
    return await page.render(
        "user.html",
        title=f"User {user_id}",
        user_id=user_id,
        profile=profile,
        record=record,
        online=online,
        presence=online.data[0] if online.ok and online.data else None,
        blocked=blocked,
        block=blocked.data[0] if blocked.ok and blocked.data else None,
        device_types=DEVICE_TYPES,
        durations=BLOCK_DURATIONS,
    )


async def kick(page: Page) -> web.StreamResponse:
    user_id = page.path_int("id")
    device = page.field("deviceType", required=False)
    if device and device not in DEVICE_TYPES:
        raise FormError(f"unknown device type {device[:20]!r}")
    query: dict[str, Any] = {"ids": [user_id]}
    if device:
        query["deviceTypes"] = [device]
    outcome = await page.write("DELETE", "/sessions", query=query)
    closed = outcome.data["deletedCount"] if outcome.ok else 0
    return await page.finish(outcome, f"Closed {closed} session(s) of user {user_id}.", f"/console/users/{user_id}")


async def block(page: Page) -> web.StreamResponse:
    user_id = page.path_int("id")
    minutes = page.int_field("minutes", minimum=1, maximum=10 * 365 * 1440)
    body = {"ids": [user_id], "blockDurationMillis": minutes * 60_000}
    outcome = await page.write("POST", "/blocked-clients/users", body=body)
    return await page.finish(outcome, f"User {user_id} blocked for {minutes} minutes.", f"/console/users/{user_id}")


async def unblock(page: Page) -> web.StreamResponse:
    user_id = page.path_int("id")
    outcome = await page.write("DELETE", "/blocked-clients/users", query={"ids": [user_id]})
    return await page.finish(outcome, f"User {user_id} unblocked.", f"/console/users/{user_id}")


async def activate(page: Page) -> web.StreamResponse:
    user_id = page.path_int("id")
    active = page.field("isActive") == "true"
    outcome = await page.write("PUT", "/users", query={"ids": [user_id]}, body={"isActive": active})
    done = f"User {user_id} {'activated' if active else 'deactivated (sessions closed)'}."
    return await page.finish(outcome, done, f"/console/users/{user_id}")


def pages() -> list[PageRoute]:
    return [
        ("GET", "/console/users", users),
        ("POST", "/console/users", create),
        ("GET", "/console/users/{id}", user),
        ("POST", "/console/users/{id}/kick", kick),
        ("POST", "/console/users/{id}/block", block),
        ("POST", "/console/users/{id}/unblock", unblock),
        ("POST", "/console/users/{id}/active", activate),
    ]
