"""Blocked clients (``/blocked-clients/ips``, ``/blocked-clients/users``) and antispam tools
(``/content-moderation/text``, ``/content-moderation/dictionary``).

Blocks are cluster-wide: they are written to Redis with a change log, and every worker on every host applies
them within a second (``turms.cluster.blocklist``); a blocked IP is refused at accept, a blocked user's
sessions are closed with 701. Antispam belongs to Turms's antispam plugin, so its routes use the plugin
permissions.
"""

from __future__ import annotations

import functools
from typing import Any

from turms.admin.context import AdminDeps
from turms.admin.permissions import AdminPermission
from turms.admin.routes import ApiError, Call, Param, Route
from turms.admin.validation import array, int64, obj
from turms.protocol.status import ResponseStatusCode

P = AdminPermission
TAG = "blocklist"
MAX_BLOCK_MS = 10 * 365 * 86_400_000

BLOCK_BODY = {
    "ips": obj(
        {
            "ids": array({"type": "string", "minLength": 1, "maxLength": 64, "examples": ["192.0.2.1"]}, minItems=1),
            "blockDurationMillis": int64(1, MAX_BLOCK_MS),
        },
        ("ids", "blockDurationMillis"),
    ),
    "users": obj(
        {"ids": array(int64(1), minItems=1), "blockDurationMillis": int64(1, MAX_BLOCK_MS)},
        ("ids", "blockDurationMillis"),
    ),
}
RECORD = obj({"id": {"type": ["string", "integer"]}, "blockEndTime": {"type": "integer"}}, ("id", "blockEndTime"))


def routes(deps: AdminDeps) -> list[Route]:
    def service() -> Any:
        if deps.blocklist is None:
            raise ApiError(ResponseStatusCode.IP_BLOCKLIST_IS_DISABLED, "the blocklist is not running on this worker")
        return deps.blocklist

    async def block(call: Call, kind: str) -> dict[str, Any]:
        svc = service()
        duration_s = call.body["blockDurationMillis"] / 1000
        ids = call.body["ids"]
        blocked = await (svc.block_ips(ids, duration_s) if kind == "ips" else svc.block_user_ids(ids, duration_s))
        call.targets.extend(blocked)
        return {"blockedCount": len(blocked)}

    async def query(call: Call, kind: str) -> list[dict[str, Any]]:
        svc = service()
        ids = call.query.get("ids") or None
        found = await (svc.query_blocked_ips(ids) if kind == "ips" else svc.query_blocked_user_ids(ids))
        return [{"id": b.id, "blockEndTime": b.expiry_ms} for b in found]

    async def unblock(call: Call, kind: str) -> dict[str, Any]:
        svc = service()
        ids = call.query.get("ids") or None
        if ids is None and not call.query.get("deleteAll"):
            raise ApiError(ResponseStatusCode.NO_FILTER_FOR_DELETE_OPERATION, "name the ids, or deleteAll=true")
        await (svc.unblock_ips(ids) if kind == "ips" else svc.unblock_user_ids(ids))
        return {}

    async def test_text(call: Call) -> dict[str, Any]:
        if deps.antispam_test is None:
            raise ApiError(ResponseStatusCode.ILLEGAL_ARGUMENT, "antispam is not running on this worker")
        result = deps.antispam_test(call.body["text"])
        return {"unwantedWords": result["words"], "maskedText": result["masked"], "words": result["dictionary_words"]}

    async def reload(call: Call) -> dict[str, Any]:
        if deps.antispam_reload is None:
            raise ApiError(ResponseStatusCode.ILLEGAL_ARGUMENT, "antispam is not running on this worker")
        await deps.antispam_reload()
        return {}

    out: list[Route] = []
    for kind, noun, param in (
        ("ips", "IP addresses", Param("ids", "str[]", "IP addresses.")),
        ("users", "user ids", Param("ids", "int[]", "User ids.")),
    ):
        path = f"/blocked-clients/{kind}"
        out += [
            Route(
                "POST",
                path,
                P.CLIENT_BLOCKLIST_CREATE,
                f"Block {noun} cluster-wide for a duration.",
                functools.partial(block, kind=kind),
                TAG,
                body=BLOCK_BODY[kind],
                response=obj({"blockedCount": {"type": "integer"}}, ("blockedCount",)),
                target_param=None,
            ),
            Route(
                "GET",
                path,
                P.CLIENT_BLOCKLIST_QUERY,
                f"Blocked {noun} and when each block ends (all when no ids are given).",
                functools.partial(query, kind=kind),
                TAG,
                params=(param,),
                response={"type": "array", "items": RECORD},
            ),
            Route(
                "DELETE",
                path,
                P.CLIENT_BLOCKLIST_DELETE,
                f"Unblock {noun} (or all of them with deleteAll=true).",
                functools.partial(unblock, kind=kind),
                TAG,
                params=(param, Param("deleteAll", "bool", "Unblock every one.")),
            ),
        ]
    out += [
        Route(
            "POST",
            "/content-moderation/text",
            P.PLUGIN_QUERY,
            "Check a text against the antispam dictionary: the unwanted words found and the masked text.",
            test_text,
            "antispam",
            body=obj({"text": {"type": "string", "maxLength": 65536}}, ("text",)),
            response=obj(
                {
                    "unwantedWords": {"type": "array", "items": {"type": "string"}},
                    "maskedText": {"type": "string"},
                    "words": {"type": "integer"},
                },
                ("unwantedWords", "maskedText", "words"),
            ),
            target_param=None,
        ),
        Route(
            "POST",
            "/content-moderation/dictionary/reload",
            P.PLUGIN_UPDATE,
            "Reload the antispam dictionary file on every worker of every host.",
            reload,
            "antispam",
            body=None,
            target_param=None,
        ),
    ]
    return out
