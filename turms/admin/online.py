"""Online users: ``/users/online-infos/{count,statuses,sessions}`` and kicking (``DELETE /sessions``).

Everything comes from the cluster-wide session registry in Redis, so any worker of any host answers for the
whole cluster. Kicks travel over the routing bus to whichever worker holds each session, which closes it with
``DISCONNECTED_BY_ADMIN`` (600). The count scans the registry (admin use, O(online users)).
"""

from __future__ import annotations

from typing import Any

from turms.admin.context import AdminDeps
from turms.admin.permissions import AdminPermission
from turms.admin.routes import Call, Param, Route
from turms.admin.validation import int64, obj
from turms.cluster.sessions import STATUS_FIELD, SessionEntry
from turms.protocol.status import SessionCloseStatus

P = AdminPermission
TAG = "online users"
DEVICE_TYPES = ("DESKTOP", "BROWSER", "IOS", "ANDROID", "OTHERS", "UNKNOWN")
USER_STATUSES = ("AVAILABLE", "OFFLINE", "INVISIBLE", "BUSY", "DO_NOT_DISTURB", "AWAY", "BE_RIGHT_BACK")
SCAN_BATCH = 1000

SESSION_RECORD = obj(
    {
        "deviceType": {"type": "string"},
        "sessionId": {"type": "string"},
        "instanceId": {"type": "string"},
        "loginDate": {"type": "integer"},
    },
    ("deviceType", "sessionId", "instanceId"),
)
STATUS_RECORD = obj(
    {
        "userId": int64(),
        "status": {"type": "string", "enum": [*USER_STATUSES, "UNKNOWN"]},
        "deviceTypes": {"type": "array", "items": {"type": "string"}},
        "sessions": {"type": "array", "items": SESSION_RECORD},
    },
    ("userId", "status", "deviceTypes"),
)


def _device_name(device: int) -> str:
    return DEVICE_TYPES[device] if 0 <= device < len(DEVICE_TYPES) else "UNKNOWN"


def _session_json(e: SessionEntry) -> dict[str, Any]:
    return {
        "deviceType": _device_name(int(e.device)),
        "sessionId": e.session_id,
        "instanceId": e.instance_id,
        "loginDate": e.login_ms,
    }


