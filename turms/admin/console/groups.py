"""Groups: search, a group's members and their roles, muting the group or a member, and dissolving it
(``/groups``, ``/groups/members``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from turms.admin.console.app import FormError, Page, PageRoute

#: ``GroupMemberRole`` by number (a smaller number is a higher role).
ROLES = ("OWNER", "MANAGER", "MEMBER", "GUEST", "ANONYMOUS_GUEST")
#: Roles an admin may give here: ownership changes only by a transfer.
ASSIGNABLE = ("MANAGER", "MEMBER", "GUEST")
MUTE_DURATIONS = (("10 minutes", 10), ("1 hour", 60), ("1 day", 1440), ("7 days", 10080))
MEMBERS_PER_PAGE = 20


def _mute_end(page: Page) -> str:
    """The mute end date the form asks for: now plus the minutes, or now (0 minutes: unmute)."""
    minutes = page.int_field("minutes", minimum=0, maximum=10 * 365 * 1440)
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat(timespec="milliseconds")


def muted(end: Any) -> bool:
    if isinstance(end, str):
        end = datetime.fromisoformat(end.replace("Z", "+00:00"))
    return isinstance(end, datetime) and end > datetime.now(UTC)


async def groups(page: Page) -> web.StreamResponse:
    ids = page.id_list("ids", required=False)
    owners = page.id_list("ownerIds", required=False)
    number = page.int_field("page", required=False, minimum=0, maximum=1_000_000)
    query: dict[str, Any] = {"page": number}
    if ids:
        query["ids"] = ids
    if owners:
        query["ownerIds"] = owners
    found = await page.read("/groups", **query)
    return await page.render(
        "groups.html",
        title="Groups",
        found=found,
        ids=" ".join(map(str, ids)),
        owners=" ".join(map(str, owners)),
        number=number,
        muted=muted,
    )


async def group(page: Page) -> web.StreamResponse:
    group_id = page.path_int("id")
    number = page.int_field("page", required=False, minimum=0, maximum=1_000_000)
    info = await page.read("/groups", ids=[group_id])
    record = info.data["records"][0] if info.ok and info.data["records"] else None
    members = await page.read("/groups/members", groupIds=[group_id], page=number, size=MEMBERS_PER_PAGE)
    return await page.render(
        "group.html",
        title=f"Group {group_id}",
        group_id=group_id,
        info=info,
        record=record,
        members=members,
        number=number,
        per_page=MEMBERS_PER_PAGE,
        page_url=lambda n: f"/console/groups/{group_id}?page={n}",
        roles=ROLES,
        assignable=ASSIGNABLE,
        durations=MUTE_DURATIONS,
        muted=muted,
    )


async def mute_group(page: Page) -> web.StreamResponse:
    group_id = page.path_int("id")
    end = _mute_end(page)
    outcome = await page.write("PUT", "/groups", query={"ids": [group_id]}, body={"muteEndDate": end})
    return await page.finish(outcome, f"Group {group_id} mute set to end at {end}.", f"/console/groups/{group_id}")


async def dissolve(page: Page) -> web.StreamResponse:
    group_id = page.path_int("id")
    outcome = await page.write("DELETE", "/groups", query={"ids": [group_id]})
    if outcome.ok and outcome.data["deletedCount"] == 0:
        return await page.refused(404, f"group {group_id} does not exist or is already dissolved", "/console/groups")
    return await page.finish(outcome, f"Group {group_id} dissolved.", "/console/groups")


async def member_role(page: Page) -> web.StreamResponse:
    group_id, user_id = page.path_int("id"), page.path_int("uid")
    role = page.field("role")
    if role not in ASSIGNABLE:
        raise FormError(f"role must be one of {', '.join(ASSIGNABLE)}")
    outcome = await page.write(
        "PUT",
        "/groups/members",
        query={"groupIds": [group_id], "userIds": [user_id]},
        body={"role": ROLES.index(role)},
    )
    return await page.finish(
        outcome, f"User {user_id} is now {role} of group {group_id}.", f"/console/groups/{group_id}"
    )


async def member_mute(page: Page) -> web.StreamResponse:
    group_id, user_id = page.path_int("id"), page.path_int("uid")
    end = _mute_end(page)
    outcome = await page.write(
        "PUT",
        "/groups/members",
        query={"groupIds": [group_id], "userIds": [user_id]},
        body={"muteEndDate": end},
    )
    return await page.finish(
        outcome, f"User {user_id} muted in group {group_id} until {end}.", f"/console/groups/{group_id}"
    )


def pages() -> list[PageRoute]:
    return [
        ("GET", "/console/groups", groups),
        ("GET", "/console/groups/{id}", group),
        ("POST", "/console/groups/{id}/mute", mute_group),
        ("POST", "/console/groups/{id}/dissolve", dissolve),
        ("POST", "/console/groups/{id}/members/{uid}/role", member_role),
        ("POST", "/console/groups/{id}/members/{uid}/mute", member_mute),
    ]
