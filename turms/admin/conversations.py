"""``PUT /conversations/group``: set members' read dates in group conversations (Turms's
``upsertGroupConversationsReadDate``).

The other conversation routes are the generic records of :mod:`turms.admin.content`. This one sets
``mr.<memberId>`` of each named group's ``groupConversation`` record to ``readDate`` for every named member,
creating the record when the group has none. Like Turms, it sets the date as given (an operator may move a read
position back, unlike a client, whose read dates only move forward) and notifies nobody. A read date in the
future is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from turms.admin.context import AdminDeps
from turms.admin.paging import UPDATE_RESULT
from turms.admin.permissions import AdminPermission
from turms.admin.routes import Call, Param, Route, bad_request
from turms.admin.validation import obj
from turms.service.conversation.read import GROUP_CONVERSATION
from turms.settings import admin as admin_settings

TAG = "conversations"
BODY = obj(
    {"readDate": {"type": "string", "format": "date-time", "description": "The read date to set (not in the future)."}},
    ("readDate",),
)
BODY["examples"] = [{"readDate": "2025-01-01T00:00:00Z"}]


def _date(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise bad_request("readDate: expected an ISO 8601 date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def routes(deps: AdminDeps) -> list[Route]:
    store, settings = deps.store, deps.settings

    async def update_group_read_dates(call: Call) -> dict[str, Any]:
        group_ids: list[int] = call.query["groupIds"]
        member_ids: list[int] = call.query["memberIds"]
        limit = settings.get(admin_settings.MAX_PAGE_SIZE)
        if len(group_ids) * len(member_ids) > limit:
            raise bad_request(f"at most {limit} (group, member) pairs per request")
        read_date = _date(call.body["readDate"])
        if read_date > deps.clock.now():
            raise bad_request("readDate: must not be in the future")
        changes = {f"mr.{uid}": read_date for uid in member_ids}
        updated = 0
        for gid in group_ids:
            result = await store.update_one(GROUP_CONVERSATION, {"_id": gid}, {"$set": changes}, upsert=True)
            updated += 1 if result.modified or result.upserted_id is not None else 0
        return {"updatedCount": updated}

    return [
        Route(
            "PUT",
            "/conversations/group",
            AdminPermission.CONVERSATION_UPDATE,
            "Set the read date of members in group conversations (created when missing).",
            update_group_read_dates,
            TAG,
            params=(
                Param("groupIds", "int[]", "The groups.", required=True, minimum=1),
                Param("memberIds", "int[]", "The members whose read date is set.", required=True, minimum=1),
            ),
            body=BODY,
            response=UPDATE_RESULT,
            target_param="groupIds",
        )
    ]