def routes(deps: AdminDeps) -> list[Route]:
    registry = deps.registry

    def device_filter(call: Call) -> set[int] | None:
        names = call.query.get("deviceTypes")
        return {DEVICE_TYPES.index(n) for n in names} if names else None

    async def count(call: Call) -> dict[str, Any]:
        redis, keys = deps.bus.redis, deps.bus.keys
        live = await deps.membership.live_instances(max_age_s=0)
        users = sessions = 0
        # Per live worker instance: its users (a user with sessions on two workers counts on both) and sessions.
        per_worker: dict[str, list[int]] = {instance: [0, 0] for instance in live}
        batch: list[bytes] = []

        async def flush() -> None:
            nonlocal users, sessions
            async with redis.pipeline(transaction=False) as pipe:
                for key in batch:
                    pipe.hgetall(key)
                hashes: list[dict[bytes, bytes]] = await pipe.execute()
            for h in hashes:
                instances = [SessionEntry.decode(k, v).instance_id for k, v in h.items() if k != STATUS_FIELD.encode()]
                held = [i for i in instances if i in live]
                users += 1 if held else 0
                sessions += len(held)
                for instance in held:
                    per_worker[instance][1] += 1
                for instance in set(held):
                    per_worker[instance][0] += 1
            batch.clear()

        async for key in redis.scan_iter(match=keys.session_pattern, count=SCAN_BATCH):
            batch.append(key)
            if len(batch) >= SCAN_BATCH:
                await flush()
        if batch:
            await flush()
        workers = [
            {"instanceId": instance, "users": counts[0], "sessions": counts[1]}
            for instance, counts in sorted(per_worker.items())
        ]
        return {"total": users, "sessions": sessions, "workers": workers}

    async def statuses(call: Call) -> list[dict[str, Any]]:
        raw = await registry.status_of(call.query["ids"])
        out = []
        for uid, (status, entries) in raw.items():
            name = "OFFLINE" if status is None else (USER_STATUSES[status] if 0 <= status < 7 else "UNKNOWN")
            out.append(
                {
                    "userId": uid,
                    "status": name,
                    "deviceTypes": sorted({_device_name(int(e.device)) for e in entries}),
                    "sessions": [_session_json(e) for e in entries],
                }
            )
        return out

    async def sessions(call: Call) -> list[dict[str, Any]]:
        raw = await registry.sessions_of(call.query["ids"])
        devices = device_filter(call)
        return [
            {"userId": uid, "sessions": [_session_json(e) for e in es if devices is None or int(e.device) in devices]}
            for uid, es in raw.items()
        ]

    async def kick(ids: list[int], devices: set[int] | None) -> int:
        raw = await registry.sessions_of(ids)
        entries = [e for es in raw.values() for e in es if devices is None or int(e.device) in devices]
        if entries:
            await deps.bus.kick(entries, int(SessionCloseStatus.DISCONNECTED_BY_ADMIN), "closed by an admin")
        return len(entries)

    async def delete_sessions(call: Call) -> dict[str, Any]:
        return {"deletedCount": await kick(call.query["ids"], device_filter(call))}

    async def update_statuses(call: Call) -> dict[str, Any]:
        ids: list[int] = call.query["ids"]
        status = call.body["onlineStatus"]
        if status == "OFFLINE":
            return {"updatedCount": await kick(ids, device_filter(call))}
        changed = 0
        for uid in ids:
            changed += 1 if await registry.set_status(uid, USER_STATUSES.index(status)) else 0
        return {"updatedCount": changed}

    ids = Param("ids", "int[]", "User ids.", required=True)
    devices = Param("deviceTypes", "str[]", "Only these device types (default: all).", enum=DEVICE_TYPES)
    worker_count = obj(
        {"instanceId": {"type": "string"}, "users": {"type": "integer"}, "sessions": {"type": "integer"}},
        ("instanceId", "users", "sessions"),
    )
    count_schema = obj(
        {
            "total": {"type": "integer"},
            "sessions": {"type": "integer"},
            "workers": {"type": "array", "items": worker_count},
        },
        ("total", "sessions", "workers"),
    )
    return [
        Route(
            "GET",
            "/users/online-infos/count",
            P.USER_ONLINE_INFO_QUERY,
            "Online users and sessions in the whole cluster, and per live worker instance.",
            count,
            TAG,
            response=count_schema,
        ),
        Route(
            "GET",
            "/users/online-infos/statuses",
            P.USER_ONLINE_INFO_QUERY,
            "Status and online devices of users.",
            statuses,
            TAG,
            params=(ids,),
            response={"type": "array", "items": STATUS_RECORD},
        ),
        Route(
            "GET",
            "/users/online-infos/sessions",
            P.USER_ONLINE_INFO_QUERY,
            "Live sessions of users.",
            sessions,
            TAG,
            params=(ids, devices),
            response={
                "type": "array",
                "items": obj(
                    {"userId": int64(), "sessions": {"type": "array", "items": SESSION_RECORD}}, ("userId", "sessions")
                ),
            },
        ),
        Route(
            "PUT",
            "/users/online-infos/statuses",
            P.USER_ONLINE_INFO_UPDATE,
            "Set users' status; OFFLINE closes their sessions with 600 (DISCONNECTED_BY_ADMIN).",
            update_statuses,
            TAG,
            params=(ids, devices),
            body=obj({"onlineStatus": {"type": "string", "enum": list(USER_STATUSES)}}, ("onlineStatus",)),
            response={"type": "object", "properties": {"updatedCount": {"type": "integer"}}},
        ),
        Route(
            "DELETE",
            "/sessions",
            P.USER_ONLINE_INFO_UPDATE,
            "Close users' sessions wherever they are held, with 600 (DISCONNECTED_BY_ADMIN).",
            delete_sessions,
            TAG,
            params=(ids, devices),
            response={"type": "object", "properties": {"deletedCount": {"type": "integer"}}},
        ),
    ]
