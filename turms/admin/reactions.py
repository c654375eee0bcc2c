"""``GET`` and ``DELETE /messages/reactions``: read and remove message reactions (beyond Turms, which has none).

* ``GET /messages/reactions?messageIds=…``: per message (those that exist; tombstones and recalled messages are
  left out), every reaction type with its count and the ids of all the users who reacted so, in reaction order.
* ``DELETE /messages/reactions?messageIds=…[&userIds=…][&types=…]``: removes those users' reactions (all users'
  without ``userIds``) of those types (all types without ``types``), through the message domain's own change
  (:func:`turms.service.message.reactions.remove`: the same compare-and-set as a client's request), and pushes
  each affected user's removal to the conversation's participants as if that user had sent a
  DeleteMessageReactionsRequest. ``deletedCount`` counts the (user, type) pairs removed.
"""

from __future__ import annotations

from typing import Any

from turms.admin.context import AdminDeps
from turms.admin.messages import message_services
from turms.admin.paging import DELETE_RESULT
from turms.admin.permissions import AdminPermission
from turms.admin.routes import Call, Param, Route, bad_request
from turms.admin.validation import array, int64, obj
from turms.service.message import reactions
from turms.service.message.model import MESSAGE, reaction_types
from turms.settings import admin as admin_settings

TAG = "messages"
INT32_MAX = 2**31 - 1
RESULT = array(
    obj(
        {
            "messageId": int64(1),
            "reactions": array(
                obj(
                    {
                        "type": int64(0, INT32_MAX),
                        "count": {"type": "integer", "minimum": 1},
                        "userIds": array(int64(), max_items=1 << 30),
                    },
                    ("type", "count", "userIds"),
                ),
                max_items=1 << 20,
            ),
        },
        ("messageId", "reactions"),
    ),
    max_items=1 << 20,
)


def routes(deps: AdminDeps) -> list[Route]:
    services = message_services(deps)
    store, settings = deps.store, deps.settings

    def _ids(call: Call) -> list[int]:
        ids: list[int] = call.query["messageIds"]
        most = settings.get(admin_settings.MAX_PAGE_SIZE)
        if len(ids) > most:
            raise bad_request(f"messageIds: at most {most}")
        return ids

    async def query_reactions(call: Call) -> list[dict[str, Any]]:
        ids = _ids(call)
        docs = await store.find(
            MESSAGE, {"_id": {"$in": ids}, "tomb": {"$ne": True}, "rd": {"$exists": False}}, sort=[("_id", 1)]
        )
        return [
            {
                "messageId": d["_id"],
                "reactions": [
                    {"type": t, "count": len(users), "userIds": users} for t, users in sorted(reaction_types(d).items())
                ],
            }
            for d in docs
        ]

    async def delete_reactions(call: Call) -> dict[str, Any]:
        ids = _ids(call)
        user_ids: list[int] | None = call.query.get("userIds")
        types: list[int] | None = call.query.get("types")
        if services.events is None:
            # Read group members from the store: this cache gets no invalidations from the rest of the cluster.
            docs = await store.find(MESSAGE, {"_id": {"$in": ids}, "gm": True}, projection={"tid": 1})
            services.group_members.forget([d["tid"] for d in docs])
        removed = 0
        for message_id in ids:
            removed += await reactions.remove(
                services, message_id, user_ids=user_ids, types=types, now=deps.clock.now(), trace_id=call.trace_id
            )
        return {"deletedCount": removed}

    message_ids = Param("messageIds", "int[]", "The messages.", required=True, minimum=1)
    return [
        Route(
            "GET",
            "/messages/reactions",
            AdminPermission.MESSAGE_QUERY,
            "The reactions of messages: per type, the count and the users who reacted so.",
            query_reactions,
            TAG,
            params=(message_ids,),
            response=RESULT,
        ),
        Route(
            "DELETE",
            "/messages/reactions",
            AdminPermission.MESSAGE_DELETE,
            "Remove reactions from messages (some users', of some types, or all); each affected user's removal "
            "is pushed to the conversation's participants.",
            delete_reactions,
            TAG,
            params=(
                message_ids,
                Param("userIds", "int[]", "Whose reactions (default: everyone's).", minimum=1),
                Param("types", "int[]", "Which reaction types (default: all).", minimum=0, maximum=INT32_MAX),
            ),
            response=DELETE_RESULT,
            target_param="messageIds",
        ),
    ]
